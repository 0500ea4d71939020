"""Two workers given the same run at the same moment apply it once; two presses of
Finish, the command beside the wizard, or two administrators in the wizard of one school
at once: exactly one sync applies, and the other is told in words."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.fixtures_pages import page_text
from tests.users.factories import UserFactory
from tests.wizard.school_data import mis_sync
from tests.wizard.test_apply import plan_run
from tests.wizard.test_wizard_views import (
    USERNAMES,
    finish,
    post_step,
    step_url,
    walk_to_summary,
)
from tests.worker import needs_postgres
from users.models import User
from wizard.models import SyncRun
from wizard.services import apply
from wizard.services.lifecycle import SyncError
from wizard.services.sync import sync_prepare
from wizard.views import steps

T = TypeVar("T")

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_run_applied_by_two_workers_at_once_applies_once(school):
    run = plan_run(school)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        start.wait()
        try:
            outcomes.append(apply.sync_run_apply(run=SyncRun.objects.get(pk=run.pk)).status)
        except SyncError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == ["applied", "applied"]
    assert User.objects.filter(school=school).count() == 8
    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED


# -- Two presses of Finish, the command beside the wizard, two administrators ---------------


def _at_once(*calls: Callable[[], T]) -> list[T | BaseException]:
    """Runs `calls` in threads released together; returns their results (or errors)."""
    start = threading.Barrier(len(calls))
    results: list[T | BaseException] = [RuntimeError("did not finish")] * len(calls)

    def run(index: int, call: Callable[[], T]) -> None:
        start.wait()
        try:
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return results


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _second_tab(client: Client) -> Client:
    tab = Client()
    tab.cookies = client.cookies
    return tab


@pytest.mark.parametrize("who", ["two tabs", "two administrators"])
def test_two_finish_presses_at_once_apply_once_and_the_other_is_told(school, settings, who):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    head = UserFactory.create(school=school, role=User.Role.ADMIN, username="HeadA")
    first = _signed_in(head)
    if who == "two tabs":
        second = _second_tab(first)
    else:
        deputy = UserFactory.create(school=school, role=User.Role.ADMIN, username="DeputyB")
        second = _signed_in(deputy)
    run = sync_prepare(school=school)
    summaries = [walk_to_summary(first, run), walk_to_summary(second, run)]

    results = _at_once(
        lambda: page_text(finish(first, run, summaries[0])),
        lambda: page_text(finish(second, run, summaries[1])),
    )

    pages = [page for page in results if isinstance(page, str)]
    assert len(pages) == 2, results
    told = [page for page in pages if steps.NOT_READY in page]
    # Two tabs share one session, so the message may show in either tab (or both).
    assert len(told) == 1 if who == "two administrators" else len(told) >= 1, pages
    for page in pages:  # each is shown the run, done or still being applied
        assert "The sync is done" in page or "Applying the changes" in page
        assert "There is a problem" not in page
    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED
    assert User.objects.filter(school=school).exclude(role=User.Role.ADMIN).count() == 8
    assert SyncRun.objects.filter(status=SyncRun.Status.APPLIED).count() == 1


def _blocked_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


@needs_postgres
def test_the_command_and_the_wizard_at_once_apply_one_and_tell_the_other(school, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    head = _signed_in(UserFactory.create(school=school, role=User.Role.ADMIN, username="HeadA"))
    run = sync_prepare(school=school)
    summary = walk_to_summary(head, run)
    db = connection.settings_dict
    dsn = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    results: list[Any] = []
    # Both are held at the school's lock (an apply's first step) until both are there,
    # both planned by then. (NO KEY: a new run may still name the school meanwhile.)
    with psycopg.connect(dsn) as holder:
        holder.execute("SELECT id FROM users_school WHERE id = %s FOR NO KEY UPDATE", [school.pk])

        def release_when_both_wait() -> None:
            _wait_for(lambda: _blocked_on_locks() >= 2, "the command and the wizard to wait")
            holder.rollback()

        releaser = threading.Thread(target=release_when_both_wait)
        releaser.start()
        results = _at_once(
            lambda: page_text(finish(head, run, summary)),
            lambda: mis_sync(),
        )
        releaser.join(timeout=90)

    wizard_page, command = results
    runs = {r.pk: r for r in SyncRun.objects.all()}
    applied = [r for r in runs.values() if r.status == SyncRun.Status.APPLIED]
    assert len(applied) == 1, [(r.pk, r.status, r.error) for r in runs.values()]
    [loser] = [r for r in runs.values() if r.status != SyncRun.Status.APPLIED]
    assert loser.status == SyncRun.Status.FAILED
    stale = apply.STALE.format(other=applied[0].pk)
    assert loser.error == stale
    if loser.pk == run.pk:  # the wizard lost: its page says why
        assert isinstance(command, dict)
        assert command["status"] == "applied"
        assert "This sync did not finish" in wizard_page
        assert stale in wizard_page
    else:  # the command lost: it says why (and exits 1)
        assert isinstance(command, CommandError)
        assert str(command) == stale
        assert "The sync is done" in wizard_page
    assert User.objects.filter(school=school).exclude(role=User.Role.ADMIN).count() == 8


def test_two_administrators_in_the_wizard_of_one_school(
    school, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    head = _signed_in(UserFactory.create(school=school, role=User.Role.ADMIN, username="HeadA"))
    deputy = _signed_in(UserFactory.create(school=school, role=User.Role.ADMIN, username="DeputyB"))
    start = reverse("wizard:start", args=[school.slug])
    head.post(start)
    first = SyncRun.objects.get()
    head.get(step_url(first, "usernames"))
    post_step(head, first, "usernames", USERNAMES)

    deputy.post(start)  # the deputy starts a sync of her own meanwhile
    second = SyncRun.objects.latest("pk")
    deputy_summary = walk_to_summary(deputy, second)
    page = post_step(head, first, "passwords", {})  # the head carries on

    text = page_text(page)
    assert f"A newer sync (#{second.pk}) was started" in text
    assert "set aside before anything was changed" in text
    assert "Try again" in text
    deputy_page = page_text(finish(deputy, second, deputy_summary))
    assert "The sync is done" in deputy_page
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (SyncRun.Status.FAILED, SyncRun.Status.APPLIED)
    assert User.objects.filter(school=school).exclude(role=User.Role.ADMIN).count() == 8
