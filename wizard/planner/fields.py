"""The account fields a sync reads and writes, in one table.

Everything that lists account fields is derived from `ACCOUNT_FIELDS`: what the selectors
read into a `LocalAccount`, what the planner compares and shows as a line's
`before`/`after`, what the apply writes, the state a change row records before and after
the apply (`prior` and `written`), and what undo restores.

Pure data (no ORM), so that the planner can read it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from users.vocabulary import Role


class Compare(StrEnum):
    """How the feed's value is compared with the account's."""

    EXACT = "exact"  # any difference is a change
    FILLED = "filled"  # an empty value in the feed never blanks the account's
    FILLED_ANY_CASE = "filled_any_case"  # and case alone is no change (emails)
    FILLED_UPPER = "filled_upper"  # compared in capitals (UPNs)


class Kind(StrEnum):
    """How a value is kept as JSON in a change row's `prior` and `written`."""

    PLAIN = "plain"  # text, a bool or an id as it is
    DATETIME = "datetime"  # ISO 8601
    DATE = "date"  # ISO 8601


BOTH = frozenset({Role.PUPIL, Role.STAFF})


@dataclass(frozen=True)
class AccountField:
    """One field of `users.User` that a sync reads or writes.

    `local`: the `LocalAccount` attribute it is read into ("" when the planner does not
    read it); `lookup`: what the selectors read for it (default: the field); `line`: its
    key in a plan line's `before`/`after` ("" when a sync never takes it from the MIS);
    `person`: the planner's `Person` attribute compared with it (default: `line`);
    `roles`: whose accounts the MIS sets it for.
    """

    name: str
    local: str = ""
    lookup: str = ""
    line: str = ""
    person: str = ""
    roles: frozenset[str] = BOTH
    compare: Compare = Compare.EXACT
    kind: Kind = Kind.PLAIN

    @property
    def attname(self) -> str:
        """The model attribute that holds the value (the id, for a foreign key)."""
        return "year_group_id" if self.name == "year_group" else self.name

    @property
    def read_as(self) -> str:
        return self.lookup or self.name

    @property
    def person_attr(self) -> str:
        return self.person or self.line


ACCOUNT_FIELDS: tuple[AccountField, ...] = (
    AccountField("forename", local="forename", line="forename"),
    AccountField("surname", local="surname", line="surname"),
    AccountField(
        "year_group",
        local="year",
        lookup="year_group__code",
        line="year",
        roles=frozenset({Role.PUPIL}),
    ),
    AccountField(
        "email",
        local="email",
        line="email",
        roles=frozenset({Role.STAFF}),
        compare=Compare.FILLED_ANY_CASE,
    ),
    AccountField("mis_id", local="mis_id", line="mis_id"),
    AccountField(
        "mis_external_id",
        local="mis_external_id",
        line="mis_external_id",
        person="external_id",
        compare=Compare.FILLED,
    ),
    AccountField(
        "upn",
        local="upn",
        line="upn",
        roles=frozenset({Role.PUPIL}),
        compare=Compare.FILLED_UPPER,
    ),
    AccountField("mis_source", local="mis_source"),
    AccountField("is_active", local="is_active"),
    AccountField("archived_at", kind=Kind.DATETIME),
    AccountField("purge_after", kind=Kind.DATE),
)

# The fields a plan line may change, by their key in `before`/`after`.
LINE_FIELDS = {field.line: field for field in ACCOUNT_FIELDS if field.line}
# What a sync may write on an account (never its username or password).
WRITTEN = [field.name for field in ACCOUNT_FIELDS]


def differs(field: AccountField, feed_value: str, account_value: str) -> bool:
    """Whether the feed's value is a change to the account's, by `field.compare`."""
    if field.compare == Compare.EXACT:
        return feed_value != account_value
    if not feed_value:
        return False
    if field.compare == Compare.FILLED_ANY_CASE:
        return feed_value.casefold() != account_value.strip().casefold()
    if field.compare == Compare.FILLED_UPPER:
        return feed_value != account_value.strip().upper()
    return feed_value != account_value
