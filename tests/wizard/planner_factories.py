"""Hand-built snapshots, accounts and classes for the planner tests (no database), and
`simulate_apply`, which turns a plan into the accounts and classes applying it would
leave, so tests can check that planning again finds nothing to do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from misclient.snapshot import (
    GROUP_REGISTRATION,
    GROUP_TEACHING,
    MisGroup,
    MisPupil,
    MisSchool,
    MisSnapshot,
    MisStaff,
    ParseProblem,
)
from tests.wizard.school_data import ESTAB
from wizard.planner import build_plan
from wizard.planner.types import (
    Category,
    ClassCategory,
    Decisions,
    LocalAccount,
    LocalClass,
    PlanSettings,
    SyncPlan,
)
from wizard.planner.years import suggest_mapping

YEAR_NAMES = ["Nursery", "Reception", *(f"Year {n}" for n in range(1, 14))]
SETTINGS = PlanSettings(year_mapping=suggest_mapping(YEAR_NAMES, {}))


def settings(**changes: Any) -> PlanSettings:
    return replace(SETTINGS, **changes)


def pupil(
    mis_id: str,
    forename: str = "John",
    surname: str = "Smith",
    year: str = "Year 4",
    reg: str = "4ES",
    **fields: Any,
) -> MisPupil:
    """A pupil in registration group `reg`, whose MIS id is `reg-<name>`."""
    fields.setdefault("registration_group_id", f"reg-{reg}" if reg else "")
    return MisPupil(
        mis_id=mis_id,
        forename=forename,
        surname=surname,
        year_group=year,
        registration_group=reg,
        **fields,
    )


def staff(
    mis_id: str,
    forename: str = "Rosa",
    surname: str = "Lorrin",
    email: str | None = None,
    is_teacher: bool = True,
    **fields: Any,
) -> MisStaff:
    if email is None:
        email = f"{forename}.{surname}@school.example".lower()
    return MisStaff(
        mis_id=mis_id,
        forename=forename,
        surname=surname,
        email=email,
        is_teacher=is_teacher,
        **fields,
    )


def teaching_group(mis_id: str, name: str, pupils: Iterable[str] = (), **fields: Any) -> MisGroup:
    return MisGroup(mis_id, GROUP_TEACHING, name, pupil_ids=tuple(pupils), **fields)


def snapshot(
    pupils: Sequence[MisPupil] = (),
    staff: Sequence[MisStaff] = (),
    groups: Sequence[MisGroup] = (),
    problems: Sequence[ParseProblem] = (),
    tutors: Mapping[str, Sequence[str]] | None = None,
) -> MisSnapshot:
    """A snapshot whose registration groups are made from the pupils' own, plus `groups`.

    `tutors` maps a registration group's name to the staff MIS ids listed in it.
    """
    tutors = tutors or {}
    registration: dict[str, MisGroup] = {}
    for p in pupils:
        if p.registration_group_id and p.registration_group_id not in registration:
            registration[p.registration_group_id] = MisGroup(
                mis_id=p.registration_group_id,
                kind=GROUP_REGISTRATION,
                name=p.registration_group,
                staff_ids=tuple(tutors.get(p.registration_group, ())),
            )
    return MisSnapshot(
        school=MisSchool(estab=ESTAB),
        pupils=tuple(pupils),
        staff=tuple(staff),
        groups=(*registration.values(), *groups),
        problems=tuple(problems),
    )


def account(
    id: int,
    username: str,
    forename: str = "John",
    surname: str = "Smith",
    role: str = "pupil",
    **fields: Any,
) -> LocalAccount:
    """An account; pass `mis_id` (and so on) for a linked one: its source defaults to xod."""
    if fields.get("mis_id") or fields.get("mis_external_id"):
        fields.setdefault("mis_source", "xod")
    return LocalAccount(
        id=id, role=role, username=username, forename=forename, surname=surname, **fields
    )


def categories(plan: SyncPlan) -> Counter[Category]:
    return Counter(line.category for line in plan.accounts)


def line_for(plan: SyncPlan, mis_id: str, role: str = "pupil") -> Any:
    (found,) = [c for c in plan.accounts if c.mis_id == mis_id and c.role == role]
    return found


def usernames(plan: SyncPlan, category: Category = Category.NEW) -> dict[str, str]:
    """MIS id -> username of the lines of `category`."""
    return {c.mis_id: c.username for c in plan.of(category)}


_ACCOUNT_FIELDS = ("forename", "surname", "year", "email", "mis_id", "mis_external_id", "upn")


def simulate_apply(
    plan: SyncPlan,
    accounts: Sequence[LocalAccount],
    classes: Sequence[LocalClass] = (),
    source: str = "xod",
) -> tuple[list[LocalAccount], list[LocalClass]]:
    """The accounts and classes the school would have after applying `plan`.

    Memberships of classes linked to the MIS become exactly the line's classes; those of
    hand-made and archived classes are kept. DUPLICATE and ERROR lines change nothing.
    """
    new_classes, class_of = _apply_classes(plan, classes)
    active_mis = {c.id for c in new_classes if c.mis_id and not c.archived}
    by_id = {a.id: a for a in accounts}
    next_id = max(by_id, default=0) + 1
    for line in plan.accounts:
        if line.category == Category.NEW:
            by_id[next_id] = LocalAccount(
                id=next_id,
                role=line.role,
                username=line.username,
                mis_source=source,
                class_ids=frozenset(class_of[m] for m in line.after["classes"]),
                **{k: line.after.get(k, "") for k in _ACCOUNT_FIELDS},
            )
            next_id += 1
        elif line.category == Category.LEAVER:
            assert line.account_id is not None
            by_id[line.account_id] = replace(by_id[line.account_id], archived=True, is_active=False)
        elif line.category not in (Category.DUPLICATE, Category.ERROR):
            assert line.account_id is not None
            by_id[line.account_id] = _apply_line(
                by_id[line.account_id], line.after, class_of, active_mis, source
            )
    return list(by_id.values()), new_classes


def _apply_line(
    account: LocalAccount,
    after: Any,
    class_of: dict[str, int],
    active_mis: set[int],
    source: str,
) -> LocalAccount:
    changes = {k: after[k] for k in _ACCOUNT_FIELDS if k in after}
    if {"mis_id", "mis_external_id", "upn"} & set(after):
        changes["mis_source"] = source
    if "classes" in after:
        kept = {c for c in account.class_ids if c not in active_mis}
        changes["class_ids"] = frozenset(kept | {class_of[m] for m in after["classes"]})
    return replace(account, archived=False, is_active=True, **changes)


def _apply_classes(
    plan: SyncPlan, classes: Sequence[LocalClass]
) -> tuple[list[LocalClass], dict[str, int]]:
    by_id = {c.id: c for c in classes}
    next_id = max(by_id, default=0) + 1
    class_of: dict[str, int] = {}
    for change in plan.classes:
        if change.category == ClassCategory.NEW:
            by_id[next_id] = LocalClass(
                id=next_id,
                name=change.name,
                kind=change.kind,
                mis_id=change.mis_id,
                subject=change.subject,
                year=change.year,
            )
            class_of[change.mis_id] = next_id
            next_id += 1
            continue
        assert change.class_id is not None
        by_id[change.class_id] = replace(by_id[change.class_id], **change.after)
        class_of[change.mis_id] = change.class_id
    return list(by_id.values()), class_of


def replan(
    plan: SyncPlan,
    snap: MisSnapshot,
    accounts: Sequence[LocalAccount],
    classes: Sequence[LocalClass] = (),
    plan_settings: PlanSettings = SETTINGS,
    decisions: Decisions | None = None,
) -> tuple[SyncPlan, list[LocalAccount], list[LocalClass]]:
    """Apply `plan` (simulated) and plan the same snapshot again."""
    new_accounts, new_classes = simulate_apply(plan, accounts, classes, plan_settings.source)
    again = build_plan(snap, new_accounts, plan_settings, decisions, classes=new_classes)
    return again, new_accounts, new_classes


CHANGING = {
    Category.NEW,
    Category.RETURNING,
    Category.MOVED,
    Category.UPDATED,
    Category.LEAVER,
}


def changes_left(plan: SyncPlan) -> list[Any]:
    """Lines and class changes that would still write something."""
    return [c for c in plan.accounts if c.category in CHANGING] + [
        c for c in plan.classes if c.category != ClassCategory.UNCHANGED
    ]
