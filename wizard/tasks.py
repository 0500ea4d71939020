"""Celery tasks of the sync. Each is thin: load by id, call one service, record.

Only transient MIS errors (the MIS unreachable, a 5xx, a timeout) are retried; a bad
secret or a malformed answer will not get better by trying again. Whatever else goes
wrong is recorded on the run in words, so a page never waits for ever.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from celery import shared_task
from celery.app.task import Task

from misclient import errors as mis_errors
from wizard.models import SyncRun
from wizard.services import apply, purge, runs

logger = logging.getLogger(__name__)

FETCH_CRASHED = "Something went wrong while reading the MIS. Please start the sync again."
RETRYING = "The MIS did not answer; trying again"


@shared_task(name="wizard.ping")
def ping(value: str) -> str:
    """Answers with what it was sent: proves a worker is consuming the broker's queue."""
    return f"pong: {value}"


@shared_task(
    bind=True, name="wizard.fetch_snapshot", max_retries=4, soft_time_limit=300, time_limit=330
)
def fetch_snapshot(self: Task, run_id: int) -> str:
    """Reads the MIS into a FETCHING run, then plans it with the school's saved settings.
    A second delivery of the same task finds the run no longer FETCHING and does nothing."""
    run = SyncRun.objects.select_related("school").get(pk=run_id)
    if run.status != SyncRun.Status.FETCHING:
        return run.status
    try:
        runs.sync_run_fetch(run=run)
        runs.sync_run_plan(run=run)
    except mis_errors.XodError as error:
        if error.transient and self.request.retries < (self.max_retries or 0):
            SyncRun.objects.filter(pk=run_id).update(
                status=SyncRun.Status.FETCHING, error="", progress=RETRYING
            )
            raise self.retry(countdown=15 * 2**self.request.retries) from error
    except runs.SyncError as error:
        runs.sync_run_fail(run=run, message=str(error))
    except Exception:
        logger.exception("Sync run %s failed while reading or planning", run_id)
        runs.sync_run_fail(run=run, message=FETCH_CRASHED)
        raise
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
    """Daily, by Celery beat: deletes archived leavers past their purge date and forgets
    the MIS data of old runs."""
    purge.snapshots_forget()
    return purge.leavers_purge()
