"""How long `build_plan` takes for a big school: `python -m wizard.planner.bench [pupils]`.

A benchmark to run by hand, not a test: it plans a first sync of a made-up school, then
plans again as if that plan had been applied, and prints both times.
"""

from __future__ import annotations

import random
import sys
import time

from misclient.snapshot import (
    GROUP_REGISTRATION,
    GROUP_TEACHING,
    MisGroup,
    MisPupil,
    MisSchool,
    MisSnapshot,
    MisStaff,
)
from wizard.planner.build import build_plan
from wizard.planner.types import Category, LocalAccount, LocalClass, PlanSettings, SyncPlan
from wizard.planner.years import suggest_mapping

FORENAMES = ("Amelia", "Olivia", "Zoë", "Mia", "Oliver", "George", "Łukasz", "Noah", "Aoife")
SURNAMES = ("Smith", "Jones", "Taylor", "O'Brien", "Wilson", "Nowak", "Müller", "Patel", "Khan")
YEARS = ["Reception", *(f"Year {n}" for n in range(1, 7))]


def school(pupils: int, staff: int, seed: int = 1) -> MisSnapshot:
    """A primary school of `pupils` pupils in three forms a year, and `staff` teachers."""
    pick = random.Random(seed).choice
    people = [
        MisPupil(
            mis_id=str(i),
            external_id=f"pupil-{i}",
            forename=pick(FORENAMES),
            surname=pick(SURNAMES),
            year_group=YEARS[i % len(YEARS)],
            registration_group_id=f"reg-{i % 21}",
        )
        for i in range(1, pupils + 1)
    ]
    teachers = [
        MisStaff(
            str(n),
            forename=pick(FORENAMES),
            surname=pick(SURNAMES),
            email=f"t{n}@school.example",
            is_teacher=True,
        )
        for n in range(10_000, 10_000 + staff)
    ]
    forms = [
        MisGroup(f"reg-{n}", GROUP_REGISTRATION, f"Form {n}", staff_ids=(str(10_000 + n),))
        for n in range(21)
    ]
    sets = [
        MisGroup(
            f"set-{n}", GROUP_TEACHING, f"Set {n}", pupil_ids=tuple(map(str, range(n, pupils, 40)))
        )
        for n in range(40)
    ]
    return MisSnapshot(MisSchool("8231234"), tuple(people), tuple(teachers), (*forms, *sets))


def applied(plan: SyncPlan) -> tuple[list[LocalAccount], list[LocalClass]]:
    """Roughly what applying a first-sync plan leaves: enough to time a second plan."""
    classes = [
        LocalClass(n, c.name, c.kind, mis_id=c.mis_id, subject=c.subject, year=c.year)
        for n, c in enumerate(plan.classes, start=1)
    ]
    class_ids = {c.mis_id: c.id for c in classes}
    accounts = [
        LocalAccount(
            id=n,
            role=line.role,
            username=line.username,
            forename=line.forename,
            surname=line.surname,
            email=line.email,
            year=line.year,
            mis_source="xod",
            mis_external_id=line.external_id,
            mis_id=line.mis_id,
            upn=line.upn,
            class_ids=frozenset(class_ids[m] for m in line.class_mis_ids),
        )
        for n, line in enumerate(plan.of(Category.NEW), start=1)
    ]
    return accounts, classes


def main(pupils: int = 2000, staff: int = 150) -> None:
    snapshot = school(pupils, staff)
    settings = PlanSettings(
        year_mapping=suggest_mapping(YEARS, {}),
        subject_groups=frozenset(g.mis_id for g in snapshot.groups if g.kind == GROUP_TEACHING),
    )
    started = time.perf_counter()
    plan = build_plan(snapshot, [], settings)
    first = time.perf_counter() - started
    accounts, classes = applied(plan)
    started = time.perf_counter()
    again = build_plan(snapshot, accounts, settings, classes=classes)
    second = time.perf_counter() - started
    print(f"{pupils} pupils, {staff} staff: first sync planned in {first:.3f} s {plan.counts()}")
    print(f"re-sync planned in {second:.3f} s {again.counts()}")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
