"""Forgetting what is no longer needed: leavers after their grace period, and the MIS
data kept on old sync runs (data minimisation: see DESIGN.md)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from users.models import User
from wizard.models import SyncChange, SyncRun


def leavers_purge(*, today: date | None = None) -> int:
    """Deletes archived pupil and staff accounts whose purge date has passed, with the
    sync change rows that name them; returns how many accounts. Accounts of support staff
    and school administrators are never purged."""
    today = today or timezone.localdate()
    due = User.objects.filter(
        archived_at__isnull=False,
        purge_after__lt=today,
        role__in=[User.Role.PUPIL, User.Role.STAFF],
    )
    with transaction.atomic():
        SyncChange.objects.filter(account__in=due).delete()
        _, per_model = due.delete()
    return per_model.get(User._meta.label, 0)


def snapshots_forget() -> int:
    """Clears the MIS snapshot of runs older than SNAPSHOT_RETENTION_DAYS; returns how
    many. A run's change rows stay: they are what its page and undo show."""
    cutoff = timezone.now() - timedelta(days=settings.SNAPSHOT_RETENTION_DAYS)
    old = SyncRun.objects.filter(created_at__lt=cutoff).exclude(snapshot=None)
    return old.update(snapshot=None)
