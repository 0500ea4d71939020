"""Undoing an applied sync run: created accounts archived, changed accounts and classes
restored, archived accounts reactivated, all in one transaction."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from users.models import ClassMembership, School, SchoolClass, User
from users.services import mark_archived
from wizard.models import SyncChange, SyncRun
from wizard.planner.types import Category, ClassCategory
from wizard.services.accounts import ACCOUNT_FIELDS, account_restore
from wizard.services.classes import CLASS_FIELDS, class_restore
from wizard.services.memberships import memberships_set
from wizard.services.plan_store import StoredPlan, plan_load
from wizard.services.runs import SyncError
from wizard.services.selectors import sync_settings_of

# The kinds of account line that change an account (error and duplicate lines do not).
_APPLIED = {Category.NEW, Category.UPDATED, Category.MOVED, Category.RETURNING, Category.LEAVER}

NOT_APPLIED = "Only an applied sync can be undone (this one is {status})."
LATER_RUN = (
    "Sync #{other} has changed accounts or classes since, so this one cannot be undone on "
    "its own. Undo sync #{other} first."
)


def sync_run_undo(*, run: SyncRun) -> SyncRun:
    """Reverts `run`. Raises SyncError, changing nothing, when it may not be undone."""
    with transaction.atomic():
        School.objects.select_for_update().get(pk=run.school_id)
        run.refresh_from_db()
        if run.status != SyncRun.Status.APPLIED:
            raise SyncError(NOT_APPLIED.format(status=run.get_status_display().lower()))
        _refuse_if_later_run(run)
        stored = plan_load(run)
        _accounts_restore(run, stored)
        _classes_restore(stored)
        run.status, run.undone_at = SyncRun.Status.UNDONE, timezone.now()
        run.save(update_fields=["status", "undone_at"])
    return run


def _refuse_if_later_run(run: SyncRun) -> None:
    """Undo restores what this run found; a later applied run that changed anything
    (accounts, or classes this run made) was built on this one, so it goes first."""
    later = (
        SyncChange.objects.filter(
            run__school_id=run.school_id,
            run__status=SyncRun.Status.APPLIED,
            run__applied_at__gt=run.applied_at,
        )
        .exclude(kind__in=[Category.ERROR, Category.DUPLICATE])
        .order_by("-run__applied_at")
        .values_list("run_id", flat=True)
        .first()
    )
    if later is not None:
        raise SyncError(LATER_RUN.format(other=later))


def _accounts_restore(run: SyncRun, stored: StoredPlan) -> None:
    rows = [row for row, change in stored.accounts if row.account_id and row.kind in _APPLIED]
    users = User.objects.in_bulk([row.account_id for row in rows])
    grace = timedelta(days=sync_settings_of(run.school).leaver_grace_days)
    now = timezone.now()
    wanted: dict[int, set[int]] = {}
    for row in rows:
        user = users[row.account_id]
        if row.kind == Category.NEW:
            mark_archived(user, now=now, grace=grace)
            wanted[user.pk] = set()
        else:
            account_restore(user, row.prior or {})
            wanted[user.pk] = set((row.prior or {}).get("class_ids", []))
    User.objects.bulk_update(list(users.values()), ACCOUNT_FIELDS)
    memberships_set(wanted, {user.pk: user.role for user in users.values()})


def _classes_restore(stored: StoredPlan) -> None:
    rows = [row for row, _ in stored.classes if row.school_class_id]
    classes = SchoolClass.objects.in_bulk([row.school_class_id for row in rows])
    for row in rows:
        school_class = classes[row.school_class_id]
        if row.kind == ClassCategory.NEW:
            school_class.archived = True
        else:
            class_restore(school_class, row.prior or {})
    SchoolClass.objects.bulk_update(list(classes.values()), CLASS_FIELDS)
    new_ids = [row.school_class_id for row in rows if row.kind == ClassCategory.NEW]
    ClassMembership.objects.filter(school_class_id__in=new_ids).delete()
