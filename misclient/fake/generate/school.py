"""Realistic made-up English schools as fake-XoD datasets, deterministic by seed.

A school has pupils in NC years N1-6 (primary) or 7-13 (secondary), registration groups
per year, teaching groups with subjects in secondaries, teachers and support staff with
codes and work emails, and the awkward cases a sync must handle: twins, pupils with the
same name in different years, names of many origins and scripts, staff without an email
and pupils without a registration group.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from typing import Any

from anyascii import anyascii

from misclient.fake.generate.classes import (
    PRIMARY_YEARS,
    SECONDARY_YEARS,
    BuiltGroups,
    GroupIds,
    Place,
    Teacher,
    build_groups,
    initials,
    year_group_name,
)
from misclient.fake.generate.names import NON_LATIN, PLACES, pick_name, twin_forename
from misclient.fake.generate.people import UpnAllocator, make_pupil, make_staff_member
from misclient.fake.server.dataset import DEFAULT_SCOPES, Row, complete_row

DEFAULT_ESTAB = "8231234"
DEFAULT_ACADEMIC_YEAR = 2026
DEFAULT_RELYING_PARTY = "mis-sync-wizard.localhost"
YEAR_WEIGHTS = {"N1": 0.5, "N2": 0.7, "12": 0.6, "13": 0.5}  # others weigh 1
# Teachers' subjects in turn: more teachers of the core subjects, as in a real school.
SUBJECT_CYCLE = (
    *("Ma", "En", "Sc", "Ma", "En", "Sc", "Fr", "Hi", "Gg", "Ar", "PE", "Co", "Mu", "RE"),
    *("Bi", "Ch", "Ph", "Ps", "Ec"),
)
FIRST_PUPIL_ID = 3000
FIRST_GROUP_ID = 100


def default_secret(estab: str, seed: int) -> str:
    return f"fake-secret-{estab}-{seed}"


def years_of(phase: str) -> tuple[str, ...]:
    return PRIMARY_YEARS if phase == "primary" else SECONDARY_YEARS


def split_pupils(total: int, years: tuple[str, ...]) -> dict[str, int]:
    """`total` pupils over `years` by weight, largest remainders first, summing exactly."""
    weights = [YEAR_WEIGHTS.get(year, 1.0) for year in years]
    shares = [total * w / sum(weights) for w in weights]
    counts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(years)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return dict(zip(years, counts, strict=True))


def teachers_of(staff: list[Row], subjects: dict[str, str]) -> list[Teacher]:
    """The current teachers as Teacher records; `subjects` maps staff id -> subject code.
    The head comes last, so takes a class only when nobody else can."""
    current = [s for s in staff if s.get("IsTeacher") and s.get("StaffStatus") == "Current"]
    current.sort(key=lambda s: "Headteacher" in str(s.get("Roles")))
    return [
        Teacher(
            str(s["Id"]),
            str(s["StaffCode"]),
            initials(s["Forename"], s["Surname"]),
            subjects.get(str(s["Id"]), ""),
        )
        for s in current
    ]


def stamp(pupils: list[Row], staff: list[Row], built: BuiltGroups, places: list[Place]) -> None:
    """Write each pupil's year, registration and house group, and each tutor's
    registration groups, into their rows."""
    year_of = {place.pupil_id: place.year for place in places}
    for row in pupils:
        pid, year = str(row["Id"]), year_of.get(str(row["Id"]))
        reg = built.reg_group.get(pid, (None, None))
        house = built.house.get(pid, (None, None))
        row.update(
            YearGroupId=built.year_group.get(year) if year else row.get("YearGroupId"),
            YearGroup=year_group_name(year) if year else row.get("YearGroup"),
            RegGroupId=reg[0] if year else row.get("RegGroupId"),
            RegGroup=reg[1] if year else row.get("RegGroup"),
            HouseGroupId=house[0],
            HouseGroup=house[1],
        )
    for member in staff:
        member["RegGroup"] = ",".join(built.tutor_of.get(str(member["Id"]), [])) or None


def assemble(
    info: Row,
    pupils: list[Row],
    staff: list[Row],
    groups: list[Row],
    template: dict[str, Any],
    updated: str,
) -> dict[str, Any]:
    """One school entry of the dataset, rows completed with RowHash and LastUpdated
    (`updated` where a row has none)."""
    return {
        **template,
        "SchoolInfo": complete_row(info, updated),
        "Students": [complete_row(row, updated) for row in pupils],
        "Staff": [complete_row(row, updated) for row in staff],
        "Groups": [complete_row(row, updated) for row in groups],
    }


def _staff(
    rng: random.Random, count: int, phase: str, domain: str, year: int
) -> tuple[list[Row], dict[str, str]]:
    support = round(count * 0.3) if count >= 3 else 0
    roles = ["head"] + ["teacher"] * (count - support - 1) + ["support"] * support
    used: set[str] = set()
    staff = [
        make_staff_member(
            rng, staff_id=str(n), role=role, domain=domain, used=used, start_year=year
        )
        for n, role in enumerate(roles[:count], start=1)
    ]
    if count >= 5:  # the head keeps theirs
        for member in rng.sample(staff[1:], max(1, count // 20)):
            member["WorkEmail"] = None
    teaching = [s for s in staff if s["IsTeacher"]]
    subjects = (
        {str(s["Id"]): SUBJECT_CYCLE[n % len(SUBJECT_CYCLE)] for n, s in enumerate(teaching)}
        if phase == "secondary"
        else {}
    )
    return staff, subjects


class Cohorts:
    """New pupils and their places (year, form) while a school is generated or a new
    intake arrives. Pupil ids are numbered on from `first_id`."""

    def __init__(
        self,
        rng: random.Random,
        phase: str,
        academic_year: int,
        upns: UpnAllocator,
        first_id: int = FIRST_PUPIL_ID + 1,
    ):
        self.rng, self.phase, self.academic_year = rng, phase, academic_year
        self.upns, self.first_id = upns, first_id
        self.pupils: list[Row] = []
        self.year: dict[str, str] = {}
        self.form: dict[str, int | None] = {}
        self.special: set[str] = set()  # ids already made a twin, namesake... left alone after

    def add_year(self, year: str, count: int) -> None:
        forms = max(1, math.ceil(count / 30))
        for n in range(count):
            pid = str(self.first_id + len(self.pupils))
            self.pupils.append(
                make_pupil(
                    self.rng,
                    pupil_id=pid,
                    year=year,
                    academic_year=self.academic_year,
                    upns=self.upns,
                    phase=self.phase,
                )
            )
            self.year[pid], self.form[pid] = year, n % forms

    def by_year(self) -> dict[str, list[Row]]:
        grouped: dict[str, list[Row]] = defaultdict(list)
        for row in self.pupils:
            grouped[self.year[row["Id"]]].append(row)
        return grouped

    def pick(self, rows: list[Row], latin: bool = True) -> Row | None:
        free = [
            r
            for r in rows
            if r["Id"] not in self.special and (not latin or r["Forename"].isascii())
        ]
        if not free:
            return None
        chosen = self.rng.choice(free)
        self.special.add(chosen["Id"])
        return chosen

    def rename(self, row: Row, forename: str, surname: str) -> None:
        row.update(
            Forename=forename,
            Surname=surname,
            LegalForename=forename,
            LegalSurname=surname,
            DisplayName=f"{forename} {surname}",
        )

    def non_latin_names(self) -> None:
        for origin in NON_LATIN:
            if row := self.pick(self.pupils, latin=False):
                self.rename(row, *pick_name(self.rng, row["Gender"], origin))

    def twins(self, pairs: int) -> None:
        years = [rows for rows in self.by_year().values() if len(rows) >= 2]
        for n in range(pairs if years else 0):
            rows = years[n % len(years)]
            first, second = self.pick(rows), self.pick(rows)
            if first is None or second is None:
                return
            self.rename(
                second,
                twin_forename(self.rng, first["Forename"], second["Gender"]),
                first["Surname"],
            )
            second["DateofBirth"] = first["DateofBirth"]
            self.form[second["Id"]] = self.form[first["Id"]]

    def namesakes(self, pairs: int) -> None:
        grouped = list(self.by_year().values())
        for _ in range(pairs if len(grouped) >= 2 else 0):
            year_a, year_b = self.rng.sample(grouped, 2)
            first, second = self.pick(year_a), self.pick(year_b)
            if first and second:
                second["Gender"] = first["Gender"]
                self.rename(second, first["Forename"], first["Surname"])

    def without_form(self, count: int) -> None:
        for _ in range(count):
            if row := self.pick(self.pupils):
                self.form[row["Id"]] = None

    def places(self) -> list[Place]:
        return [Place(r["Id"], self.year[r["Id"]], self.form[r["Id"]]) for r in self.pupils]


def _pupils(rng: random.Random, count: int, phase: str, year: int, estab: str) -> Cohorts:
    cohorts = Cohorts(rng, phase, year, UpnAllocator(rng, estab))
    for nc_year, size in split_pupils(count, years_of(phase)).items():
        cohorts.add_year(nc_year, size)
    if count >= 100:
        cohorts.non_latin_names()
    cohorts.twins(max(1, count // 100) if count >= 10 else 0)
    cohorts.namesakes(max(1, count // 300) if count >= 10 else 0)
    cohorts.without_form(max(1, count // 250) if count >= 20 else 0)
    return cohorts


def school_info(rng: random.Random, estab: str, phase: str, year: int) -> tuple[Row, str]:
    """The SchoolInfo row (without its Head) and the school's email domain."""
    place = rng.choice(PLACES)
    name = f"{place} {'Primary School' if phase == 'primary' else 'Academy'}"
    domain = re.sub("[^a-z]", "", anyascii(place).lower()) + ".example.sch.uk"
    return {
        "Id": "1",
        "Name": name,
        "Email": f"office@{domain}",
        "Governance": "Community",
        "Phase": phase.capitalize(),
        "EstabId": estab,
        "CurrentAcademicYear": str(year),
    }, domain


