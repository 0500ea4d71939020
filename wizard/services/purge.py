"""Forgetting what is no longer needed (data minimisation: see DESIGN.md): leavers after
their grace period, and, after SNAPSHOT_RETENTION_DAYS, the MIS data a run read and the
names on its change rows of people who never got an account.

A change row of an account that is gone keeps only its kind and the username (so that an
undo can say which account it could not find) until the retention period ends; then the
username goes too.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from users.models import User
from wizard.models import SyncChange, SyncRun
from wizard.planner.types import Category

# What a forgotten change row keeps: its run, target, kind and role.
_FORGOTTEN: dict[str, Any] = {
    "name": "",
    "mis_id": "",
    "reason": "",
    "planned": {},
    "prior": None,
    "written": None,
}


def leavers_purge(*, today: date | None = None) -> int:
    """Deletes archived pupil and staff accounts whose purge date has passed; returns how
    many. Active accounts (a leaver reactivated since) and the accounts of school
    administrators and support staff are never purged. The change rows that named them
    forget everything but the username."""
    today = today or timezone.localdate()
    due = User.objects.filter(
        is_active=False,
        archived_at__isnull=False,
        purge_after__lt=today,
        role__in=[User.Role.PUPIL, User.Role.STAFF],
    )
    with transaction.atomic():
        SyncChange.objects.filter(account__in=due).update(account=None, **_FORGOTTEN)
        _, per_model = due.delete()
    return per_model.get(User._meta.label, 0)


def snapshots_forget() -> int:
    """For runs older than SNAPSHOT_RETENTION_DAYS: clears the MIS snapshot, and forgets
    the change rows of people who never got an account (error and duplicate lines) or
    whose account is gone; returns how many snapshots were cleared. The other change rows
    stay: they describe accounts that still exist, and are what the run's page shows."""
    cutoff = timezone.now() - timedelta(days=settings.SNAPSHOT_RETENTION_DAYS)
    old = SyncRun.objects.filter(created_at__lt=cutoff)
    with transaction.atomic():
        _rows_to_forget(old).update(username="", **_FORGOTTEN)
        return old.exclude(snapshot=None).update(snapshot=None)


def _rows_to_forget(runs: QuerySet[SyncRun]) -> QuerySet[SyncChange]:
    people = Q(kind__in=[Category.ERROR, Category.DUPLICATE]) | Q(account__isnull=True)
    return SyncChange.objects.filter(run__in=runs, target=SyncChange.Target.ACCOUNT).filter(people)
