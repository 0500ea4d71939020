"""Turning a plan's account lines into User rows, and remembering what they were."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password

from users import crypto
from users.credentials import generate_password, hash_pupil_password
from users.models import School, User
from users.services import mark_active, mark_archived
from wizard.planner.types import AccountChange, Category

# What a sync may change on an existing account (never its username or password).
ACCOUNT_FIELDS = [
    "forename",
    "surname",
    "email",
    "year_group",
    "is_active",
    "archived_at",
    "purge_after",
    "mis_source",
    "mis_external_id",
    "mis_id",
    "upn",
]


def account_prior(user: User, class_ids: set[int]) -> dict[str, Any]:
    """The account's state before a sync, as JSON: what undo restores."""
    return {
        "forename": user.forename,
        "surname": user.surname,
        "email": user.email,
        "year_group": user.year_group_id,
        "is_active": user.is_active,
        "archived_at": user.archived_at.isoformat() if user.archived_at else None,
        "purge_after": user.purge_after.isoformat() if user.purge_after else None,
        "mis_source": user.mis_source,
        "mis_external_id": user.mis_external_id,
        "mis_id": user.mis_id,
        "upn": user.upn,
        "class_ids": sorted(class_ids),
    }


def account_restore(user: User, prior: dict[str, Any]) -> None:
    """Sets the account's fields back to `prior` (see account_prior); does not save."""
    for name in ACCOUNT_FIELDS:
        value = prior[name]
        if name == "archived_at" and value:
            value = datetime.fromisoformat(value)
        elif name == "purge_after" and value:
            value = date.fromisoformat(value)
        elif name == "year_group":
            name = "year_group_id"
        setattr(user, name, value)


def account_update(
    user: User,
    change: AccountChange,
    *,
    years: dict[str, int],
    source: str,
    now: datetime,
    grace: timedelta,
) -> None:
    """Applies one line of the plan to an existing account; does not save. Username and
    password are never touched: existing accounts keep their login."""
    if change.category == Category.LEAVER:
        mark_archived(user, now=now, grace=grace)
        return
    user.forename, user.surname = change.forename, change.surname
    if change.role == User.Role.PUPIL and change.year:
        user.year_group_id = years.get(change.year)
    _link(user, change, source)
    if change.category == Category.RETURNING:
        mark_active(user)


def _link(user: User, change: AccountChange, source: str) -> None:
    # A value the feed does not send (a scope not granted) never blanks a stored one.
    user.mis_source = source
    user.mis_id = change.mis_id or user.mis_id
    user.mis_external_id = change.external_id or user.mis_external_id
    user.upn = change.upn or user.upn
    user.email = change.email or user.email


def new_account(
    school: School, change: AccountChange, *, years: dict[str, int], source: str
) -> User:
    """An unsaved User for a NEW line. Pupils get a password in their year's format, kept
    hashed for sign-in and encrypted for login cards; staff get none until they follow
    their activation link."""
    user = User(
        school=school,
        role=change.role,
        username=change.username,
        forename=change.forename,
        surname=change.surname,
        email=change.email,
        year_group_id=years.get(change.year) if change.year else None,
    )
    _link(user, change, source)
    if change.role == User.Role.PUPIL:
        password = generate_password(change.password_format)
        user.password = hash_pupil_password(password)
        user.password_format = change.password_format
        user.printable_password = crypto.encrypt(password)
    else:
        user.password = make_password(None)
    return user
