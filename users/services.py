"""Writing accounts and classes by hand: adding, archiving and reactivating one account,
giving pupils new passwords, renaming a class.

Every path that reactivates an account (Django admin, the school administrator's pages,
a sync's undo) goes through `account_reactivate`, so an account that is active again can
never keep the purge date of its archived days and be deleted by the daily purge.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from users import crypto
from users.credentials import generate_password, hash_pupil_password
from users.models import ClassMembership, School, SchoolClass, User, YearGroup
from users.usernames import UsernameAllocator

# The fields these services write, for callers that save many accounts at once.
STATUS_FIELDS = ["is_active", "archived_at", "purge_after"]
PASSWORD_FIELDS = ["password", "password_format", "printable_password"]
NOT_A_PUPIL = "Only pupils' passwords are reset here: staff reset their own by email."


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


def account_create(
    *,
    school: School,
    role: str,
    forename: str,
    surname: str,
    username_format: str,
    password_format: str = "",
    email: str = "",
    year_group: YearGroup | None = None,
    school_class: SchoolClass | None = None,
) -> User:
    """Creates an account typed in by hand, with a username made by `username_format`
    (a preset key or template of users.usernames), unique in the school, archived
    accounts included. A pupil gets a new password in `password_format`, kept hashed for
    sign-in and encrypted for login cards; staff get none until they follow the
    activation link (the caller sends it). A pupil joins `school_class`, staff teach it.
    Raises ValueError for an unusable username format."""
    user = User(
        school=school,
        role=role,
        forename=forename,
        surname=surname,
        email=email,
        year_group=year_group if role == User.Role.PUPIL else None,
    )
    _set_first_password(user, password_format)
    for attempt in range(_USERNAME_ATTEMPTS):
        taken = User.objects.filter(school=school).values_list("username", flat=True)
        user.username = UsernameAllocator(taken).allocate_for(
            username_format, forename=forename, surname=surname, role=role, mis_id=""
        )
        try:
            with transaction.atomic():
                user.save()
                if school_class is not None:
                    _join(user, school_class)
            return user
        except IntegrityError:
            # Someone took the same username between reading and saving: choose again.
            if attempt == _USERNAME_ATTEMPTS - 1:
                raise
            user.pk = None
    raise AssertionError("unreachable")


_USERNAME_ATTEMPTS = 3


def _set_first_password(user: User, password_format: str) -> None:
    if user.role == User.Role.PUPIL:
        _set_pupil_password(user, password_format)
    else:
        user.set_unusable_password()


def _set_pupil_password(pupil: User, password_format: str) -> str:
    """A new password in `password_format`, hashed for sign-in and encrypted for login
    cards, set in memory; returns it."""
    password = generate_password(password_format)
    pupil.password = hash_pupil_password(password)
    pupil.password_format = password_format
    pupil.printable_password = crypto.encrypt(password)
    return password


def pupil_password_reset(*, pupil: User, password_format: str) -> str:
    """Gives `pupil` a new password in `password_format` (one of
    users.credentials.PASSWORD_FORMATS) and returns it. The old one stops working at once,
    and the pupil's open sessions end (Django's session check covers the password hash).
    Raises ValueError for an account that is not a pupil's, or an unknown format."""
    if pupil.role != User.Role.PUPIL:
        raise ValueError(NOT_A_PUPIL)
    password = _set_pupil_password(pupil, password_format)
    pupil.save(update_fields=PASSWORD_FIELDS)
    return password


def pupils_password_reset(*, pupils: list[User], format_of: Callable[[User], str]) -> int:
    """Gives each of `pupils` a new password in the format `format_of(pupil)`, all or none;
    returns how many. Raises ValueError as pupil_password_reset does, changing nothing."""
    if any(pupil.role != User.Role.PUPIL for pupil in pupils):
        raise ValueError(NOT_A_PUPIL)
    for pupil in pupils:
        _set_pupil_password(pupil, format_of(pupil))
    with transaction.atomic():
        User.objects.bulk_update(pupils, PASSWORD_FIELDS)
    return len(pupils)


def _join(user: User, school_class: SchoolClass) -> None:
    role = (
        ClassMembership.Role.PUPIL if user.role == User.Role.PUPIL else ClassMembership.Role.TEACHER
    )
    ClassMembership.objects.create(school_class=school_class, user=user, role=role)


def class_rename(*, school_class: SchoolClass, name: str) -> SchoolClass:
    """Renames a class (a hand-made class is matched to its MIS class by exact name)."""
    school_class.name = name
    school_class.save(update_fields=["name"])
    return school_class
