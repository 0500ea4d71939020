"""The same generated school one academic year later (`fake_xod_dataset --rollover-from`).

Everyone on roll moves up a year into new registration groups (new names and ids), the
top year leaves (in a secondary, some of Year 11 leaves too), a new intake arrives, a few
pupils join or leave during the year, one pupil is re-enrolled under a new MIS Id, a
teacher leaves and a new one starts, and some teaching groups are re-created with new
ids. ExternalId and UPN never change: they are what a sync must match pupils by.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from misclient.fake.generate.classes import PRIMARY_YEARS, GroupIds, Place, build_groups
from misclient.fake.generate.people import UpnAllocator, make_staff_member
from misclient.fake.generate.school import (
    Cohorts,
    assemble,
    most_common_subject,
    stamp,
    teachers_of,
    years_of,
)
from misclient.fake.server.dataset import Row, row_hash

SIXTH_FORM_STAYERS = 0.6
CLASS_ID_CHANGE_SHARE = 0.15


def _next_year(phase: str) -> dict[str, str | None]:
    years = years_of(phase)
    return {year: (years[i + 1] if i + 1 < len(years) else None) for i, year in enumerate(years)}


def _phase(info: Row, groups: list[Row]) -> str:
    phase = str(info.get("Phase") or "").lower()
    if phase in ("primary", "secondary"):
        return phase
    codes = {str(g.get("Code")) for g in groups if g.get("Type") == "YearGrp"}
    return "primary" if codes & set(PRIMARY_YEARS[:6]) else "secondary"


def _max_id(rows: list[Row]) -> int:
    return max((int(r["Id"]) for r in rows if str(r.get("Id", "")).isdigit()), default=0)


def _refresh(row: Row, when: str) -> None:
    """A new RowHash and LastUpdated if the row changed."""
    new = row_hash(row)
    if row.get("RowHash") != new:
        row.update(RowHash=new, LastUpdated=when)


class _Rollover:
    def __init__(self, school: dict[str, Any], seed: int):
        self.school = school
        self.info = dict(school["SchoolInfo"])
        self.old_year = int(self.info["CurrentAcademicYear"])
        self.year = self.old_year + 1
        self.groups = school["Groups"]
        self.phase = _phase(self.info, self.groups)
        self.rng = random.Random(f"{seed}:{school['estab']}:{self.year}")
        self.pupils = [
            dict(r) for r in school["Students"] if not self._left_long_ago(r, "LeavingDate")
        ]
        self.staff = [
            dict(r) for r in school["Staff"] if not self._left_long_ago(r, "EmploymentEnd")
        ]
        self.places: dict[str, Place] = {}
        self.next_pupil_id = _max_id(self.pupils) + 1
        used = {str(r.get(k)) for r in self.pupils for k in ("UPN", "FormerUPN") if r.get(k)}
        self.upns = UpnAllocator(self.rng, str(school["estab"]), used)

    def _left_long_ago(self, row: Row, date_key: str) -> bool:
        """Leavers of before last year drop out of the feed (XoD keeps a year of them)."""
        left = str(row.get(date_key) or "")
        return bool(left) and left < f"{self.old_year}-09-01"

    def move_up(self) -> None:
        year_code = {
            str(g["Id"]): str(g["Code"]) for g in self.groups if g.get("Type") == "YearGrp"
        }
        forms: dict[str, list[str]] = defaultdict(list)
        on_roll = [r for r in self.pupils if r.get("StudentStatus", "OnRoll") == "OnRoll"]
        for row in on_roll:
            old = year_code.get(str(row.get("YearGroupId")), "")
            if row.get("RegGroup") and row["RegGroup"] not in forms[old]:
                forms[old].append(row["RegGroup"])
        next_year = _next_year(self.phase)
        for row in on_roll:
            old = year_code.get(str(row.get("YearGroupId")), "")
            new = next_year.get(old)
            if new is None or (new == "12" and self.rng.random() > SIXTH_FORM_STAYERS):
                self.leave(row, f"{self.year}-07-2{self.rng.randrange(0, 4)}")
                continue
            form = sorted(forms[old]).index(row["RegGroup"]) if row.get("RegGroup") else None
            self.places[str(row["Id"])] = Place(str(row["Id"]), new, form)

    def leave(self, row: Row, when: str) -> None:
        row.update(StudentStatus="Leaver", LeavingDate=when, RegGroup=None, RegGroupId=None)
        self.places.pop(str(row["Id"]), None)

    def mid_year_changes(self, count: int) -> None:
        movers = self.rng.sample(sorted(self.places), min(count * 2 + 1, len(self.places)))
        for pid in movers[:count]:
            row = next(r for r in self.pupils if str(r["Id"]) == pid)
            self.leave(row, f"{self.year}-10-1{self.rng.randrange(0, 10)}")
        if len(movers) > count:
            self.re_enrol(movers[count])

    def re_enrol(self, pid: str) -> None:
        """The MIS re-creates one pupil's record: new Id, same ExternalId and UPN."""
        row = next(r for r in self.pupils if str(r["Id"]) == pid)
        new_id = str(self.next_pupil_id)
        self.next_pupil_id += 1
        row.update(Id=new_id, IdaasId=f"PL-{new_id}")
        place = self.places.pop(pid)
        self.places[new_id] = Place(new_id, place.year, place.form)

    def arrivals(self, intake: int, joiners: int) -> None:
        cohorts = Cohorts(self.rng, self.phase, self.year, self.upns, self.next_pupil_id)
        cohorts.add_year(years_of(self.phase)[0], intake)
        cohorts.twins(1 if intake >= 2 else 0)
        years = sorted({p.year for p in self.places.values()})
        for _ in range(joiners if years else 0):
            cohorts.add_year(self.rng.choice(years), 1)
            cohorts.pupils[-1]["EntryDate"] = f"{self.year}-11-0{self.rng.randrange(1, 10)}"
        self.pupils += cohorts.pupils
        self.places.update({p.pupil_id: p for p in cohorts.places()})

    def staff_changes(self) -> dict[str, str]:
        """One teacher (not the head) leaves, a new one takes their subject. Returns
        staff id -> subject for the current teachers."""
        subjects = {
            str(s["Id"]): most_common_subject(str(s["Id"]), self.groups) for s in self.staff
        }
        teachers = [
            s for s in self.staff if s.get("IsTeacher") and s.get("StaffStatus") == "Current"
        ]
        leavers = [s for s in teachers if "Headteacher" not in str(s.get("Roles"))]
        if not leavers:
            return subjects
        leaver = self.rng.choice(leavers)
        leaver.update(StaffStatus="Previous", EmploymentEnd=f"{self.year}-08-31", RegGroup=None)
        domain = str(self.info.get("Email") or "@school.example.sch.uk").split("@")[-1]
        used = {str(s.get("StaffCode")) for s in self.staff}
        used |= {str(s.get("WorkEmail") or "").split("@")[0] for s in self.staff}
        newcomer = make_staff_member(
            self.rng,
            staff_id=str(_max_id(self.staff) + 1),
            role="teacher",
            domain=domain,
            used=used,
            start_year=self.year,
        )
        newcomer["EmploymentStart"] = f"{self.year}-09-01"
        self.staff.append(newcomer)
        subjects[str(newcomer["Id"])] = subjects.get(str(leaver["Id"]), "")
        return subjects

    def previous_groups(self) -> dict[str, Row]:
        """Last year's groups by the keys build_groups gives them (see GroupIds)."""
        return {_group_key(group, self.old_year): group for group in self.groups}

    def regroup(self, subjects: dict[str, str]) -> list[Row]:
        """This year's groups, with every pupil and tutor stamped with theirs."""
        places = list(self.places.values())
        built = build_groups(
            phase=self.phase,
            places=places,
            teachers=teachers_of(self.staff, subjects),
            ids=GroupIds(self.rng, _max_id(self.groups), self.previous_groups()),
            academic_year=self.year,
            class_id_change_share=CLASS_ID_CHANGE_SHARE,
        )
        stamp(self.pupils, self.staff, built, places)
        return built.rows

    def run(self) -> dict[str, Any]:
        self.move_up()
        # The new intake is as large as last year's, which has just moved up a year.
        intake = sum(1 for p in self.places.values() if p.year == years_of(self.phase)[1])
        self.mid_year_changes(max(1, len(self.places) // 150))
        self.arrivals(intake, max(1, len(self.places) // 150))
        groups = self.regroup(self.staff_changes())
        self.info["CurrentAcademicYear"] = str(self.year)
        when = f"{self.year}-09-01T02:00:00"
        for row in [self.info, *self.pupils, *self.staff]:
            _refresh(row, when)
        rows = ("SchoolInfo", "Students", "Staff", "Groups")
        template = {k: v for k, v in self.school.items() if k not in rows}
        return assemble(self.info, self.pupils, self.staff, groups, template, updated=when)


def _group_key(group: Row, old_year: int) -> str:
    kind = str(group.get("Type"))
    if kind == "YearGrp":
        return f"year:{group['Code']}"
    prefix = {"RegGrp": f"reg:{old_year}:", "HouseGrp": "house:"}.get(kind, "class:")
    return prefix + str(group["Name"])


def rollover_school(school: dict[str, Any], *, seed: int = 1) -> dict[str, Any]:
    """One school entry of a dataset, one academic year on. The input is not changed."""
    return _Rollover(school, seed).run()


def rollover_dataset(dataset: dict[str, Any], *, seed: int = 1) -> dict[str, Any]:
    """The whole dataset one academic year on, every school rolled over."""
    return {**dataset, "schools": [rollover_school(s, seed=seed) for s in dataset["schools"]]}
