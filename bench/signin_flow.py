"""What a pupil's and an administrator's browser ask for when they sign in and look around,
for the sign-in load test (bench/locustfile.py drives it with locust; a test drives it
against the test server). Each step checks the page it got, as a person would see it, and
raises FlowError if it is not the page expected.

A pupil without JavaScript would send one request per picture tapped; the page's script
collects the taps and sends the whole PIN at once, which is what is sent here.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLASS_LINK = re.compile(r'href="(/s/[^/"]+/classes/\d+/)"')
ACCOUNT_LINK = re.compile(r'href="(/s/[^/"]+/accounts/\d+/)"')
PAD_PAGE = "Tap your pictures"
PASSWORD_PAGE = 'name="password"'
MANAGE_PAGE = "Manage users"


class FlowError(Exception):
    """A page other than the one a person would expect (the message says which)."""


@dataclass(frozen=True)
class Page:
    status: int
    text: str
    url: str


class Browser(Protocol):
    """A browser with cookies: `path` is relative to the site; `name` groups the figures."""

    def get(self, path: str, name: str) -> Page: ...

    def post(self, path: str, data: dict[str, str], name: str) -> Page: ...


@dataclass(frozen=True)
class Login:
    role: str  # "pupil" (a picture PIN) or "admin" (a password)
    username: str
    secret: str


def read_logins(path: Path) -> list[Login]:
    with path.open(newline="") as file:
        return [Login(row["role"], row["username"], row["secret"]) for row in csv.DictReader(file)]


def write_logins(path: Path, logins: list[Login]) -> None:
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["role", "username", "secret"])
        writer.writeheader()
        writer.writerows(
            {"role": x.role, "username": x.username, "secret": x.secret} for x in logins
        )


def _username_step(browser: Browser, sign_in: str, login: Login, expected: str, what: str) -> str:
    """The sign-in page, then the username: the CSRF token of the second step's form,
    which must show `expected`."""
    token = _csrf(_expect(browser.get(sign_in, "sign-in page"), "Sign in", sign_in))
    step = browser.post(
        sign_in, {"csrfmiddlewaretoken": token, "username": login.username}, "username"
    )
    return _csrf(_expect(step, expected, what))


def pupil_signs_in(browser: Browser, school_slug: str, login: Login) -> Page:
    """The sign-in page, the username, the pictures: returns the pupil's own page."""
    sign_in = f"/s/{school_slug}/"
    token = _username_step(browser, sign_in, login, PAD_PAGE, "the picture pad")
    data = {"csrfmiddlewaretoken": token, "username": login.username, "pin": login.secret}
    home = browser.post(sign_in, data, "pictures (signs in)")
    return _expect(home, "You are signed in to", f"{login.username}'s page after the pictures")


def admin_signs_in(browser: Browser, school_slug: str, login: Login) -> Page:
    """The sign-in page, the username, the password: returns Manage users."""
    sign_in = f"/s/{school_slug}/"
    token = _username_step(browser, sign_in, login, PASSWORD_PAGE, "the password step")
    data = {"csrfmiddlewaretoken": token, "username": login.username, "password": login.secret}
    manage = browser.post(sign_in, data, "password (signs in)")
    return _expect(manage, MANAGE_PAGE, f"Manage users after {login.username}'s password")


def admin_browses(browser: Browser, school_slug: str, chooser: random.Random) -> None:
    """Manage users, one of its classes, and one of that class's pupils' accounts."""
    manage = _expect(browser.get(f"/s/{school_slug}/users/", "manage users"), MANAGE_PAGE)
    classes = CLASS_LINK.findall(manage.text)
    if not classes:
        raise FlowError("Manage users lists no class")
    school_class = _expect(browser.get(chooser.choice(classes), "a class"), "Print login cards")
    accounts = ACCOUNT_LINK.findall(school_class.text)
    if not accounts:
        raise FlowError(f"The class at {school_class.url} lists no pupil")
    _expect(browser.get(chooser.choice(accounts), "an account"), "Username")


def _expect(page: Page, text: str, what: str = "") -> Page:
    if page.status != 200:
        raise FlowError(f"{what or page.url}: status {page.status}")
    if text not in page.text:
        raise FlowError(f"{what or page.url}: no {text!r} on the page at {page.url}")
    return page


def _csrf(page: Page) -> str:
    found = CSRF_FIELD.search(page.text)
    if not found:
        raise FlowError(f"No CSRF token on the page at {page.url}")
    return found.group(1)
