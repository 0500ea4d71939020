"""The life of a sync run: which status may follow which, in one table, and the one
function that moves a run along it.

    fetching -> planned | held | failed      the MIS read, then planned (or held by the brake)
    planned  -> planned | held | applying | failed
                                             re-planned with the administrator's answers,
                                             claimed by the apply, or given up
    held     -> planned | held | failed      confirmed, re-planned, or given up
    applying -> applied | failed             only ever seen inside the apply's transaction
    applied  -> undone
    failed, undone: final

A move is a conditional UPDATE (`status IN (the statuses it may come from)`), so two
workers, or a worker and a page, can never both make the same move: the second one finds
0 rows and is told so.

Stuck runs: a worker that dies is replaced and its task redelivered (see the Celery
settings), but a run must never wait for ever. `runs_fail_stuck` (every few minutes, by
Celery beat) fails a run still reading the MIS, or still waiting for its apply, long after
any task could still be working on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from wizard.models import SyncRun

Status = SyncRun.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.FETCHING: frozenset({Status.PLANNED, Status.HELD, Status.FAILED}),
    Status.PLANNED: frozenset({Status.PLANNED, Status.HELD, Status.APPLYING, Status.FAILED}),
    Status.HELD: frozenset({Status.PLANNED, Status.HELD, Status.FAILED}),
    Status.APPLYING: frozenset({Status.APPLIED, Status.FAILED}),
    Status.APPLIED: frozenset({Status.UNDONE}),
    Status.FAILED: frozenset(),
    Status.UNDONE: frozenset(),
}

STUCK_READING = (
    "Reading the MIS did not finish in time, so this sync was stopped and nothing was "
    "changed. Please start the sync again."
)
STUCK_APPLYING = (
    "Applying this sync did not finish in time, so it was stopped and nothing was "
    "changed. Please run the sync again."
)


SET_ASIDE = (
    "A newer sync (#{newer}) was started, so this one was set aside before anything was changed."
)


class SyncError(Exception):
    """A sync step refused, with the reason in words for the page or the command."""


def may_move(current: str, to: str) -> bool:
    return to in TRANSITIONS[current]


def sources_of(to: str) -> list[str]:
    """The statuses a run may move to `to` from."""
    return [status for status, targets in TRANSITIONS.items() if to in targets]


def run_move(run: SyncRun, to: str, **fields: Any) -> bool:
    """Moves `run` to status `to` (and sets `fields`) if its stored status allows it;
    returns whether it did. `run` in memory is updated only when it moved."""
    moved = SyncRun.objects.filter(pk=run.pk, status__in=sources_of(to)).update(status=to, **fields)
    if moved:
        run.status = to
        for name, value in fields.items():
            setattr(run, name, value)
    return bool(moved)


def run_fail(run: SyncRun, message: str) -> bool:
    """Marks a run that has not been applied as failed, with the reason in words."""
    return run_move(run, Status.FAILED, error=message)


def stuck_after() -> timedelta:
    """How long after its start a task can no longer be working on a run: a lost task is
    redelivered after the broker's visibility timeout and then runs for at most the task
    time limit; a minute more covers the clocks of the hosts."""
    redelivery = settings.CELERY_VISIBILITY_TIMEOUT
    return timedelta(seconds=redelivery + settings.CELERY_TASK_TIME_LIMIT + 60)


def runs_fail_stuck(*, now: datetime | None = None) -> int:
    """Fails every run still reading the MIS, or waiting for its apply, beyond
    `stuck_after`; returns how many."""
    cutoff = (now or timezone.now()) - stuck_after()
    reading = SyncRun.objects.filter(status=Status.FETCHING, created_at__lt=cutoff)
    applying = SyncRun.objects.filter(
        Q(status=Status.PLANNED, apply_requested_at__lt=cutoff)
        | Q(status=Status.APPLYING, apply_requested_at__lt=cutoff)
    )
    failed = reading.update(status=Status.FAILED, error=STUCK_READING)
    return failed + applying.update(status=Status.FAILED, error=STUCK_APPLYING)


def runs_set_aside(*, school: Any, newer: SyncRun) -> int:
    """Fails the school's runs that are still being read or waiting for choices (not
    those handed to a worker to apply), in favour of `newer`; returns how many."""
    waiting = SyncRun.objects.filter(
        school=school,
        status__in=[Status.FETCHING, Status.PLANNED, Status.HELD],
        apply_requested_at__isnull=True,
    ).exclude(pk=newer.pk)
    return waiting.update(status=Status.FAILED, error=SET_ASIDE.format(newer=newer.pk))
