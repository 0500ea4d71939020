"""Handing a sync's slow steps to a worker once the current transaction has committed,
for the pages: they show the run's progress while a worker does the work.

Kept apart from the other services because it imports the tasks, which import them.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from users.models import School, User
from wizard.models import SyncRun
from wizard.services.apply import NOT_PLANNED
from wizard.services.lifecycle import SyncError, runs_set_aside
from wizard.services.runs import HANDED_TO_WORKER, sync_run_create
from wizard.tasks import apply_sync_run, read_and_plan_sync_run


def sync_start(*, school: School, started_by: User | None = None) -> SyncRun:
    """Creates a run and has a worker read the MIS and plan it ("Start"). Runs of the
    school still waiting for an administrator's choices are set aside (failed, in
    words): one school has one sync in the making at a time, and its history stays clear."""
    run = sync_run_create(school=school, started_by=started_by)
    runs_set_aside(school=school, newer=run)
    transaction.on_commit(partial(read_and_plan_sync_run.delay, run.pk))
    return run


def sync_finish_later(*, run: SyncRun) -> SyncRun:
    """Has a worker apply the run as planned ("Finish"). Raises SyncError unless the run
    is PLANNED and not handed to a worker already: of two Finish pressed at once (two
    tabs, two administrators), one hands it over and the other is told."""
    moved = SyncRun.objects.filter(
        pk=run.pk, status=SyncRun.Status.PLANNED, apply_requested_at__isnull=True
    ).update(apply_requested_at=timezone.now())
    if not moved:
        run.refresh_from_db()
        if run.status == SyncRun.Status.PLANNED:
            raise SyncError(HANDED_TO_WORKER)
        raise SyncError(NOT_PLANNED.format(status=run.get_status_display().lower()))
    transaction.on_commit(partial(apply_sync_run.delay, run.pk))
    run.refresh_from_db()
    return run
