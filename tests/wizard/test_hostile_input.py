"""Hostile and odd names and ids from the MIS, and in every form: any Unicode, emoji,
right-to-left text and bidi controls, lone surrogates, 1,000 characters, control
characters, markup, SQL, empty strings. Nothing crashes, nothing is executed (markup is
escaped on every page), every username is valid, and a bad record is reported, never
fatal. (tests/browser/test_hostile_names.py checks in Chromium that no script runs.)

Hypothesis example counts are modest: each example is a sync over HTTP or a page.
"""

from __future__ import annotations

import html

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.users.factories import UserFactory
from tests.wizard.conftest import serve
from tests.wizard.school_data import SchoolData, mis_sync, pupil, staff
from tests.wizard.test_wizard_views import USERNAMES, post_step, step_url, walk_to_summary
from users.models import SchoolClass, User
from users.usernames import USERNAME_RE
from wizard.models import SyncRun
from wizard.services.sync import sync_prepare

pytestmark = pytest.mark.django_db

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
NASTY = [
    SCRIPT,
    IMG,
    "'; DROP TABLE users_user; --",
    "Robert'); DELETE FROM users_user WHERE ('1'='1",
    "\u202eevil\u202c",  # right-to-left override
    "\u200fمحمد\u200e",  # Arabic between bidi marks
    "שרה",
    "👩‍👩‍👧‍👦🦄",
    "George\ud83d",  # a lone surrogate: half an emoji
    "\ud800",
    "",
    "   ",
    "\x00\x01\x07\x1b[31m",
    "line\r\nbreak\ttab",
    "A" * 1000,
    "{{ 7|add:7 }}{% csrf_token %}",
    "%(name)s %s {0}",
    "../../etc/passwd",
    "null",
    "Zoë O'Brien-Łukasz",
]
ODD_CHARACTERS = st.one_of(
    st.characters(),
    st.sampled_from(["\ud83d", "\udfff", "\u202e", "\u200f", "\x00", "\x1b", "<", "&", "'"]),
)
hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(ODD_CHARACTERS, max_size=30),
    st.builds(lambda c: c * 1000, ODD_CHARACTERS),
)
hostile_ids = st.one_of(st.sampled_from(["1", "2", "x"]), hostile)
# -- The planner and apply: through the real client and the fake XoD over HTTP ---------

pupil_rows = st.lists(
    st.tuples(hostile_ids, hostile, hostile, st.sampled_from(["Year 3", "Year  4", ""]), hostile),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=pupil_rows, staff_name=hostile)
def test_a_hostile_feed_is_synced_or_reported_never_fatal(school, xod, rows, staff_name):
    pupils = [pupil(i, f, s, y, r) for i, f, s, y, r in rows]
    pupils.append(pupil("safe-1", "Safe", "Pupil", 4, "4ES"))  # never an empty feed
    data = SchoolData(pupils=pupils, staff=[staff("201", "Emma", staff_name or "Stone")])
    with transaction.atomic():
        serve(xod, data)
        result = mis_sync("--confirm-brake")

        assert result["status"] == "applied"
        assert sum(result["counts"].values()) == len(pupils) + 1  # every record, once
        assert all(error["reason"] for error in result["errors"])
        usernames = list(User.objects.filter(school=school).values_list("username", flat=True))
        assert all(USERNAME_RE.fullmatch(name) and len(name) <= 20 for name in usernames)
        assert len({name.lower() for name in usernames}) == len(usernames)
        assert User.objects.filter(school=school, mis_id="safe-1").exists()
        again = mis_sync("--dry-run")["counts"]
        assert {kind for kind, n in again.items() if n} <= {"unchanged", "errors"}
        transaction.set_rollback(True)


# -- Every page shows hostile names escaped --------------------------------------------


def hostile_school_data() -> SchoolData:
    """A school whose pupils, staff and classes are named with NASTY."""
    pupils = [
        pupil(f"{n + 1:03d}", name or "Blank", f"{name} Surname", 4, f"4{n}{name}"[:40])
        for n, name in enumerate(NASTY)
    ]
    pupils += [pupil("900", SCRIPT, IMG, 3, SCRIPT), pupil("901", IMG, SCRIPT, 3, IMG)]
    return SchoolData(
        pupils=pupils,
        staff=[
            staff("201", SCRIPT, "Stone"),
            staff("202", "Alan", IMG, email="alan@school.example"),
        ],
        tutors={SCRIPT: "201"},
    )


