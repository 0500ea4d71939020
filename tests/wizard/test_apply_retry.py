"""An apply that loses the database is tried again (it was rolled back whole), up to
DATABASE_RETRIES times, then failed in words; any other crash fails the run at once.
(tests/wizard/test_crash_safety.py drops a real worker's connection mid-apply.)"""

from __future__ import annotations

import pytest
from django.db import OperationalError

from tests.wizard.test_apply import plan_run
from users.models import User
from wizard import tasks
from wizard.models import SyncRun
from wizard.services import apply

pytestmark = pytest.mark.django_db


def _losing_the_database(times: int, monkeypatch) -> list[int]:
    """sync_run_apply loses the database `times` times, then works; returns the calls."""
    calls: list[int] = []
    real = apply.sync_run_apply

    def flaky(*, run: SyncRun) -> SyncRun:
        calls.append(run.pk)
        if len(calls) <= times:
            raise OperationalError("server closed the connection unexpectedly")
        return real(run=run)

    monkeypatch.setattr(apply, "sync_run_apply", flaky)
    return calls


def test_a_lost_database_is_tried_again_and_applies_once(school, monkeypatch):
    run = plan_run(school)
    calls = _losing_the_database(2, monkeypatch)

    tasks.apply_sync_run.apply(args=(run.pk,))

    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED
    assert len(calls) == 3
    assert User.objects.filter(school=school).count() == 8


def test_a_database_lost_every_time_fails_the_run_in_words(school, monkeypatch):
    run = plan_run(school)
    calls = _losing_the_database(99, monkeypatch)

    tasks.apply_sync_run.apply(args=(run.pk,))

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert run.error == apply.CRASHED
    assert len(calls) == tasks.DATABASE_RETRIES + 1
    assert not User.objects.filter(school=school).exists()
