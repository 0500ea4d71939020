"""What every page a browser test visits must pass: axe-core finds no serious or critical
violation, and on a tablet or at 320 px wide nothing scrolls sideways. A screenshot of
each (at each size) goes to artifacts/browser/ on every run, for people to look at."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, ViewportSize

from tests.fixtures_pages import PASSWORD

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "browser"
NARROW = ViewportSize(width=320, height=640)
TABLET_UPRIGHT = ViewportSize(width=768, height=1024)
BLOCKING = {"serious", "critical"}


def check_page(page: Page, name: str, *, axe: bool = True) -> None:
    """Screenshots the page as it is, runs axe on it (not possible with JavaScript off),
    then checks and screenshots it on a tablet held upright and at 320 px wide, and puts
    the viewport back."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    if axe:
        assert_accessible(page, name)
    viewport = page.viewport_size
    try:
        for size, label in ((TABLET_UPRIGHT, "tablet"), (NARROW, "320px")):
            page.set_viewport_size(size)
            page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= size["width"], (
                f"{name} scrolls sideways at {size['width']} px ({width})"
            )
    finally:
        if viewport:
            page.set_viewport_size(viewport)


def assert_accessible(page: Page, name: str) -> None:
    assert AXE.exists(), f"{AXE} is missing: bin/setup installs it (npm ci)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's DevTools, not added as a <script>: the pages'
        # Content-Security-Policy refuses inline scripts, and must not be loosened for this.
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document)")
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
    assert not blocking, f"axe on {name}:\n" + "\n".join(blocking)


def sign_in(
    page: Page,
    live_server,
    *,
    slug: str = "oakfield",
    username: str = "AlexA",
    password: str = PASSWORD,
) -> None:
    """Signs in on a school's sign-in page as a person does: the username, then the password."""
    page.goto(f"{live_server.url}/s/{slug}/")
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
