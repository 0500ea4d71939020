"""The brake: a plan that would archive too many accounts or classes, empty a year group,
or leave a year group's pupils without a registration group, is held until an
administrator confirms it. An MIS that returns nothing (or a Groups answer with no
groups) is a failed feed, not a school with no pupils or no classes, and a plan built
from it must not archive the school.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from misclient.snapshot import GROUP_REGISTRATION, GROUP_TEACHING
from wizard.planner import reasons
from wizard.planner.classes import ClassPlan
from wizard.planner.feed import PUPIL, STAFF
from wizard.planner.types import AccountChange, Category, ClassCategory, LocalAccount
from wizard.planner.years import nc_year_name, nc_year_position

# Categories after which the person has an active account with the line's year.
_ACTIVE_AFTER = {
    Category.NEW,
    Category.RETURNING,
    Category.MOVED,
    Category.UPDATED,
    Category.UNCHANGED,
}

_TOO_MANY_ARCHIVED = {
    GROUP_REGISTRATION: reasons.TOO_MANY_REGISTRATION_GROUPS,
    GROUP_TEACHING: reasons.TOO_MANY_TEACHING_GROUPS,
}


def hold_reasons(
    lines: Sequence[AccountChange],
    accounts: Sequence[LocalAccount],
    linked: Sequence[LocalAccount],
    classes: ClassPlan,
    brake_percent: int,
) -> tuple[str, ...]:
    """Why the plan must be confirmed before it is applied; empty if it need not be.

    `linked` are the accounts linked to the plan's source (archived ones included);
    `classes` the plan's classes, with every local class of the school.
    """
    active = [a for a in linked if not a.archived]
    found = [
        reason
        for role in (PUPIL, STAFF)
        if (reason := _too_many_leavers(role, lines, active, brake_percent))
    ]
    found += [
        reason
        for kind in (GROUP_REGISTRATION, GROUP_TEACHING)
        if (reason := _too_many_classes_archived(kind, classes, brake_percent))
    ]
    found += _emptied_years(lines, accounts, active)
    found += _years_left_without_registration_group(lines, active, classes)
    return tuple(found)


def _over_limit(count: int, total: int, limit: int) -> bool:
    return total > 0 and count * 100 > limit * total


def _percent(count: int, total: int) -> int:
    """`count` as a whole percentage of `total`, rounded half up (in integers, so that
    the limit is never crossed by a rounding error)."""
    return (count * 200 + total) // (total * 2)


def _too_many_leavers(
    role: str, lines: Sequence[AccountChange], active: Sequence[LocalAccount], limit: int
) -> str:
    linked = sum(1 for a in active if a.role == role)
    leavers = sum(1 for c in lines if c.category == Category.LEAVER and c.role == role)
    if not _over_limit(leavers, linked, limit):
        return ""
    return reasons.TOO_MANY_LEAVERS.format(
        leavers=leavers, linked=linked, role=role, percent=_percent(leavers, linked), limit=limit
    )


def _too_many_classes_archived(kind: str, classes: ClassPlan, limit: int) -> str:
    """Registration and teaching groups count apart: a school has few teaching groups,
    or none until subject groups are imported, and many more registration groups."""
    live = sum(1 for c in classes.local.values() if c.kind == kind and c.mis_id and not c.archived)
    archived = sum(
        1 for c in classes.changes if c.kind == kind and c.category == ClassCategory.ARCHIVED
    )
    if not _over_limit(archived, live, limit):
        return ""
    return _TOO_MANY_ARCHIVED[kind].format(
        archived=archived, live=live, percent=_percent(archived, live), limit=limit
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
    emptied = sorted(had - left, key=_year_order)
    return [reasons.YEAR_EMPTIED.format(year=nc_year_name(year)) for year in emptied]


def _years_left_without_registration_group(
    lines: Sequence[AccountChange], active: Sequence[LocalAccount], classes: ClassPlan
) -> list[str]:
    """Linked pupils who are in a registration group now and would be in none after the
    plan, counted by year group.

    A pupil whose record is imported always has a registration group (without one the
    record is an error). A pupil whose record is not imported (an error line, or a record
    missing its ids) keeps their account exactly as it is, classes included, so they are
    left without a registration group when the plan archives every one they are in: the
    MIS named a group, or none, that it did not send. Leavers are archived, not left.
    """
    placed = {
        line.account_id
        for line in lines
        if line.category in _ACTIVE_AFTER or line.category == Category.LEAVER
    }
    archived = {c.class_id for c in classes.changes if c.category == ClassCategory.ARCHIVED}
    left: Counter[str] = Counter()
    for account in active:
        if account.role != PUPIL or account.id in placed:
            continue
        now = {
            class_id
            for class_id in account.class_ids
            if (local := classes.local.get(class_id))
            and local.kind == GROUP_REGISTRATION
            and not local.archived
        }
        if now and now <= archived:
            left[account.year] += 1
    return [_left_without_reason(year, left[year]) for year in sorted(left, key=_year_order)]


def _left_without_reason(year: str, count: int) -> str:
    pupils = f"{count} pupil" if count == 1 else f"{count} pupils"
    if not year:
        return reasons.NO_YEAR_WITHOUT_REGISTRATION_GROUP.format(pupils=pupils)
    return reasons.YEAR_WITHOUT_REGISTRATION_GROUP.format(pupils=pupils, year=nc_year_name(year))


def _year_order(year: str) -> tuple[int, str]:
    return (nc_year_position(year), year)
