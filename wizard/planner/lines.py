"""One person's line in the plan: which category, and what changes on their account.

`before`/`after` hold only the fields that change, under the keys forename, surname,
year (pupils), email (staff), mis_id, mis_external_id, upn (pupils), registration_group
(pupils; class names) and classes (sorted MIS ids). For a NEW account `after` holds every
one of them that applies to the role.

Only what the MIS says is written: an empty ExternalId, UPN or work email in the feed
never blanks the account's. Class memberships are compared only within the classes the
sync manages (`ClassPlan.tracked`): classes made by hand are never emptied by a sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from misclient.snapshot import GROUP_REGISTRATION
from wizard.planner import reasons
from wizard.planner.classes import ClassPlan, class_name
from wizard.planner.feed import MAX_ID_LENGTH, PUPIL, Person
from wizard.planner.fields import LINE_FIELDS, differs
from wizard.planner.types import AccountChange, Category, LocalAccount

_Fields = dict[str, Any]

# The code of a reason the MIS client gave for a record it could not read.
MIS_PROBLEM = "mis_problem"
_Change = Callable[[str, Any, Any], None]


def _from_person(person: Person, category: Category, **extra: Any) -> AccountChange:
    registration = person.registration
    return AccountChange(
        category=category,
        role=person.role,
        mis_id=person.mis_id,
        forename=person.forename,
        surname=person.surname,
        external_id=person.external_id,
        upn=person.upn,
        email=person.email,
        year=person.year,
        mis_year=person.mis_year,
        registration_group=class_name(registration) if registration else "",
        class_mis_ids=person.class_mis_ids,
        **extra,
    )


def error_line(person: Person, account: LocalAccount | None, reason: str = "") -> AccountChange:
    """Not imported. A matched account is named, and left exactly as it is.

    An MIS Id too long to store (itself an error) is shown cut short, ending in "…", so
    that the line can still be kept with the run."""
    reason = reason or person.error
    line = _from_person(
        person,
        Category.ERROR,
        reason=reason,
        reason_code=reasons.code_of(reason) or MIS_PROBLEM,
        account_id=account.id if account else None,
        username=account.username if account else "",
    )
    if len(person.mis_id) > MAX_ID_LENGTH:
        line = replace(line, mis_id=person.mis_id[: MAX_ID_LENGTH - 1] + "\u2026")
    return line


def duplicate_line(person: Person, candidate: LocalAccount) -> AccountChange:
    return _from_person(
        person,
        Category.DUPLICATE,
        candidate_account_id=candidate.id,
        candidate_username=candidate.username,
    )


def new_line(
    person: Person, username: str, password_format: str, not_this: LocalAccount | None = None
) -> AccountChange:
    """A new account. `not_this`: a possible duplicate answered "create a new account"."""
    after: _Fields = {
        field.line: getattr(person, field.person_attr)
        for field in LINE_FIELDS.values()
        if person.role in field.roles
    }
    if person.role == PUPIL:
        after["registration_group"] = class_name(person.registration) if person.registration else ""
    after["classes"] = sorted(person.class_mis_ids)
    return _from_person(
        person,
        Category.NEW,
        username=username,
        password_format=password_format,
        after=after,
        candidate_account_id=not_this.id if not_this else None,
        candidate_username=not_this.username if not_this else "",
    )


def matched_line(
    person: Person, account: LocalAccount, classes: ClassPlan, *, linking: bool = False
) -> AccountChange:
    """The line of a record matched to `account` (or, `linking`, taking over an unlinked
    account the administrator said is the same person)."""
    before, after = _differences(person, account, classes)
    if account.archived:
        category = Category.RETURNING
    elif "registration_group" in after or "year" in after:
        category = Category.MOVED
    elif after:
        category = Category.UPDATED
    else:
        category = Category.UNCHANGED
    extra: _Fields = {}
    if linking:
        extra = {"candidate_account_id": account.id, "candidate_username": account.username}
    return _from_person(
        person,
        category,
        username=account.username,
        account_id=account.id,
        before=before,
        after=after,
        **extra,
    )


def leaver_line(account: LocalAccount) -> AccountChange:
    return AccountChange(
        category=Category.LEAVER,
        role=account.role,
        mis_id=account.mis_id,
        forename=account.forename,
        surname=account.surname,
        username=account.username,
        account_id=account.id,
        external_id=account.mis_external_id,
        upn=account.upn,
        email=account.email,
        year=account.year,
    )


def _differences(
    person: Person, account: LocalAccount, classes: ClassPlan
) -> tuple[_Fields, _Fields]:
    before: _Fields = {}
    after: _Fields = {}

    def change(key: str, old: Any, new: Any) -> None:
        before[key], after[key] = old, new

    for field in LINE_FIELDS.values():
        if person.role in field.roles:
            old, new = getattr(account, field.local), getattr(person, field.person_attr)
            if differs(field, new, old):
                change(field.line, old, new)
    _class_differences(person, account, classes, change)
    return before, after


def _class_differences(
    person: Person, account: LocalAccount, classes: ClassPlan, change: _Change
) -> None:
    current: set[str] = set()
    registration: dict[str, str] = {}  # MIS id -> the class's name now
    for class_id in account.class_ids:
        mis_id = classes.tracked.get(class_id)
        if mis_id is None:
            continue
        current.add(mis_id)
        if classes.local[class_id].kind == GROUP_REGISTRATION:
            registration[mis_id] = classes.local[class_id].name
    group = person.registration
    if person.role == PUPIL and group is not None and set(registration) != {group.mis_id}:
        change("registration_group", ", ".join(sorted(registration.values())), class_name(group))
    if current != set(person.class_mis_ids):
        change("classes", sorted(current), sorted(person.class_mis_ids))
