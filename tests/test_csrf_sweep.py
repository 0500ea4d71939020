"""CSRF sweep (issue 11, item 6): a POST without a CSRF token to every URL of the
project is refused (403) and changes nothing, whoever is signed in, except the URLs of
the allow-list below, each with the reason it may be exempt."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.url_sweep import (
    POST,
    UNKNOWN,
    FirstSchool,
    database_dump,
    kwarg_values,
    routes,
    rule_for,
    url_of,
)
from users.models import User

pytestmark = pytest.mark.django_db

# URLs that take a POST without a CSRF token.
CSRF_EXEMPT = {
    # Groupcall's server calls back after a school authorises us: a POST from another
    # site, with no session or CSRF cookie to check. It carries its own per-invitation
    # token, checked by the view, and changes nothing without it.
    "wizard:groupcall_callback",
}


def posts_without_token(client: Client, first: FirstSchool) -> tuple[int, list[str]]:
    problems = []
    count = 0
    for route in routes():
        rule = rule_for(route.key)
        assert rule is not None, UNKNOWN.format(route.key)
        if route.key in CSRF_EXEMPT:
            continue
        url = url_of(route, kwarg_values(first, rule.target))
        before = database_dump()
        response = client.post(url, POST)
        count += 1
        if response.status_code != 403 or b"CSRF" not in response.content:
            problems.append(f"POST {url} ({route.key}): {response.status_code}, not a CSRF 403")
        if database_dump() != before:
            problems.append(f"POST {url} ({route.key}): changed the database")
    return count, problems


@pytest.mark.parametrize("who", ["school administrator", "support staff"])
def test_every_post_without_a_csrf_token_is_refused(first_school, support_user, who):
    person: User = first_school.admin if who == "school administrator" else support_user
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    count, problems = posts_without_token(client, first_school)
    assert count >= 120
    assert problems == [], "\n".join(problems)


def test_the_same_post_with_its_token_goes_through(first_school):
    """The refusals above are the CSRF check's: with the form's token, the same
    administrator renames the class."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(first_school.admin)
    robins = first_school.classes.robins
    page = client.get(f"/s/oakfield/classes/{robins.pk}/")
    token = page.context["csrf_token"]
    response = client.post(
        f"/s/oakfield/classes/{robins.pk}/", {"name": "Robins Nest", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    robins.refresh_from_db()
    assert robins.name == "Robins Nest"


def test_the_allow_list_names_only_exempt_views():
    """An allow-listed URL of this branch is one whose view is csrf_exempt (and every
    other URL is refused above): the allow-list is the whole list of exemptions."""
    exempt = {route.key for route in routes() if getattr(route.view, "csrf_exempt", False)}
    assert exempt <= CSRF_EXEMPT
