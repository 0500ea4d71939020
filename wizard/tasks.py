"""Celery tasks of the sync. Each is thin: load by id, call one service, record.

Only transient MIS errors (the MIS unreachable, a 5xx, a timeout) are retried; a bad
secret or a malformed answer will not get better by trying again.
"""

from __future__ import annotations

from contextlib import suppress

from celery import shared_task
from celery.app.task import Task

from misclient import errors as mis_errors
from wizard.models import SyncRun
from wizard.services import apply, purge, runs


@shared_task(name="wizard.ping")
def ping(value: str) -> str:
    """Answers with what it was sent: proves a worker is consuming the broker's queue."""
    return f"pong: {value}"


@shared_task(
    bind=True, name="wizard.fetch_snapshot", max_retries=4, soft_time_limit=300, time_limit=330
)
def fetch_snapshot(self: Task, run_id: int) -> str:
    """Reads the MIS into the run, then plans it with the school's saved settings."""
    run = SyncRun.objects.select_related("school").get(pk=run_id)
    try:
        runs.sync_run_fetch(run=run)
    except mis_errors.XodError as error:
        if error.transient and self.request.retries < (self.max_retries or 0):
            SyncRun.objects.filter(pk=run_id).update(
                status=SyncRun.Status.FETCHING, progress="The MIS did not answer; trying again"
            )
            raise self.retry(countdown=15 * 2**self.request.retries) from error
        return SyncRun.Status.FAILED
    runs.sync_run_plan(run=run)
    return SyncRun.objects.values_list("status", flat=True).get(pk=run_id)


@shared_task(name="wizard.apply_sync_run", soft_time_limit=600, time_limit=660)
def apply_sync_run(run_id: int) -> str:
    """Applies a planned run once (a second delivery of the same task is a no-op)."""
    run = SyncRun.objects.select_related("school").get(pk=run_id)
    # A refusal is recorded on the run, in words, for the page.
    with suppress(runs.SyncError):
        apply.sync_run_apply(run=run)
    return SyncRun.objects.values_list("status", flat=True).get(pk=run_id)


@shared_task(name="wizard.purge_leavers")
def purge_leavers() -> int:
    """Deletes archived leavers past their purge date (daily, by Celery beat)."""
    return purge.leavers_purge()
