"""Handing sync steps to a worker once the current transaction has committed.

Kept apart from the other services because it imports the tasks, which import them.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from users.models import School, User
from wizard.models import SyncRun
from wizard.services.apply import NOT_PLANNED
from wizard.services.runs import SyncError, sync_run_create
from wizard.tasks import apply_sync_run, fetch_snapshot


def sync_run_start(*, school: School, started_by: User | None = None) -> SyncRun:
    """Creates a run and has a worker read the MIS and plan it (the page polls the run)."""
    run = sync_run_create(school=school, started_by=started_by)
    transaction.on_commit(partial(fetch_snapshot.delay, run.pk))
    return run


def sync_run_enqueue_apply(*, run: SyncRun) -> None:
    """Has a worker apply the run ("Finish")."""
    if run.status != SyncRun.Status.PLANNED:
        raise SyncError(NOT_PLANNED.format(status=run.get_status_display().lower()))
    transaction.on_commit(partial(apply_sync_run.delay, run.pk))
