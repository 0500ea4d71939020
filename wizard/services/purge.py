"""Deleting leavers whose grace period is over."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from users.models import User


def leavers_purge(*, today: date | None = None) -> int:
    """Deletes archived pupil and staff accounts whose purge date has passed; returns how
    many. Accounts of support staff and school administrators are never purged."""
    today = today or timezone.localdate()
    due = User.objects.filter(
        archived_at__isnull=False,
        purge_after__lt=today,
        role__in=[User.Role.PUPIL, User.Role.STAFF],
    )
    _, per_model = due.delete()
    return per_model.get(User._meta.label, 0)
