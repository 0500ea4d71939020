"""Which MIS groups become which local classes.

A group is matched to a local class by MIS id (an archived class whose group is back is
restored). A group that no local class is linked to may instead take over a class made by
hand (no MIS id, not archived) of the same kind and exactly the same name: the class keeps
its id and members and is LINKED. That is what the school is told to prepare before its
first sync, and it also re-links a class that an undo gave back to the school, or one
typed in by hand before its group appeared in the MIS, instead of making a second class
of the same name. Anything else is NEW. Active local classes linked to the MIS whose
group is not imported are ARCHIVED.

A class's name and subject are cut to the 100 characters the database holds (always the
same way, so a long name is not seen as changed on every sync). Groups whose MIS id is
too long to store are never imported (`feed.imported_groups`).

A class's subject and year are only compared when the MIS says something: a teaching
group has no year of its own, and a registration group without pupils says nothing about
its year, so whatever the school set by hand is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from misclient.snapshot import GROUP_REGISTRATION, GROUP_TEACHING, MisGroup
from wizard.planner.feed import MAX_NAME_LENGTH, id_sort_key
from wizard.planner.types import ClassCategory, ClassChange, LocalClass

_KIND_ORDER = {GROUP_REGISTRATION: 0, GROUP_TEACHING: 1}


@dataclass(frozen=True)
class ClassPlan:
    changes: tuple[ClassChange, ...]
    # Local class id -> MIS id for the classes whose memberships the sync manages: linked
    # to the MIS after the plan and active before or after it. Memberships in hand-made
    # classes, and in classes archived before and after, are left alone.
    tracked: dict[int, str]
    local: dict[int, LocalClass]


def class_name(group: MisGroup) -> str:
    return _fitting(group.name.strip() or group.code.strip() or group.mis_id)


def _fitting(text: str) -> str:
    """`text` cut to the length of the class name and subject columns."""
    return text[:MAX_NAME_LENGTH].rstrip()


def plan_classes(
    groups: Mapping[str, MisGroup],
    class_years: Mapping[str, str],
    local_classes: Sequence[LocalClass],
) -> ClassPlan:
    """The class changes that make the local classes match the imported `groups`."""
    ordered = sorted(local_classes, key=lambda c: c.id)
    by_mis_id: dict[str, LocalClass] = {}
    for local in ordered:
        if local.mis_id:
            by_mis_id.setdefault(local.mis_id, local)
    hand_made = _hand_made(ordered)
    changes: list[ClassChange] = []
    tracked: dict[int, str] = {}
    for group in sorted(groups.values(), key=_group_order):
        change = _plan_group(group, _wanted(group, class_years), by_mis_id, hand_made)
        changes.append(change)
        if change.class_id is not None:
            tracked[change.class_id] = group.mis_id
    for local in ordered:
        if local.mis_id and not local.archived and local.mis_id not in groups:
            changes.append(_archived(local))
            tracked[local.id] = local.mis_id
    changes.sort(key=lambda c: (_KIND_ORDER.get(c.kind, 2), c.name.casefold(), c.mis_id))
    return ClassPlan(tuple(changes), tracked, {c.id: c for c in ordered})


def _plan_group(
    group: MisGroup,
    wanted: dict[str, str],
    by_mis_id: dict[str, LocalClass],
    hand_made: dict[tuple[str, str], list[LocalClass]],
) -> ClassChange:
    local = by_mis_id.get(group.mis_id)
    if local is not None:
        return _matched(group, local, wanted)
    if candidates := hand_made.get((group.kind, wanted["name"])):
        return _linked(group, candidates.pop(0), wanted)
    return _new(group, wanted)


def _group_order(group: MisGroup) -> tuple[int, str, tuple[int, int, str]]:
    return (_KIND_ORDER.get(group.kind, 2), class_name(group), id_sort_key(group.mis_id))


def _hand_made(local_classes: Sequence[LocalClass]) -> dict[tuple[str, str], list[LocalClass]]:
    """(kind, name) -> active classes made by hand, oldest first."""
    found: dict[tuple[str, str], list[LocalClass]] = {}
    for local in local_classes:
        if not local.mis_id and not local.archived:
            found.setdefault((local.kind, local.name), []).append(local)
    return found


def _wanted(group: MisGroup, class_years: Mapping[str, str]) -> dict[str, str]:
    """The values the MIS gives a class: name always, subject and year when it has them."""
    wanted = {"name": class_name(group)}
    subject = _fitting(group.subject_name.strip() or group.subject_code.strip())
    if group.kind == GROUP_TEACHING and subject:
        wanted["subject"] = subject
    if group.kind == GROUP_REGISTRATION and (year := class_years.get(group.mis_id)):
        wanted["year"] = year
    return wanted


def _differences(
    local: LocalClass, wanted: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in wanted.items():
        if getattr(local, key) != value:
            before[key], after[key] = getattr(local, key), value
    if local.archived:
        before["archived"], after["archived"] = True, False
    return before, after


def _change(
    category: ClassCategory,
    group: MisGroup,
    local: LocalClass | None,
    wanted: dict[str, str],
    before: dict[str, Any],
    after: dict[str, Any],
) -> ClassChange:
    return ClassChange(
        category=category,
        mis_id=group.mis_id,
        name=wanted["name"],
        kind=group.kind,
        subject=wanted.get("subject", local.subject if local else ""),
        year=wanted.get("year", local.year if local else ""),
        class_id=local.id if local else None,
        before=before,
        after=after,
    )


def _matched(group: MisGroup, local: LocalClass, wanted: dict[str, str]) -> ClassChange:
    before, after = _differences(local, wanted)
    category = ClassCategory.UPDATED if after else ClassCategory.UNCHANGED
    return _change(category, group, local, wanted, before, after)


def _linked(group: MisGroup, local: LocalClass, wanted: dict[str, str]) -> ClassChange:
    before, after = _differences(local, wanted)
    before, after = {"mis_id": "", **before}, {"mis_id": group.mis_id, **after}
    return _change(ClassCategory.LINKED, group, local, wanted, before, after)


def _new(group: MisGroup, wanted: dict[str, str]) -> ClassChange:
    after = {
        "mis_id": group.mis_id,
        "name": wanted["name"],
        "kind": group.kind,
        "subject": wanted.get("subject", ""),
        "year": wanted.get("year", ""),
    }
    return _change(ClassCategory.NEW, group, None, wanted, {}, after)


def _archived(local: LocalClass) -> ClassChange:
    return ClassChange(
        category=ClassCategory.ARCHIVED,
        mis_id=local.mis_id,
        name=local.name,
        kind=local.kind,
        subject=local.subject,
        year=local.year,
        class_id=local.id,
        before={"archived": False},
        after={"archived": True},
    )
