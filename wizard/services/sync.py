"""The use cases of a sync. Every entry point (the `mis_sync` command, the Celery tasks,
the benchmark, the wizard's pages) calls these and only translates input, errors and
output, so they cannot disagree about what a sync does.

    sync_prepare  create a run, read the MIS, plan it with the school's saved settings
    sync_review   plan it again with the administrator's answers and choices
    sync_finish   (review, then) apply it; applying saves the settings and year mapping used
    sync_run_undo (in undo.py) revert an applied run
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from misclient.errors import XodError
from misclient.xod import FetchProgress
from users.models import School, User
from wizard.models import SyncRun
from wizard.planner.empty import empty_feed_reason
from wizard.planner.types import Decisions, PlanSettings, SyncPlan
from wizard.services import plan_store
from wizard.services.apply import sync_run_apply
from wizard.services.connection import connection_problem_record
from wizard.services.lifecycle import SyncError, run_fail
from wizard.services.runs import (
    run_settings,
    sync_run_create,
    sync_run_plan,
    sync_run_read,
)

logger = logging.getLogger(__name__)

MIS_NOT_READ = "The MIS could not be read: {error}"
READ_CRASHED = (
    "Something went wrong while reading the MIS, so nothing was changed. "
    "Please start the sync again."
)


def sync_prepare(*, school: School, started_by: User | None = None) -> SyncRun:
    """Creates a run for `school`, reads its MIS and plans the sync. Returns the run:
    PLANNED, HELD by the brake, or FAILED with the reason in words. Raises SyncError
    only when the school is not connected to an MIS."""
    run = sync_run_create(school=school, started_by=started_by)
    return sync_run_prepare(run=run)


def sync_run_prepare(
    *, run: SyncRun, progress: Callable[[FetchProgress], None] | None = None
) -> SyncRun:
    """Reads the MIS into a new run and plans it (what a worker does after "Start").
    Never raises: whatever goes wrong is recorded on the run in words."""
    try:
        snapshot = sync_run_read(run=run, progress=progress)
        if reason := empty_feed_reason(snapshot):
            raise SyncError(reason)
        sync_run_plan(run=run)
    except SyncError as error:
        run_fail(run, str(error))
    except XodError as error:
        connection_problem_record(run.school, error)
        run_fail(run, MIS_NOT_READ.format(error=error))
    except Exception:
        logger.exception("Sync run %s failed while reading or planning", run.pk)
        run_fail(run, READ_CRASHED)
    run.refresh_from_db()
    return run


def sync_review(
    *, run: SyncRun, decisions: Decisions | None = None, settings: PlanSettings | None = None
) -> SyncPlan:
    """Plans `run` again with the administrator's answers and the wizard's choices (by
    default, those it was last planned with). Raises SyncError for a run that may no
    longer be planned."""
    if decisions is None:
        decisions = plan_store.decisions_from_json(run.decisions)
    return sync_run_plan(run=run, decisions=decisions, settings=settings or run_settings(run))


def sync_finish(
    *, run: SyncRun, decisions: Decisions | None = None, settings: PlanSettings | None = None
) -> SyncRun:
    """Applies `run`: first planned again with `decisions` and `settings` when given,
    else exactly as the administrator last saw it. Returns the run, APPLIED, or HELD
    when the brake holds the plan (confirm it with `Decisions.confirm_brake`). Raises
    SyncError, with nothing changed, when it may not be applied."""
    if decisions is not None or settings is not None:
        sync_review(run=run, decisions=decisions, settings=settings)
    if run.status == SyncRun.Status.HELD:
        return run
    return sync_run_apply(run=run)


plan_fingerprint = plan_store.plan_digest
