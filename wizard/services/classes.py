"""Year groups and classes as a plan wants them."""

from __future__ import annotations

from typing import Any

from users.models import School, SchoolClass, YearGroup
from wizard.planner.types import Category, ClassCategory, SyncPlan
from wizard.planner.years import nc_year_name, nc_year_position
from wizard.services.bulk import bulk_update_rows
from wizard.services.plan_store import StoredPlan

CLASS_FIELDS = ["name", "subject", "mis_id", "year_group", "archived"]


def year_groups_ensure(*, school: School, plan: SyncPlan) -> dict[str, int]:
    """NC code -> YearGroup id for every year the plan uses, creating missing ones."""
    codes = {c.year for c in plan.accounts if c.year and c.category != Category.ERROR}
    codes |= {c.year for c in plan.classes if c.year}
    existing = set(YearGroup.objects.filter(school=school).values_list("code", flat=True))
    YearGroup.objects.bulk_create(
        [
            YearGroup(
                school=school, code=code, name=nc_year_name(code), position=nc_year_position(code)
            )
            for code in sorted(codes - existing)
        ]
    )
    return dict(YearGroup.objects.filter(school=school).values_list("code", "id"))


def class_state(school_class: SchoolClass) -> dict[str, Any]:
    """The class's synced fields as JSON (a change row's `prior` and `written`)."""
    return {
        name: getattr(school_class, "year_group_id" if name == "year_group" else name)
        for name in CLASS_FIELDS
    }


def set_class_fields(school_class: SchoolClass, state: dict[str, Any], names: list[str]) -> None:
    """Sets the fields `names` of the class back to `state` (see class_state), in memory;
    a field the state does not hold is left as it is."""
    for name in names:
        if name in state:
            setattr(school_class, "year_group_id" if name == "year_group" else name, state[name])


def classes_apply(*, school: School, stored: StoredPlan, years: dict[str, int]) -> dict[str, int]:
    """Creates, links, updates and archives classes; returns MIS id -> class id of every
    live MIS-linked class of the school."""
    changed = stored.classes_of(ClassCategory.LINKED, ClassCategory.UPDATED, ClassCategory.ARCHIVED)
    classes = SchoolClass.objects.filter(school=school).in_bulk([c.class_id for _, c in changed])
    for row, change in changed:
        school_class = classes[change.class_id]
        row.school_class, row.prior = school_class, class_state(school_class)
        if change.category == ClassCategory.ARCHIVED:
            school_class.archived = True
        else:
            _set(school_class, change.mis_id, change.name, change.subject, change.year, years)
    bulk_update_rows(list(classes.values()), CLASS_FIELDS)
    _create(school, stored, years)
    live = SchoolClass.objects.filter(school=school, archived=False).exclude(mis_id="")
    return dict(live.values_list("mis_id", "id"))


def _set(
    school_class: SchoolClass,
    mis_id: str,
    name: str,
    subject: str,
    year: str,
    years: dict[str, int],
) -> None:
    school_class.mis_id, school_class.name, school_class.subject = mis_id, name, subject
    school_class.year_group_id = years.get(year) if year else None
    school_class.archived = False


def _create(school: School, stored: StoredPlan, years: dict[str, int]) -> None:
    pairs = stored.classes_of(ClassCategory.NEW)
    created = SchoolClass.objects.bulk_create(
        [
            SchoolClass(
                school=school,
                name=change.name,
                kind=change.kind,
                subject=change.subject,
                mis_id=change.mis_id,
                year_group_id=years.get(change.year) if change.year else None,
            )
            for _, change in pairs
        ]
    )
    for school_class, (row, _) in zip(created, pairs, strict=True):
        row.school_class = school_class