@pytest.fixture
def hostile_school(school, xod):
    serve(xod, hostile_school_data())
    mis_sync("--confirm-brake")
    return school


def _admin_client(school) -> Client:
    client = Client()
    client.force_login(UserFactory.create(school=school, role=User.Role.ADMIN, username="HeadA"))
    return client


def assert_escaped(response, where: str) -> None:
    assert response.status_code == 200, where
    body = response.content.decode()
    for raw in (SCRIPT, "<img src=x onerror", 'onerror="window'):
        assert raw not in body, f"{raw} unescaped on {where}"


def _school_pages(school) -> list[str]:
    slug = school.slug
    klass = SchoolClass.objects.get(school=school, name=SCRIPT)
    john = User.objects.get(school=school, mis_id="900")
    run = SyncRun.objects.filter(school=school).latest("pk")
    return [
        reverse("users:manage", args=[slug]),
        reverse("users:class", args=[slug, klass.pk]),
        reverse("users:accounts", args=[slug]) + "?q=" + SCRIPT,
        reverse("users:accounts", args=[slug]) + "?group=staff",
        reverse("users:account", args=[slug, john.pk]),
        reverse("wizard:history", args=[slug]),
        reverse("wizard:run", args=[slug, run.pk]),
        reverse("wizard:changes", args=[slug, run.pk]),
        reverse("wizard:changes", args=[slug, run.pk]) + "?kind=error",
        reverse("wizard:undo", args=[slug, run.pk]),
    ]


def test_every_page_shows_hostile_names_as_text(hostile_school, xod, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = _admin_client(hostile_school)
    for url in _school_pages(hostile_school):
        response = client.get(url)
        assert_escaped(response, url)
    account = client.get(_school_pages(hostile_school)[4])
    assert html.escape(SCRIPT, quote=False) in account.content.decode().replace("&#x27;", "'")

    # A second sync's wizard, with the names changed again, every step and the summary.
    data = hostile_school_data()
    for row in data.pupils:
        row["Forename"] = IMG + row["Forename"][:50]
    data.pupils.append(pupil("950", SCRIPT, IMG, 3, SCRIPT))
    serve(xod, data)
    serve_and_walk = sync_prepare(school=hostile_school)
    summary = walk_to_summary(client, serve_and_walk)
    assert_escaped(summary, "summary")
    for step in ("usernames", "passwords", "years"):
        assert_escaped(client.get(step_url(serve_and_walk, step)), step)
    match = reverse("wizard:match", args=[hostile_school.slug, serve_and_walk.pk, "pupil", "950"])
    assert_escaped(client.get(match, {"q": SCRIPT}), "match")


def test_admin_pages_show_hostile_names_as_text(hostile_school, admin_client):
    run = SyncRun.objects.filter(school=hostile_school).latest("pk")
    john = User.objects.get(school=hostile_school, mis_id="900")
    klass = SchoolClass.objects.get(school=hostile_school, name=SCRIPT)
    for url in [
        "/admin/users/user/?q=" + SCRIPT,
        f"/admin/users/user/{john.pk}/change/",
        "/admin/users/schoolclass/",
        f"/admin/users/schoolclass/{klass.pk}/change/",
        "/admin/users/classmembership/",
        "/admin/wizard/syncrun/",
        f"/admin/wizard/syncrun/{run.pk}/change/",
        "/admin/wizard/syncchange/?q=" + IMG,
    ]:
        assert_escaped(admin_client.get(url), url)


def test_login_cards_and_sign_in_take_hostile_names(hostile_school, client):
    admin = _admin_client(hostile_school)
    klass = SchoolClass.objects.get(school=hostile_school, name=SCRIPT)
    cards = admin.get(reverse("users:class_cards", args=[hostile_school.slug, klass.pk]))
    assert cards.status_code == 200
    assert cards["Content-Type"] == "application/pdf"
    assert cards.content.startswith(b"%PDF")
    sign_in = reverse("users:sign_in", args=[hostile_school.slug])
    for value in NASTY:
        response = client.post(sign_in, _sendable({"username": value}), follow=True)
        assert_escaped(response, f"sign-in with {value[:20]!r}")


# -- Form fields of every page, fuzzed -------------------------------------------------


def _forms(school, run: SyncRun, klass: SchoolClass) -> list[tuple[str, str, list[str], dict]]:
    """(method, url, the fields to fuzz, fields sent as they are) of every form."""
    slug = school.slug
    step = f"sync_{run.pk}-current_step"
    return [
        ("post", reverse("wizard:connect", args=[slug]), ["estab", "secret"], {}),
        (
            "post",
            reverse("wizard:account_add", args=[slug]),
            ["forename", "surname", "email", "role", "year_group", "school_class"],
            {},
        ),  # fmt: skip
        ("post", reverse("users:class", args=[slug, klass.pk]), ["name"], {}),
        ("get", reverse("users:accounts", args=[slug]), ["q", "group", "year", "status"], {}),
        ("get", reverse("wizard:match", args=[slug, run.pk, "pupil", "106"]), ["q"], {}),
        ("post", reverse("wizard:match", args=[slug, run.pk, "pupil", "106"]), ["account"], {}),
        (
            "post",
            step_url(run, "usernames"),
            [
                "usernames-pupil_format",
                "usernames-pupil_template",
                "usernames-staff_format",
                "usernames-staff_template",
                "usernames-staff_scope",
            ],
            {step: "usernames"},
        ),  # fmt: skip
        (
            "post",
            step_url(run, "passwords"),
            ["passwords-year_3", "passwords-year_4"],
            {step: "passwords"},
        ),  # fmt: skip
        ("post", step_url(run, "years"), ["years-Year  3", "years-Year  4"], {step: "years"}),
        (
            "post",
            step_url(run, "summary"),
            ["summary-fingerprint", "summary-confirm_brake", "summary-duplicate_pupil:104"],
            {step: "summary"},
        ),  # fmt: skip
    ]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.lists(hostile, min_size=6, max_size=6))
