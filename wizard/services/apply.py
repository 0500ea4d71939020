"""Applying a planned sync run: every change in one transaction, with bulk queries.

The number of queries does not grow with the number of pupils: each step loads or writes
all of its rows at once. An error anywhere rolls every change back and marks the run
FAILED (the administrator runs the sync again); a worker killed mid-apply rolls back the
claim too, so the run stays PLANNED and the redelivered task applies it. A run already
applied is a no-op, and a run that may not be applied (held, undone...) is left as it is.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from users.activation import activation_emails_send
from users.models import School, User
from users.services import mark_archived
from wizard.models import NotDuplicate, SyncRun, SyncSettings
from wizard.planner.fields import WRITTEN
from wizard.planner.types import MIS_SOURCE, AccountChange, Category
from wizard.services import memberships
from wizard.services.accounts import account_state, new_accounts, set_from_line
from wizard.services.bulk import bulk_update_rows
from wizard.services.classes import class_state, classes_apply, year_groups_ensure
from wizard.services.lifecycle import SyncError, run_fail, run_move
from wizard.services.plan_store import StoredPlan, plan_load
from wizard.services.selectors import sync_settings_of

logger = logging.getLogger(__name__)

NOT_PLANNED = "Only a planned sync can be applied (this one is {status})."
STALE = (
    "The school's accounts have changed since this summary was made (sync #{other} was "
    "applied or undone since). Please run the sync again to see an up-to-date summary."
)
HELD = "This sync is held: {reasons} Confirm it explicitly to apply it."
CRASHED = "Something went wrong while applying, so nothing was changed. Please run the sync again."
GONE = "An account in this summary has been deleted since it was made. Please run the sync again."

Applied = list[tuple[User, AccountChange]]

# The choices a run saves for next time (`year_mapping` is merged, not replaced).
SAVED_SETTINGS = [
    "pupil_username_format",
    "staff_username_format",
    "staff_scope",
    "password_formats",
    "subject_groups",
]


def sync_run_apply(*, run: SyncRun) -> SyncRun:
    """Applies `run` once. Returns the run, APPLIED (or as it was if another worker got
    there first). Raises SyncError, with the run marked FAILED, when it may not apply."""
    claimed = False
    try:
        with transaction.atomic():
            # One school, one apply at a time: the school row is the lock. The claim makes
            # a second delivery of the same run a no-op; APPLYING is only ever seen inside
            # this transaction (the constraint on it is a backstop, not the lock).
            school = School.objects.select_for_update().get(pk=run.school_id)
            claimed = run_move(run, SyncRun.Status.APPLYING)
            if not claimed:
                run.refresh_from_db()
                _refuse_unless_done(run)
                return run
            _refuse_if_stale(run)
            _apply_plan(run, school, plan_load(run))
            sync_settings_save(school=school, used=run.settings_used)
            run_move(run, SyncRun.Status.APPLIED, applied_at=timezone.now(), error="")
            # Never from inside the transaction: only once the accounts really exist.
            transaction.on_commit(partial(staff_activation_send, run_id=run.pk))
    except SyncError as error:
        if claimed:
            _mark_failed(run, str(error))
        raise
    except (OperationalError, InterfaceError):
        # The database connection dropped (or the database gave up: a restart, a
        # deadlock): everything was rolled back, the claim too, so the run is still
        # PLANNED and the task tries it again (tasks.py). Marking it failed would make
        # the administrator start again for a fault that a retry mends.
        logger.warning("Sync run %s lost the database while applying", run.pk, exc_info=True)
        raise
    except Exception:
        logger.exception("Sync run %s failed while applying", run.pk)
        if claimed:
            _mark_failed(run, CRASHED)
        raise
    run.refresh_from_db()
    return run


def staff_activation_send(*, run_id: int) -> int:
    """Emails every new member of staff of the run a link to set their password; returns
    how many were sent. A failure is logged per person and never undoes the sync."""
    new_staff = User.objects.filter(
        sync_changes__run_id=run_id,
        sync_changes__kind=Category.NEW,
        role=User.Role.STAFF,
    ).select_related("school")
    return activation_emails_send(list(new_staff))


def _refuse_unless_done(run: SyncRun) -> None:
    if run.status in (SyncRun.Status.APPLIED, SyncRun.Status.APPLYING):
        return
    if run.status == SyncRun.Status.HELD:
        raise SyncError(HELD.format(reasons=" ".join(run.hold_reasons)))
    raise SyncError(NOT_PLANNED.format(status=run.get_status_display().lower()))


def _refuse_if_stale(run: SyncRun) -> None:
    since = run.planned_at or run.created_at
    other = (
        SyncRun.objects.filter(school_id=run.school_id)
        .exclude(pk=run.pk)
        .filter(Q(applied_at__gt=since) | Q(undone_at__gt=since))
        .first()
    )
    if other is not None:
        raise SyncError(STALE.format(other=other.pk))


def _mark_failed(run: SyncRun, message: str) -> None:
    # The claim was rolled back with everything else: the run is PLANNED again.
    run.refresh_from_db(fields=["status"])
    run_fail(run, message)


def sync_settings_save(*, school: School, used: dict[str, Any]) -> SyncSettings:
    """Keeps the choices an applied run used for the school's next runs: formats, staff
    scope, subject groups, and the year mapping (merged: a year the MIS did not send this
    time keeps its mapping). The one place where settings are saved."""
    saved, _ = SyncSettings.objects.select_for_update().get_or_create(school=school)
    for name in SAVED_SETTINGS:
        if name in used:
            setattr(saved, name, used[name])
    saved.year_mapping = {**saved.year_mapping, **used.get("year_mapping", {})}
    saved.save()
    return saved


def _apply_plan(run: SyncRun, school: School, stored: StoredPlan) -> None:
    source = run.settings_used.get("source", MIS_SOURCE)
    years = year_groups_ensure(school=school, plan=stored.plan)
    class_ids = classes_apply(school=school, stored=stored, years=years)
    changed = _existing_accounts_update(school, stored, years, source)
    created = _new_accounts_create(school, stored, years, source)
    memberships.memberships_apply(applied=changed + created, class_ids=class_ids)
    _remember_not_duplicates(school, stored)
    _record_written(stored)
    bulk_update_rows(stored.rows(), ["account", "school_class", "prior", "written"])


def _existing_accounts_update(
    school: School, stored: StoredPlan, years: dict[str, int], source: str
) -> Applied:
    pairs = stored.accounts_of(
        Category.UPDATED, Category.MOVED, Category.RETURNING, Category.LEAVER
    )
    accounts = User.objects.filter(school=school).in_bulk([c.account_id for _, c in pairs])
    if len(accounts) < len({c.account_id for _, c in pairs}):
        raise SyncError(GONE)
    class_ids = memberships.managed_class_ids(list(accounts))
    grace = timedelta(days=sync_settings_of(school).leaver_grace_days)
    now = timezone.now()
    for row, change in pairs:
        user = accounts[change.account_id]
        row.account = user
        row.prior = account_state(user, class_ids.get(user.pk, set()))
        if change.category == Category.LEAVER:
            mark_archived(user, now=now, grace=grace)
        else:
            set_from_line(user, change, years=years, source=source)
    bulk_update_rows(list(accounts.values()), WRITTEN)
    return [(accounts[c.account_id], c) for _, c in pairs if c.category != Category.LEAVER]


def _new_accounts_create(
    school: School, stored: StoredPlan, years: dict[str, int], source: str
) -> Applied:
    pairs = stored.accounts_of(Category.NEW)
    lines = [change for _, change in pairs]
    users = User.objects.bulk_create(new_accounts(school, lines, years=years, source=source))
    for user, (row, _) in zip(users, pairs, strict=True):
        row.account = user
    return [(user, change) for user, (_, change) in zip(users, pairs, strict=True)]


def _record_written(stored: StoredPlan) -> None:
    """What the apply left on each account and class: undo restores a field only where
    it still holds this value, so it never overwrites a change made since."""
    users = [row.account for row, _ in stored.accounts if row.account is not None]
    class_ids = memberships.managed_class_ids(user.pk for user in users)
    for row, _ in stored.accounts:
        if row.account is not None:
            row.written = account_state(row.account, class_ids.get(row.account.pk, set()))
    for row, _ in stored.classes:
        if row.school_class is not None:
            row.written = class_state(row.school_class)


def _remember_not_duplicates(school: School, stored: StoredPlan) -> None:
    """A possible duplicate answered "create a new account" is not asked again."""
    answers = [
        NotDuplicate(school=school, mis_id=change.mis_id, account_id=change.candidate_account_id)
        for _, change in stored.accounts_of(Category.NEW)
        if change.candidate_account_id
    ]
    NotDuplicate.objects.bulk_create(answers, ignore_conflicts=True)
