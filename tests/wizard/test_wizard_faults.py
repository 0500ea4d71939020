"""Every fault the fake XoD can put in the way of an administrator in the wizard: the
page says what happened in words, offers what to do next, and nothing is half-applied.

Start reads the MIS (a worker, here eager, through the real HTTP client and the fake
over HTTP); the summary and Finish never read it, so a fault injected after Start is
never met there: the test shows that too (the fault is still pending afterwards).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from misclient import errors
from misclient.fake.server import Fault
from misclient.tokens import TokenCache
from misclient.transport import RetryPolicy
from tests.fixtures_pages import page_text
from tests.fixtures_xod import FakeXod
from tests.wizard.conftest import serve
from tests.wizard.school_data import SchoolData, mis_sync, pupil
from tests.wizard.test_sync import accounts_state
from tests.wizard.test_wizard_views import finish, step_url, walk_to_summary
from users.models import User
from wizard.models import MisConnection, SyncRun
from wizard.planner import reasons
from wizard.services import connection, runs
from wizard.services.authorisation import BLOCKING_STATES

pytestmark = pytest.mark.django_db

Status = SyncRun.Status
NOTHING_CHANGED = "Nothing was changed by this sync."


@pytest.fixture(autouse=True)
def patient_mis_without_waits(monkeypatch, settings):
    """The sync's own retry budget (5 tries a request) and token cache, without the
    waits between tries, and a short timeout so that a hung MIS costs little."""

    def client(school):
        return connection.mis_client_for(
            school,
            token_cache=runs._TOKENS,
            retry=RetryPolicy(attempts=5, base_delay=0, max_delay=0),
            sleep=lambda seconds: None,
            timeout=0.5,
        )

    monkeypatch.setattr(runs, "mis_client_for", client)
    monkeypatch.setattr(runs, "_TOKENS", TokenCache())
    settings.CELERY_TASK_ALWAYS_EAGER = True


def start(browser, school, capture) -> tuple[SyncRun, str]:
    """Presses Start; returns the run and the text of the page it leads to."""
    with capture(execute=True):
        response = browser.post(reverse("wizard:start", args=[school.slug]))
    run = SyncRun.objects.latest("pk")
    page = browser.get(response.url, follow=True)
    return run, page_text(page)


Inject = Callable[[FakeXod, SchoolData], None]


def _status(code: int) -> Inject:
    return lambda xod, data: xod.app.fail_next(xod.estab, 5, status=code)


def _rows(**rows: list[dict[str, Any]]) -> Inject:
    def inject(xod: FakeXod, data: SchoolData) -> None:
        serve(xod, data)
        for name, value in rows.items():
            xod.app.school(xod.estab).set_rows(name, value)

    return inject


def _scope_withdrawn(xod: FakeXod, data: SchoolData) -> None:
    xod.app.set_scopes(xod.estab, ["School", "Staff", "UPN"])


def _secret_replaced(xod: FakeXod, data: SchoolData) -> None:
    """The school re-authorised the app: a new secret, and the old tokens stop working."""
    xod.app.school(xod.estab).secret = "a-new-secret-after-reauthorising"
    xod.app.expire_tokens(xod.estab)


WHAT_TO_DO_NEXT = "try again in a few minutes"
READ_FAILURES = [
    pytest.param(
        lambda xod, data: xod.app.hang_next(xod.estab, 5, seconds=1.0),
        errors.MIS_UNREACHABLE.format(detail="timed out").split("(")[0],
        WHAT_TO_DO_NEXT,
        id="timeout",
    ),
    pytest.param(_status(500), "Xporter could not be reached", WHAT_TO_DO_NEXT, id="500"),
    pytest.param(_status(503), "Xporter could not be reached", WHAT_TO_DO_NEXT, id="503"),
    pytest.param(_status(429), "Xporter could not be reached", WHAT_TO_DO_NEXT, id="429"),
    pytest.param(
        lambda xod, data: xod.app.malformed_next(xod.estab, 1, endpoint="Students"),
        "Xporter sent an answer that could not be read",
        "please contact support",
        id="malformed-json",
    ),
    pytest.param(
        lambda xod, data: xod.app.error_next(xod.estab, 1, message="Xporter is upgrading"),
        "Xporter reported an error: Xporter is upgrading",
        "If it happens again, please contact support",
        id="xod-error-body",
    ),
    pytest.param(
        lambda xod, data: xod.app.pause_authorisation(xod.estab),
        "The school has paused this app's access",
        "Try again once the school has finished its selection in the Groupcall portal",
        id="authorisation-paused",
    ),
    pytest.param(
        _scope_withdrawn,
        "The school has not shared",
        "Ask the school to allow Student",
        id="scope-withdrawn",
    ),
    pytest.param(
        _secret_replaced,
        "Xporter did not accept the estab number and secret",
        "ask the school for the current secret",
        id="secret-replaced",
    ),
    pytest.param(
        _rows(Students=[]),
        reasons.NO_PUPILS_SENT.split(":")[0],
        "Check them, then run the sync again",
        id="empty-pupil-feed",
    ),
    pytest.param(
        _rows(Staff=[]),
        reasons.NO_STAFF_SENT.split(":")[0],
        "Check them, then run the sync again",
        id="empty-staff-feed",
    ),
]


@pytest.mark.parametrize(("inject", "what_happened", "what_next"), READ_FAILURES)
def test_a_fault_while_reading_says_what_happened_and_what_to_do(
    school, browser, xod, school_data, django_capture_on_commit_callbacks,
    inject, what_happened, what_next,
):  # fmt: skip
    mis_sync()  # the school has synced before: a fault must not undo any of it
    before = accounts_state(school)
    inject(xod, school_data)

    run, text = start(browser, school, django_capture_on_commit_callbacks)

    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert "This sync did not finish" in text
    assert what_happened in text
    assert what_next in text
    assert NOTHING_CHANGED in text
    # The school's authorisation is theirs to mend at Groupcall: the page leads there.
    blocked = MisConnection.objects.get(school=school).state in BLOCKING_STATES
    next_step = "Go to the Groupcall connection" if blocked else "Try again"
    assert next_step in text
    assert "Traceback" not in text
    assert accounts_state(school) == before
    assert not run.changes.exclude(kind__in=["error"]).filter(account__isnull=False).exists()


@pytest.mark.parametrize(
    "inject",
    [
        pytest.param(lambda xod: xod.app.fail_next(xod.estab, 4, status=503), id="503-x4"),
        pytest.param(lambda xod: xod.app.fail_next(xod.estab, 4, status=429), id="429-x4"),
        pytest.param(lambda xod: xod.app.hang_next(xod.estab, 2, seconds=1.0), id="timeout-x2"),
        pytest.param(lambda xod: xod.app.expire_tokens(xod.estab), id="expired-token"),
    ],
)
def test_a_brief_fault_is_retried_and_the_administrator_sees_step_1(
    school, browser, xod, django_capture_on_commit_callbacks, inject
):
    first, _ = start(browser, school, django_capture_on_commit_callbacks)  # a token is cached
    assert first.status == Status.PLANNED
    tokens = xod.requests("GetToken")
    inject(xod)

    run, text = start(browser, school, django_capture_on_commit_callbacks)

    run.refresh_from_db()
    assert run.status == Status.PLANNED, run.error
    assert "Step 1 of" in text
    assert xod.requests("GetToken") <= tokens + 1  # an expired token is renewed once
    assert not User.objects.filter(school=school, role="pupil").exists()


def _without_year_3(xod: FakeXod, data: SchoolData) -> None:
    pupils = [p for p in data.pupils if p["YearGroup"] != "Year  3"]
    serve(xod, SchoolData(pupils=pupils, staff=data.staff, tutors=data.tutors))


@pytest.mark.parametrize(
    ("inject", "reasons_shown"),
    [
        pytest.param(
            _without_year_3,
            ["This sync would archive 2 of 6 pupil accounts", "Year 3"],
            id="a-year-group-dropped",
        ),
        pytest.param(
            _rows(Groups=[]),
            [
                "This sync would archive 2 of 2 classes",
                "4 pupils in Year 4 would be left without a class",
                'Class "4ES" is not in the MIS data',
            ],
            id="empty-groups-answer",
        ),
    ],
)
def test_a_feed_that_loses_people_or_classes_is_held_until_confirmed(
    school, browser, xod, school_data, django_capture_on_commit_callbacks, inject, reasons_shown
):
    mis_sync()
    before = accounts_state(school)
    inject(xod, school_data)

    run, _ = start(browser, school, django_capture_on_commit_callbacks)

    run.refresh_from_db()
    assert run.status == Status.HELD
    summary = walk_to_summary(browser, run)
    text = page_text(summary)
    for reason in reasons_shown:
        assert reason in text
    with django_capture_on_commit_callbacks(execute=True):
        refused = finish(browser, run, summary)
    assert "There is a problem" in page_text(refused)
    run.refresh_from_db()
    assert run.status == Status.HELD
    assert accounts_state(school) == before


def test_repeated_ids_are_listed_as_not_imported_and_the_rest_applies(
    school, browser, xod, school_data, django_capture_on_commit_callbacks
):
    school_data.pupils += [pupil("150", "Ava", "Twice"), pupil("150", "Ben", "Twice")]
    serve(xod, school_data)

    run, _ = start(browser, school, django_capture_on_commit_callbacks)
    summary = walk_to_summary(browser, run)
    text = page_text(summary)
    assert "Another person in the MIS has the same Id (150)" in text
    with django_capture_on_commit_callbacks(execute=True):
        finish(browser, run, summary)

    run.refresh_from_db()
    assert run.status == Status.APPLIED
    assert not User.objects.filter(school=school, mis_id="150").exists()
    assert User.objects.filter(school=school, role="pupil").count() == 6
    result = page_text(browser.get(reverse("wizard:run", args=[school.slug, run.pk])))
    assert "Not imported: fix these in your MIS" in result
    assert "Ava Twice" in result
    assert "Ben Twice" in result


def test_faults_after_start_never_reach_the_summary_or_finish(
    school, browser, xod, django_capture_on_commit_callbacks
):
    run, _ = start(browser, school, django_capture_on_commit_callbacks)
    asked = xod.requests()
    pending = [
        Fault("status", count=5, status=503),
        Fault("hang", count=5, seconds=1.0),
        Fault("malformed", count=5),
        Fault("error", count=5),
    ]
    for fault in pending:
        xod.app.add_fault(xod.estab, fault)
    xod.app.expire_tokens(xod.estab)
    xod.app.pause_authorisation(xod.estab)

    summary = walk_to_summary(browser, run)  # plans again at every step
    with django_capture_on_commit_callbacks(execute=True):
        finish(browser, run, summary)

    run.refresh_from_db()
    assert run.status == Status.APPLIED
    assert User.objects.filter(school=school, role="pupil").count() == 6
    assert xod.requests() == asked  # the MIS was not asked anything
    assert xod.app.school(xod.estab).faults.pending() == pending
    done = page_text(browser.get(reverse("wizard:run", args=[school.slug, run.pk])))
    assert "The sync is done" in done
    assert browser.get(step_url(run, "summary")).status_code == 302