def test_every_form_answers_hostile_input_in_words_never_500(school, values):
    client = _admin_client_once(school)
    run = _run_once(school)
    klass, _ = SchoolClass.objects.get_or_create(school=school, name="4ES", defaults={"mis_id": ""})
    for method, url, fuzzed, fixed in _forms(school, run, klass):
        data = fixed | {name: values[n % len(values)] for n, name in enumerate(fuzzed)}
        response = getattr(client, method)(url, _sendable(data))
        assert response.status_code in (200, 302), (url, method, response.status_code)
        body = response.content.decode()
        assert SCRIPT not in body, url
        assert "<img src=x" not in body, url
        if response.status_code == 200 and method == "post":  # refused: said in words
            assert "There is a problem" in body, url
    sign_in = reverse("users:sign_in", args=[school.slug])
    response = Client().post(sign_in, _sendable({"username": values[0], "password": values[1]}))
    assert response.status_code in (200, 302)
    support = Client()
    support.force_login(
        User.objects.filter(username="support").first()
        or User.objects.create_superuser("support", password="correct horse battery")
    )
    for url in ("/admin/users/user/", "/admin/wizard/syncrun/", "/admin/wizard/syncchange/"):
        assert_escaped(support.get(url, _sendable({"q": values[2]})), url)


def _admin_client_once(school) -> Client:
    admin = User.objects.filter(school=school, username="HeadA").first()
    client = Client()
    client.force_login(admin or UserFactory.create(school=school, role="admin", username="HeadA"))
    return client


def _run_once(school) -> SyncRun:
    run = SyncRun.objects.filter(school=school, status=SyncRun.Status.PLANNED).first()
    if run is None or run.apply_requested_at:
        run = sync_prepare(school=school)
        client = _admin_client_once(school)
        client.get(step_url(run, "usernames"))
        post_step(client, run, "usernames", USERNAMES)
    return run


def _sendable(data: dict[str, str]) -> dict[str, str]:
    """What a browser can send: form data is UTF-8, so a lone surrogate cannot travel
    (a browser sends U+FFFD instead), and a NUL byte is refused by Django's forms."""
    return {key: value.encode("utf-8", "replace").decode("utf-8") for key, value in data.items()}
