"""Celery tasks of the sync. Each is thin: load by id, call one use case, which records
the outcome on the run in words, so a page never waits for ever.

Retries: an MIS read tries each request up to `RetryPolicy.attempts` times with capped
backoff (misclient/transport.py); that is the whole budget. The task does not try again
on top of it: a read that still fails is a FAILED run, and its page offers "Try again".
A worker that dies mid-task has the task redelivered (late acks and
`task_reject_on_worker_lost`, see the Celery settings): every task is safe to run twice.
An apply whose database connection drops is rolled back whole and tried again.
"""

from __future__ import annotations

from contextlib import suppress

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from users.models import School
from wizard.models import SyncRun
from wizard.planner.types import Decisions
from wizard.services import apply, lifecycle, purge, sync


@shared_task(name="wizard.ping")
def ping(value: str) -> str:
    """Answers with what it was sent: proves a worker is consuming the broker's queue."""
    return f"pong: {value}"


@shared_task(name="wizard.read_and_plan_sync_run", soft_time_limit=300, time_limit=330)
def read_and_plan_sync_run(run_id: int) -> str:
    """Reads the MIS into a new run, then plans it with the school's saved settings.
    A second delivery finds the run no longer FETCHING and does nothing."""
    run = SyncRun.objects.select_related("school").get(pk=run_id)
    if run.status == SyncRun.Status.FETCHING:
        sync.sync_run_prepare(run=run)
    return _status(run_id)


# Tries of an apply that lost its database connection, 1, 2 then 4 seconds apart.
DATABASE_RETRIES = 3


@shared_task(bind=True, name="wizard.apply_sync_run")
def apply_sync_run(self: Task, run_id: int) -> str:
    """Applies a planned run once (a second delivery of the same task is a no-op). An
    apply that lost the database was rolled back whole: it is tried again, and after
    DATABASE_RETRIES the run is failed in words."""
    try:
        run = SyncRun.objects.select_related("school").get(pk=run_id)
        # A refusal, or a crash, is recorded on the run in words, for the page.
        with suppress(lifecycle.SyncError):
            apply.sync_run_apply(run=run)
    except (OperationalError, InterfaceError) as error:
        if self.request.retries < DATABASE_RETRIES:
            raise self.retry(exc=error, countdown=2**self.request.retries) from error
        lifecycle.run_fail(SyncRun(pk=run_id), apply.CRASHED)
    return _status(run_id)


@shared_task(name="wizard.sync_school", bind=True)
def sync_school(self: Task, school_id: int, confirm_brake: bool = False) -> dict[str, object]:
    """Reads, plans and applies one school's sync with its saved settings, headless, as
    `mis_sync` does: a trust queues one task per school, so its schools sync in parallel
    across workers. A plan the brake holds is left HELD unless `confirm_brake`. A second
    delivery syncs again, which changes nothing the first one applied."""
    school = School.objects.get(pk=school_id)
    run = sync.sync_prepare(school=school)
    if run.status != SyncRun.Status.FAILED:
        decisions = Decisions(confirm_brake=confirm_brake) if confirm_brake else None
        with suppress(lifecycle.SyncError):  # recorded on the run in words
            sync.sync_finish(run=run, decisions=decisions)
    run.refresh_from_db()
    worker = self.request.hostname or "this process"
    return {"run_id": run.pk, "status": run.status, "error": run.error, "worker": worker}


@shared_task(name="wizard.fail_stuck_runs")
def fail_stuck_runs() -> int:
    """Every few minutes, by Celery beat: no run waits for ever (see lifecycle.py)."""
    return lifecycle.runs_fail_stuck()


@shared_task(name="wizard.purge_leavers")
def purge_leavers() -> int:
    """Daily, by Celery beat: deletes archived leavers past their purge date and forgets
    the MIS data of old runs."""
    purge.snapshots_forget()
    return purge.leavers_purge()


def _status(run_id: int) -> str:
    return SyncRun.objects.values_list("status", flat=True).get(pk=run_id)
