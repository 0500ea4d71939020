"""Tenancy sweep (issue 11, item 5): every URL pattern of the project, Django admin
included, is requested with GET and with POST by four people who must see and change
nothing of the first school (Oakfield): an anonymous visitor, a pupil of Oakfield, a
teacher of another of its classes, and the administrator of another school. Each URL's
kwargs are filled with the ids of Oakfield's own objects, from a table keyed by kwarg
name. For every request: the status the URL's access rule gives that person, no name
they may not see in the body, the security headers, and the database as it was (a dump
of every table of accounts, classes, sync runs and admin, before and after), and no email.

The access rules are tests/url_sweep.py's table: a URL missing from it fails here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client

from purplemash.security import CONTENT_SECURITY_POLICY
from tests.url_sweep import (
    ADMIN_LOGIN,
    LINK,
    POST,
    PUBLIC,
    SCHOOL_ADMIN,
    SIGNED_IN,
    SUPPORT,
    TEACHER,
    TEACHER_OF,
    UNKNOWN,
    FirstSchool,
    Route,
    database_dump,
    kwarg_values,
    routes,
    rule_for,
    unknown_routes,
    url_of,
)
from users.models import User

pytestmark = pytest.mark.django_db

SCHOOL_NAME = "Oakfield Primary School"
# Rows a public page may add: every try at a sign-in page is recorded (users/lockout.py).
SIGN_IN_RECORDS = {"users.signinattempt", "users.accountlock"}


@dataclass(frozen=True)
class Role:
    name: str
    # Who this person is allowed to see named (themselves, their class).
    sees: frozenset[str]
    # The answer of each access kind to them: a status, or "sign-in" / "admin login".
    answers: dict[str, object]


SIGN_IN = "redirect to the school's sign-in"
ADMIN_SIGN_IN = "redirect to Django admin's sign-in"
ANYTHING_PUBLIC = "a public page, or its refusal (200, 302, 400, 403, 404 or 405)"
ROLES = {
    "anonymous": Role(
        "anonymous",
        frozenset(),
        {SCHOOL_ADMIN: SIGN_IN, TEACHER_OF: SIGN_IN, TEACHER: SIGN_IN, SIGNED_IN: SIGN_IN},
    ),
    # Cal, a pupil in Wrens.
    "pupil": Role(
        "pupil",
        frozenset({"cal", "wrens"}),
        {SCHOOL_ADMIN: 403, TEACHER_OF: 403, TEACHER: 403, SIGNED_IN: 200},
    ),
    # Will, who teaches Wrens, not Robins (the class whose ids are tried).
    "teacher of another class": Role(
        "teacher of another class",
        frozenset({"will", "wrens", "cal"}),
        {SCHOOL_ADMIN: 403, TEACHER_OF: 404, TEACHER: 200, SIGNED_IN: 200},
    ),
    "another school's administrator": Role(
        "another school's administrator",
        frozenset(),
        {SCHOOL_ADMIN: 404, TEACHER_OF: 404, TEACHER: 404, SIGNED_IN: 404},
    ),
}


def person_for(role: str, first: FirstSchool, other_admin: User) -> User | None:
    return {
        "anonymous": None,
        "pupil": first.classes.cal,
        "teacher of another class": first.classes.will,
        "another school's administrator": other_admin,
    }[role]


def forbidden_names(first: FirstSchool, role: Role, access: str, own: set[str]) -> list[str]:
    names = [
        name
        for who, names in first.people.items()
        if who not in role.sees
        for name in names
        if name and name not in own
    ]
    # The school's own people see its name; so does anyone on its public pages.
    outsider = role.name in {"anonymous", "another school's administrator"}
    if outsider and access not in {PUBLIC, LINK}:
        names.append(SCHOOL_NAME)
    return names


def expected(access: str, role: Role) -> object:
    if access in role.answers:
        return role.answers[access]
    if access == SUPPORT:
        return ADMIN_SIGN_IN
    return ANYTHING_PUBLIC


def check_answer(response: Any, want: object, url: str, school_slug: str) -> str:
    """'' if `response` is the answer wanted, else what is wrong, in words. A method the
    page does not take (405: the sign-out page's GET, a PDF's POST) is always a right
    answer: nothing runs."""
    status, location = response.status_code, response.get("Location", "")
    if status == 405:
        return ""
    if want == SIGN_IN:
        if status == 302 and location == f"/s/{school_slug}/?next={quote(url)}":
            return ""
    elif want == ADMIN_SIGN_IN:
        if status == 302 and location.startswith("/admin/login/"):
            return ""
    elif want == ANYTHING_PUBLIC:
        # 400 and 403: a bad link or token, or a callback refusing a stranger.
        if status in {200, 302, 400, 403, 404}:
            return ""
    elif status == want:
        return ""
    return f"wanted {want}, got {status} {location}".strip()


def sweep(
    client: Client, role: Role, person: User | None, first: FirstSchool
) -> tuple[int, list[str]]:
    """Requests every URL with GET and POST as `person`; returns how many requests and
    the problems found."""
    problems: list[str] = []
    own = {person.username, person.full_name} if person else set()
    count = 0
    for route in routes():
        rule = rule_for(route.key)
        assert rule is not None, UNKNOWN.format(route.key)
        url = url_of(route, kwarg_values(first, rule.target))
        for method in ("get", "post"):
            if person and "_auth_user_id" not in client.session:
                client.force_login(person)  # signed out by the sign-out pages
            count += 1
            problems += request_once(client, role, first, route, rule.access, url, method, own)
    return count, problems


def request_once(
    client: Client,
    role: Role,
    first: FirstSchool,
    route: Route,
    access: str,
    url: str,
    method: str,
    own: set[str],
) -> list[str]:
    before = database_dump()
    response = client.post(url, POST) if method == "post" else client.get(url)
    after = database_dump()
    where = f"{method.upper()} {url} ({route.key}, {access})"
    problems = []
    if wrong := check_answer(response, expected(access, role), url, first.school.slug):
        problems.append(f"{where}: {wrong}")
    body = html.unescape(response.content.decode(errors="replace"))
    for name in forbidden_names(first, role, access, own):
        if name in body:
            problems.append(f"{where}: shows {name!r}")
    changed = {table for table in before if before[table] != after[table]}
    if access in {PUBLIC, ADMIN_LOGIN}:
        changed -= SIGN_IN_RECORDS
    if changed:
        problems.append(f"{where}: changed {sorted(changed)}")
    if mail.outbox:
        problems.append(f"{where}: sent {len(mail.outbox)} email(s)")
        mail.outbox.clear()
    if response.get("Content-Security-Policy") != CONTENT_SECURITY_POLICY:
        problems.append(f"{where}: no Content-Security-Policy")
    for header in ("X-Content-Type-Options", "Referrer-Policy"):
        if header not in response:
            problems.append(f"{where}: no {header}")
    if response.get("Content-Type", "").startswith("text/html") and "X-Frame-Options" not in (
        response
    ):
        problems.append(f"{where}: no X-Frame-Options")
    return problems


def test_every_url_has_an_access_rule():
    assert unknown_routes() == [], UNKNOWN.format(unknown_routes())


def test_an_unknown_url_fails_with_the_message_to_add_it(monkeypatch):
    from tests import url_sweep

    monkeypatch.delitem(url_sweep.PAGES, "users:manage")
    missing = unknown_routes()
    assert missing == ["users:manage"]
    assert "add it to the table" in UNKNOWN.format(missing)


@pytest.mark.parametrize("role_name", list(ROLES))
def test_nothing_of_the_first_school_is_shown_or_changed(first_school, other_admin, role_name):
    # A page that crashes answers 500 (reported with the rest) instead of ending the sweep.
    client = Client(raise_request_exception=False)
    person = person_for(role_name, first_school, other_admin)
    mail.outbox.clear()
    count, problems = sweep(client, ROLES[role_name], person, first_school)
    assert count == 2 * len(routes()) >= 2 * 120
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
