"""The sync's tasks through a real Celery worker process, on the configured broker."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.db import connection

from tests.wizard.school_data import ESTAB, RELYING_PARTY
from tests.worker import celery_worker, worker_env
from users.models import School, User
from wizard.models import SyncRun
from wizard.services import background

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _wait_for(run: SyncRun, *statuses: str, seconds: float = 60) -> SyncRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in statuses:
            return run
        time.sleep(0.3)
    raise AssertionError(f"run stayed {run.status}: {run.error}")


def test_a_worker_reads_the_mis_plans_and_applies(school, xod, tmp_path):
    env = worker_env(
        DATABASE_URL=_database_url(),
        XOD_RELYING_PARTY=RELYING_PARTY,
        VAR_DIR=os.environ.get("VAR_DIR", str(settings.VAR_DIR)),
    )
    with celery_worker(env, tmp_path / "worker.log"):
        run = background.sync_start(school=School.objects.get(estab=ESTAB))
        run = _wait_for(run, SyncRun.Status.PLANNED, SyncRun.Status.FAILED)
        assert run.status == SyncRun.Status.PLANNED, run.error
        assert run.counts["new_pupils"] == 6

        background.sync_finish_later(run=run)
        run = _wait_for(run, SyncRun.Status.APPLIED, SyncRun.Status.FAILED)

    assert run.status == SyncRun.Status.APPLIED, run.error
    assert User.objects.filter(school__estab=ESTAB, role="pupil").count() == 6
    log = (tmp_path / "worker.log").read_text()
    assert "wizard.read_and_plan_sync_run" in log
    assert "wizard.apply_sync_run" in log
