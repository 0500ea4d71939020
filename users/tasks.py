"""Celery tasks of the users app."""

from __future__ import annotations

from celery import shared_task

from users import lockout


@shared_task(name="users.forget_sign_in_records")
def forget_sign_in_records() -> int:
    """Daily, by Celery beat: forgets sign-in tries and locks older than RECORD_DAYS."""
    return lockout.records_forget()
