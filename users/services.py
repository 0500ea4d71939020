"""Writing accounts by hand: archiving and reactivating one account.

Every path that reactivates an account (Django admin, the school administrator's pages,
a sync's undo) goes through `account_reactivate`, so an account that is active again can
never keep the purge date of its archived days and be deleted by the daily purge.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from users.models import User

# The fields these services write, for callers that save many accounts at once.
STATUS_FIELDS = ["is_active", "archived_at", "purge_after"]


def mark_archived(user: User, *, now: datetime, grace: timedelta) -> None:
    """Sets `user` archived in memory (it cannot sign in and is deleted once `grace` has
    passed); does not save."""
    user.is_active = False
    user.archived_at = now
    user.purge_after = (now + grace).date()


def mark_active(user: User) -> None:
    """Sets `user` active in memory, with no archive or purge date; does not save."""
    user.is_active, user.archived_at, user.purge_after = True, None, None


def account_archive(*, user: User, grace_days: int) -> User:
    """Archives `user` now: it cannot sign in and is deleted after `grace_days`."""
    mark_archived(user, now=timezone.now(), grace=timedelta(days=grace_days))
    user.save(update_fields=STATUS_FIELDS)
    return user


def account_reactivate(*, user: User) -> User:
    """Makes `user` active again and stops its purge."""
    mark_active(user)
    user.save(update_fields=STATUS_FIELDS)
    return user
