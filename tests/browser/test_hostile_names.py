"""A school whose MIS names its pupils, staff and classes `<script>window.__pwned=1</script>`
and `<img src=x onerror=...>` (and the rest of tests/wizard/test_hostile_input.py's NASTY
list): in Chromium, the summary, Manage users and Django admin show them as text and no
injected script runs."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page

from tests.browser.checks import check_page
from tests.fixtures_xod import FakeXod, serving
from tests.users.factories import UserFactory
from tests.wizard.school_data import ESTAB, RELYING_PARTY, pupil
from tests.wizard.test_hostile_input import IMG, SCRIPT, hostile_school_data
from tests.wizard.test_wizard_views import walk_to_summary
from users.models import School, SchoolClass, User
from wizard.services.sync import sync_prepare

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hostile_xod(settings) -> Iterator[FakeXod]:
    settings.XOD_RELYING_PARTY = RELYING_PARTY
    with serving(hostile_school_data().dataset()) as xod:
        yield xod


@pytest.fixture
def hostile_school(hostile_xod: FakeXod) -> School:
    """Synced once from the hostile MIS; a second sync (one more hostile pupil) waits at
    its summary."""
    out = io.StringIO()
    call_command(
        "school_connect", "--estab", ESTAB, "--secret", hostile_xod.secret,
        "--name", "Hostile Names Primary", "--base-url", hostile_xod.base_url, stdout=out,
    )  # fmt: skip
    call_command("mis_sync", "--estab", ESTAB, "--confirm-brake", stdout=out)
    data = hostile_school_data()
    data.pupils.append(pupil("950", SCRIPT, IMG, 3, SCRIPT))
    hostile_xod.serve(data.dataset())
    return School.objects.get(estab=ESTAB)


def _signed_in(page: Page, live_server, user: User) -> Client:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return client


def _assert_no_script_ran(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined", url
    assert SCRIPT in page.content().replace("&lt;", "<").replace("&gt;", ">"), url


def test_hostile_names_are_text_and_never_run(page: Page, live_server, hostile_school):
    admin = UserFactory.create(school=hostile_school, role=User.Role.ADMIN, username="HeadA")
    client = _signed_in(page, live_server, admin)
    run = sync_prepare(school=hostile_school)
    walk_to_summary(client, run)  # the choices, made in this session
    slug = hostile_school.slug
    klass = SchoolClass.objects.get(school=hostile_school, name=SCRIPT)
    account = User.objects.get(school=hostile_school, mis_id="900")
    pages = {
        "hostile-summary": reverse("wizard:step", args=[slug, run.pk, "summary"]),
        "hostile-manage-users": reverse("users:manage", args=[slug]),
        "hostile-class": reverse("users:class", args=[slug, klass.pk]),
        "hostile-account": reverse("users:account", args=[slug, account.pk]),
    }
    for name, path in pages.items():
        _assert_no_script_ran(page, live_server.url + path)
        check_page(page, name)

    support = User.objects.create_superuser("support", password="correct horse battery")
    _signed_in(page, live_server, support)
    for path in (
        "/admin/users/user/?q=script",
        f"/admin/users/user/{account.pk}/change/",
        f"/admin/users/schoolclass/{klass.pk}/change/",
        "/admin/wizard/syncchange/",
    ):
        _assert_no_script_ran(page, live_server.url + path)