def generate_school(
    *, pupils: int, staff: int, phase: str, seed: int, estab: str, secret: str, academic_year: int
) -> dict[str, Any]:
    """One school entry of a dataset (see misclient.fake.server.dataset for the shape)."""
    if phase not in ("primary", "secondary"):
        raise ValueError("phase must be primary or secondary")
    if pupils < 0 or staff < 0:
        raise ValueError("the numbers of pupils and staff cannot be negative")
    rng = random.Random(f"{seed}:{estab}")
    info, domain = school_info(rng, estab, phase, academic_year)
    staff_rows, subjects = _staff(rng, staff, phase, domain, academic_year)
    info["Head"] = f"{staff_rows[0]['Forename']} {staff_rows[0]['Surname']}" if staff_rows else None
    cohorts = _pupils(rng, pupils, phase, academic_year, estab)
    places = cohorts.places()
    ids = GroupIds(rng, FIRST_GROUP_ID)
    built = build_groups(
        phase=phase,
        places=places,
        teachers=teachers_of(staff_rows, subjects),
        ids=ids,
        academic_year=academic_year,
    )
    stamp(cohorts.pupils, staff_rows, built, places)
    template = {
        "estab": estab,
        "secret": secret,
        "scopes": list(DEFAULT_SCOPES),
        "authorisation_paused": False,
    }
    updated = f"{academic_year}-09-01T02:00:00"
    return assemble(info, cohorts.pupils, staff_rows, built.rows, template, updated)


def generate_dataset(
    *,
    pupils: int = 300,
    staff: int = 40,
    phase: str = "primary",
    seed: int = 1,
    estab: str = DEFAULT_ESTAB,
    secret: str = "",
    academic_year: int = DEFAULT_ACADEMIC_YEAR,
    relying_party: str = DEFAULT_RELYING_PARTY,
) -> dict[str, Any]:
    """A dataset document with one generated school; the same arguments give the same
    document. `secret` defaults to one derived from estab and seed."""
    school = generate_school(
        pupils=pupils,
        staff=staff,
        phase=phase,
        seed=seed,
        estab=estab,
        secret=secret or default_secret(estab, seed),
        academic_year=academic_year,
    )
    return {"relying_party": relying_party, "schools": [school]}


def most_common_subject(staff_id: str, groups: list[Row]) -> str:
    """The subject a teacher teaches most, from the teaching groups they are in."""
    counts = Counter(
        str(g.get("SubjectCode"))
        for g in groups
        if g.get("SubjectCode") and staff_id in str(g.get("StaffIds") or "").split(",")
    )
    return counts.most_common(1)[0][0] if counts else ""
