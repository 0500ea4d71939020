"""The planner's inputs and outputs: plain frozen data, no ORM.

`build_plan(snapshot, accounts, settings, decisions) -> SyncPlan` reads these and nothing
else, so it can be tested without a database and the summary page, the `mis_sync`
command and the apply service all read the same plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from misclient.snapshot import SOURCE_XOD
from users.vocabulary import Role


class Category(StrEnum):
    """Where one person lands in the summary. Precedence (first wins) is the order below,
    except LEAVER, which is for local accounts whose MIS record has gone."""

    ERROR = "error"  # not imported, with a reason
    DUPLICATE = "duplicate"  # a possible duplicate of an unlinked local account
    NEW = "new"
    RETURNING = "returning"  # an archived account whose record is back: reactivate
    MOVED = "moved"  # registration class or year group changed
    UPDATED = "updated"  # names, ids, email or teaching groups changed
    UNCHANGED = "unchanged"
    LEAVER = "leaver"  # linked, active, and no longer in the feed: archive


class ClassCategory(StrEnum):
    NEW = "new"
    LINKED = "linked"  # a hand-made class matched by exact name on the first sync
    UPDATED = "updated"  # name, subject or year group changed
    UNCHANGED = "unchanged"
    ARCHIVED = "archived"  # linked to the MIS and no longer in the feed


# The source a sync's accounts are linked to (User.mis_source): today only XoD.
MIS_SOURCE = SOURCE_XOD


class StaffScope(StrEnum):
    """Which staff a sync imports."""

    TEACHERS = "teachers"  # recommended: the people who teach classes
    ALL = "all"


STAFF_SCOPE_LABELS = {
    StaffScope.TEACHERS: "Teachers only (recommended)",
    StaffScope.ALL: "All staff",
}

# Kept for the planner's modules that name the scopes on their own.
STAFF_TEACHERS = StaffScope.TEACHERS
STAFF_ALL = StaffScope.ALL

# Decisions on possible duplicates
LINK = "link"  # the MIS record takes over the existing local account (keeps its login)
CREATE_NEW = "new"  # the MIS record gets a new account; remembered as "not a duplicate"


@dataclass(frozen=True)
class LocalAccount:
    """One existing account of the school, archived ones included (their usernames are
    never reused). `class_ids` are the local classes it is a member of."""

    id: int
    role: str  # "pupil", "staff", "admin"
    username: str
    forename: str = ""
    surname: str = ""
    email: str = ""
    year: str = ""  # NC code: "R", "4"
    is_active: bool = True
    archived: bool = False
    mis_source: str = ""
    mis_external_id: str = ""
    mis_id: str = ""
    upn: str = ""
    class_ids: frozenset[int] = frozenset()

    @property
    def is_linked(self) -> bool:
        return bool(self.mis_external_id or self.mis_id)


@dataclass(frozen=True)
class LocalClass:
    id: int
    name: str
    kind: str  # "registration" or "teaching"
    mis_id: str = ""
    subject: str = ""
    year: str = ""
    archived: bool = False


@dataclass(frozen=True)
class PlanSettings:
    """The school's sync settings as the planner needs them (defaults as DESIGN.md)."""

    source: str = MIS_SOURCE
    pupil_username_format: str = "forename_surname_initial"
    staff_username_format: str = "forename_initial_surname"
    staff_scope: str = STAFF_TEACHERS
    # NC code -> password format name, e.g. {"R": "pin2", "4": "pin4", "8": "word_digits"}
    password_formats: Mapping[str, str] = field(default_factory=dict)
    # MIS year-group name (whitespace collapsed) -> NC code; unmapped names are errors
    year_mapping: Mapping[str, str] = field(default_factory=dict)
    # MIS ids of the teaching groups to import (registration groups are always imported)
    subject_groups: frozenset[str] = frozenset()
    brake_percent: int = 10


def decision_key(role: str, mis_id: str) -> str:
    """The key of a record's answer in `Decisions.duplicates`: "pupil:19", "staff:19"."""
    return f"{role}:{mis_id}"


