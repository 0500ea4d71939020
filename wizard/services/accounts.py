"""Turning a plan's account lines into User rows, and the accounts' state as JSON.

The fields come from one table, `wizard.planner.fields.ACCOUNT_FIELDS`. The helpers here
change accounts in memory only; the apply and undo services save them in bulk.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password

from users import crypto
from users.credentials import generate_password, hash_pupil_password
from users.models import School, User
from users.services import mark_active
from wizard.planner.fields import ACCOUNT_FIELDS, LINE_FIELDS, AccountField, Kind
from wizard.planner.types import AccountChange, Category

HASHING_THREADS = os.cpu_count() or 1
# The key of an account's MIS-linked class ids in its state.
CLASS_IDS = "class_ids"


def _to_json(field: AccountField, value: Any) -> Any:
    return value.isoformat() if field.kind != Kind.PLAIN and value else value


def _from_json(field: AccountField, value: Any) -> Any:
    if not value or field.kind == Kind.PLAIN:
        return value
    parse = datetime.fromisoformat if field.kind == Kind.DATETIME else date.fromisoformat
    return parse(value)


def account_state(user: User, class_ids: Iterable[int]) -> dict[str, Any]:
    """The account's synced fields and MIS-linked classes, as JSON: a change row keeps it
    before the apply (`prior`, what undo restores) and after (`written`)."""
    state = {field.name: _to_json(field, getattr(user, field.attname)) for field in ACCOUNT_FIELDS}
    state[CLASS_IDS] = sorted(class_ids)
    return state


def set_fields(user: User, state: dict[str, Any], names: Iterable[str]) -> None:
    """Sets the fields `names` of `user` back to `state` (see account_state), in memory.
    A field the state does not hold (a run recorded before the field was synced) is
    left as it is."""
    wanted = set(names)
    for field in ACCOUNT_FIELDS:
        if field.name in wanted and field.name in state:
            setattr(user, field.attname, _from_json(field, state[field.name]))


def set_from_line(user: User, change: AccountChange, *, years: dict[str, int], source: str) -> None:
    """Writes what a plan line changes (its `after`) onto an account, in memory: exactly
    what the summary showed. Username and password are never touched: existing accounts
    keep their login."""
    for key, value in change.after.items():
        field = LINE_FIELDS.get(key)
        if field is None:  # classes and registration group: memberships, not fields
            continue
        setattr(user, field.attname, years.get(value) if field.name == "year_group" else value)
    user.mis_source = source
    if change.category == Category.RETURNING:
        mark_active(user)


def new_accounts(
    school: School, changes: list[AccountChange], *, years: dict[str, int], source: str
) -> list[User]:
    """Unsaved Users for NEW lines, in order. Pupils get a password in their year's
    format, kept hashed for sign-in and encrypted for login cards; staff get none until
    they follow their activation link."""
    users = []
    for change in changes:
        user = User(school=school, role=change.role, username=change.username)
        set_from_line(user, change, years=years, source=source)
        if change.role != User.Role.PUPIL:
            user.password = make_password(None)  # unusable until the activation link
        users.append(user)
    pupils = [user for user in users if user.role == User.Role.PUPIL]
    formats = [c.password_format for c in changes if c.role == User.Role.PUPIL]
    passwords = [generate_password(password_format) for password_format in formats]
    for user, password_format, password, hashed in zip(
        pupils, formats, passwords, passwords_hashed(passwords), strict=True
    ):
        user.password = hashed
        user.password_format = password_format
        user.printable_password = crypto.encrypt(password)
    return users


def passwords_hashed(passwords: list[str]) -> list[str]:
    """The passwords' hashes, on every core (settings.SYNC_HASHING_THREADS): hashing is
    most of a first sync's apply and hashlib's PBKDF2 lets other threads run meanwhile."""
    threads = settings.SYNC_HASHING_THREADS or HASHING_THREADS
    workers = min(threads, max(1, len(passwords) // 50))
    if workers == 1:
        return [hash_pupil_password(password) for password in passwords]
    chunks = [passwords[n::workers] for n in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        hashed = list(pool.map(lambda chunk: [hash_pupil_password(p) for p in chunk], chunks))
    # Chunk n holds passwords n, n + workers, ...: put them back in order.
    found = [""] * len(passwords)
    for n, chunk in enumerate(hashed):
        found[n::workers] = chunk
    return found
