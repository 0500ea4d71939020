"""Undoing an applied sync run, in one transaction: accounts it created are archived,
accounts and classes it changed are restored, accounts it archived are reactivated.

Undo never overwrites a change made since the run: a field (or an account's classes) is
restored only where it still holds the value the run wrote. Anything changed since is
kept and listed, and so is every account deleted or purged since, so the administrator
knows exactly what undo did not do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from users.models import ClassMembership, School, SchoolClass, User
from users.services import mark_archived
from wizard.models import SyncChange, SyncRun
from wizard.planner.fields import WRITTEN
from wizard.planner.types import Category, ClassCategory
from wizard.services.accounts import CLASS_IDS, account_state, set_fields
from wizard.services.bulk import bulk_update_rows
from wizard.services.classes import CLASS_FIELDS, class_state, set_class_fields
from wizard.services.lifecycle import SyncError, run_move
from wizard.services.memberships import managed_class_ids, memberships_set
from wizard.services.plan_store import StoredPlan, plan_load
from wizard.services.selectors import sync_settings_of

# The kinds of account line that change an account (error and duplicate lines do not).
_APPLIED = {Category.NEW, Category.UPDATED, Category.MOVED, Category.RETURNING, Category.LEAVER}

NOT_APPLIED = "Only an applied sync can be undone (this one is {status})."
LATER_RUN = (
    "Sync #{other} has changed accounts or classes since, so this one cannot be undone on "
    "its own. Undo sync #{other} first."
)
# How a field of `account_state` is named to an administrator.
FIELD_WORDS = {
    "forename": "forename",
    "surname": "surname",
    "email": "email",
    "year_group": "year group",
    "is_active": "active",
    "archived_at": "archived",
    "purge_after": "purge date",
    "mis_source": "MIS link",
    "mis_external_id": "MIS external id",
    "mis_id": "MIS id",
    "upn": "UPN",
    CLASS_IDS: "classes",
}


@dataclass
class UndoReport:
    """What undo left alone: fields changed since the run (by username or class name),
    and accounts deleted or purged since."""

    kept: list[dict[str, Any]] = field(default_factory=list)
    kept_classes: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"kept": self.kept, "kept_classes": self.kept_classes, "missing": self.missing}


def sync_run_undo(*, run: SyncRun) -> UndoReport:
    """Reverts `run`; returns what it kept. Raises SyncError, changing nothing, when it
    may not be undone. The report is also kept on the run (`undo_report`)."""
    return _undo(run, write=True)


def sync_run_undo_preview(*, run: SyncRun) -> UndoReport:
    """What undoing `run` would keep and could not find, changing nothing: undo's own
    reading of the run and the accounts, without its writes (which for a big school's
    first sync take seconds). Raises SyncError as undo does."""
    return _undo(run, write=False)


def _undo(run: SyncRun, *, write: bool) -> UndoReport:
    with transaction.atomic():
        School.objects.select_for_update().get(pk=run.school_id)
        run.refresh_from_db()
        if run.status != SyncRun.Status.APPLIED:
            raise SyncError(NOT_APPLIED.format(status=run.get_status_display().lower()))
        _refuse_if_later_run(run)
        stored = plan_load(run)
        report = UndoReport()
        _accounts_restore(run, stored, report, write=write)
        _classes_restore(stored, report, write=write)
        if write:
            run_move(
                run, SyncRun.Status.UNDONE, undone_at=timezone.now(), undo_report=report.as_json()
            )
    return report


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


def unchanged_since(
    prior: dict[str, Any], written: dict[str, Any] | None, now: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """(the keys of `prior` still as the run wrote them, the keys changed since). A row
    recorded before `written` was kept counts every key as unchanged."""
    if written is None:
        return list(prior), []
    same = [key for key in prior if now.get(key) == written.get(key)]
    return same, [key for key in prior if key not in same and prior[key] != written.get(key)]


def _accounts_restore(run: SyncRun, stored: StoredPlan, report: UndoReport, *, write: bool) -> None:
    rows = [row for row, _ in stored.accounts if row.kind in _APPLIED]
    users = User.objects.in_bulk([row.account_id for row in rows if row.account_id])
    class_ids = managed_class_ids(users)
    grace = timedelta(days=sync_settings_of(run.school).leaver_grace_days)
    wanted: dict[int, set[int]] = {}
    for row in rows:
        user = users.get(row.account_id or 0)
        if user is None:
            report.missing.append(row.username)
            continue
        if row.kind == Category.NEW:
            if not user.is_archived:
                mark_archived(user, now=timezone.now(), grace=grace)
            wanted[user.pk] = set()
            continue
        prior = row.prior or {}
        now = account_state(user, class_ids.get(user.pk, set()))
        same, kept = unchanged_since(prior, row.written, now)
        set_fields(user, prior, same)
        if CLASS_IDS in same:
            wanted[user.pk] = set(prior[CLASS_IDS])
        if kept:
            report.kept.append({"username": user.username, "fields": _words(kept)})
    if write:
        bulk_update_rows(list(users.values()), WRITTEN)
        memberships_set(wanted, {user.pk: user.role for user in users.values()})


def _classes_restore(stored: StoredPlan, report: UndoReport, *, write: bool) -> None:
    rows = [row for row, _ in stored.classes if row.school_class_id]
    classes = SchoolClass.objects.in_bulk([row.school_class_id for row in rows])
    new_ids = []
    for row in rows:
        school_class = classes.get(row.school_class_id or 0)
        if school_class is None:
            continue
        if row.kind == ClassCategory.NEW:
            school_class.archived = True
            new_ids.append(school_class.pk)
            continue
        same, kept = unchanged_since(row.prior or {}, row.written, class_state(school_class))
        set_class_fields(school_class, row.prior or {}, same)
        if kept:
            report.kept_classes.append({"class": school_class.name, "fields": kept})
    if write:
        bulk_update_rows(list(classes.values()), CLASS_FIELDS)
        ClassMembership.objects.filter(school_class_id__in=new_ids).delete()


def _words(keys: list[str]) -> list[str]:
    return [FIELD_WORDS.get(key, key) for key in keys]