@dataclass(frozen=True)
class Decisions:
    """What the administrator has answered about this run."""

    # `decision_key(role, MIS id)` of a record ("pupil:19", "staff:19": a pupil and a
    # member of staff may share an MIS id, and are different people) -> LINK or
    # CREATE_NEW; `all_duplicates` answers every one at once
    duplicates: Mapping[str, str] = field(default_factory=dict)
    all_duplicates: str = ""
    # (MIS id, local account id) pairs answered "not a duplicate" in earlier runs (the
    # account's role tells pupil from staff: a candidate is always of the record's role)
    not_duplicates: frozenset[tuple[str, int]] = frozenset()
    confirm_brake: bool = False
    # Matched by hand: `decision_key` of a record that would be new -> the id of an
    # unlinked, unarchived account of the same role that is the same person (a pupil
    # whose name changed since the account was typed in). The record takes it over.
    links: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountChange:
    """One person's line in the plan.

    For NEW, `username` is the username the account will get; otherwise it is the
    account's current one (existing accounts keep username and password). `after` holds
    the values the account will have, `before` the current ones of the fields that change.
    `class_mis_ids` are the groups the person should be in after the sync.
    """

    category: Category
    role: str  # "pupil" or "staff"
    mis_id: str
    forename: str
    surname: str
    username: str = ""
    account_id: int | None = None
    external_id: str = ""
    upn: str = ""
    email: str = ""
    year: str = ""  # NC code
    mis_year: str = ""  # the MIS's year-group name, as sent
    registration_group: str = ""  # name, for the summary
    class_mis_ids: tuple[str, ...] = ()
    password_format: str = ""  # NEW pupils only
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""  # ERROR: why not imported, in words
    # ERROR: the reason's code (reasons.py), for code to compare; "mis_problem" when the
    # MIS client could not read the record
    reason_code: str = ""
    # DUPLICATE: the unlinked account it may be. Also set when the answer was LINK (the
    # account taken over, = account_id) and on a NEW line answered CREATE_NEW (the
    # account it is not, so that "not a duplicate" can be remembered).
    candidate_account_id: int | None = None
    candidate_username: str = ""

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}".strip()


@dataclass(frozen=True)
class ClassChange:
    category: ClassCategory
    mis_id: str
    name: str
    kind: str
    subject: str = ""
    year: str = ""
    class_id: int | None = None  # the local class, for everything but NEW
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncPlan:
    accounts: tuple[AccountChange, ...] = ()
    classes: tuple[ClassChange, ...] = ()
    # Why the brake holds this plan, in words; empty when it may be applied.
    hold_reasons: tuple[str, ...] = ()
    brake_confirmed: bool = False

    @property
    def held(self) -> bool:
        return bool(self.hold_reasons) and not self.brake_confirmed

    def of(self, category: Category, role: str | None = None) -> list[AccountChange]:
        return [c for c in self.accounts if c.category == category and role in (None, c.role)]

    def counts(self) -> dict[str, int]:
        """The summary's counts, with the keys of `mis_sync --json`."""
        return {
            "new_pupils": len(self.of(Category.NEW, Role.PUPIL)),
            "new_staff": len(self.of(Category.NEW, Role.STAFF)),
            "updated": len(self.of(Category.UPDATED)),
            "moved": len(self.of(Category.MOVED)),
            "leavers": len(self.of(Category.LEAVER)),
            "returning": len(self.of(Category.RETURNING)),
            "duplicates": len(self.of(Category.DUPLICATE)),
            "errors": len(self.of(Category.ERROR)),
            "unchanged": len(self.of(Category.UNCHANGED)),
        }

    @property
    def has_changes(self) -> bool:
        touched = {
            Category.NEW,
            Category.RETURNING,
            Category.MOVED,
            Category.UPDATED,
            Category.LEAVER,
        }
        return any(c.category in touched for c in self.accounts) or any(
            c.category != ClassCategory.UNCHANGED for c in self.classes
        )
