"""The brake: a plan that would archive too many accounts, or empty a year group, is held
until an administrator confirms it. An MIS that returns nothing is a failed feed, not a
school with no pupils, and a plan built from it must not archive the school.
"""

from __future__ import annotations

from collections.abc import Sequence

from wizard.planner import reasons
from wizard.planner.feed import PUPIL, STAFF
from wizard.planner.types import AccountChange, Category, LocalAccount
from wizard.planner.years import nc_year_name, nc_year_position

# Categories after which the person has an active account with the line's year.
_ACTIVE_AFTER = {
    Category.NEW,
    Category.RETURNING,
    Category.MOVED,
    Category.UPDATED,
    Category.UNCHANGED,
}


def hold_reasons(
    lines: Sequence[AccountChange],
    accounts: Sequence[LocalAccount],
    linked: Sequence[LocalAccount],
    brake_percent: int,
) -> tuple[str, ...]:
    """Why the plan must be confirmed before it is applied; empty if it need not be.

    `linked` are the accounts linked to the plan's source (archived ones included).
    """
    active = [a for a in linked if not a.archived]
    found = [
        reason
        for role in (PUPIL, STAFF)
        if (reason := _too_many_leavers(role, lines, active, brake_percent))
    ]
    return (*found, *_emptied_years(lines, accounts, active))


def _too_many_leavers(
    role: str, lines: Sequence[AccountChange], active: Sequence[LocalAccount], limit: int
) -> str:
    linked = sum(1 for a in active if a.role == role)
    leavers = sum(1 for c in lines if c.category == Category.LEAVER and c.role == role)
    if not linked or leavers * 100 <= limit * linked:
        return ""
    return reasons.TOO_MANY_LEAVERS.format(
        leavers=leavers,
        linked=linked,
        role=role,
        percent=(leavers * 200 + linked) // (linked * 2),  # rounded half up, in integers
        limit=limit,
    )


def _emptied_years(
    lines: Sequence[AccountChange],
    accounts: Sequence[LocalAccount],
    active: Sequence[LocalAccount],
) -> list[str]:
    """Year groups that have linked active pupils now and would have no pupil at all."""
    had = {a.year for a in active if a.role == PUPIL and a.year}
    year_after = {a.id: a.year for a in accounts if a.role == PUPIL and not a.archived}
    new_years: set[str] = set()
    for line in lines:
        if line.role != PUPIL:
            continue
        if line.category == Category.LEAVER and line.account_id is not None:
            year_after.pop(line.account_id, None)
        elif line.category in _ACTIVE_AFTER and line.account_id is not None:
            year_after[line.account_id] = line.year
        elif line.category == Category.NEW:
            new_years.add(line.year)
    left = set(year_after.values()) | new_years
    emptied = sorted(had - left, key=lambda year: (nc_year_position(year), year))
    return [reasons.YEAR_EMPTIED.format(year=nc_year_name(year)) for year in emptied]
