"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium, never
a downloaded browser) against pytest-django's live_server. Every page a test looks at is
checked with axe-core and at 320 px wide, and screenshotted under artifacts/browser/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = ViewportSize(width=1024, height=768)


@pytest.fixture(scope="module", autouse=True)
def allow_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; the tests still use the
    ORM from it, between browser steps, which Django would otherwise refuse as "async".
    Only while a browser module runs: nothing else (a subprocess's check --deploy) may
    see it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(django_db_setup: None, live_server: object) -> Iterator[Browser]:
    """Chromium for one test module. Started after the test database and live server
    (session fixtures), so that they are made outside Playwright's event loop."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def refusals_collected(page: Page) -> list[str]:
    """Collects what the browser refused or failed on, as it says in its console: anything
    the Content-Security-Policy blocked (an inline script or style left in a template), a
    script error, a file that did not load. A test's pages must leave it empty."""
    refused: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # A page a test means to be refused (403, 404) is logged as a resource that
        # failed to load: pages are checked by their tests, files below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            refused.append(f"{page.url}: {message.text}")

    def response(answer: Response) -> None:
        if answer.request.resource_type != "document" and answer.status >= 400:
            refused.append(f"{page.url}: {answer.url} answered {answer.status}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda error: refused.append(f"{page.url}: {error}"))
    return refused


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused = refusals_collected(page)
    yield page
    context.close()
    assert refused == [], "the browser refused or failed:\n" + "\n".join(refused)


@pytest.fixture
def page_without_javascript(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused = refusals_collected(page)
    yield page
    context.close()
    assert refused == [], "the browser refused or failed:\n" + "\n".join(refused)
