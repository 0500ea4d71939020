"""How long `build_plan` takes for a big school: `python -m wizard.planner.bench [pupils]`.

A benchmark to run by hand, not a test: it plans a first sync of a made-up school, then
plans again as if that plan had been applied, and prints both times.
"""

from __future__ import annotations

import sys
import time

from misclient.fake.generate import generate_dataset
from misclient.parse import build_snapshot
from misclient.snapshot import GROUP_TEACHING, MisSnapshot
from wizard.planner.build import build_plan
from wizard.planner.types import (
    MIS_SOURCE,
    Category,
    LocalAccount,
    LocalClass,
    PlanSettings,
    SyncPlan,
)
from wizard.planner.years import suggest_mapping


def school(pupils: int, staff: int, seed: int = 1) -> MisSnapshot:
    """A made-up secondary school of `pupils` pupils and `staff` staff, from the fake XoD's
    generator, read as the client reads it."""
    data = generate_dataset(pupils=pupils, staff=staff, phase="secondary", seed=seed)
    rows = data["schools"][0]
    return build_snapshot(
        estab=rows["estab"],
        school_info=[rows["SchoolInfo"]],
        students=rows["Students"],
        staff=rows["Staff"],
        groups=rows["Groups"],
    )


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
            mis_source=MIS_SOURCE,
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
        year_mapping=suggest_mapping(sorted({p.year_group for p in snapshot.pupils}), {}),
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
