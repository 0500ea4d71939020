"""Year, registration, teaching and house groups of a generated school, as XoD Group rows.

Shared by the generator and the rollover: given where each pupil sits this year (year
and form) and who teaches, it names and fills the groups the way an English school's MIS
does ("Year  4", "4ES", "9X1/Ma").
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from anyascii import anyascii

from misclient.fake.server.dataset import Row

PRIMARY_YEARS = ("N1", "N2", "R", "1", "2", "3", "4", "5", "6")
SECONDARY_YEARS = ("7", "8", "9", "10", "11", "12", "13")
FORM_SIZE = 30
FORM_LETTERS = "ABCDEFGHJKLMNPRSTW"
HOUSES = ("Brunel", "Curie", "Darwin", "Seacole")
CORE = (("Ma", "Mathematics"), ("En", "English"), ("Sc", "Science"))
KS3_FOUNDATION = (
    *(("Fr", "French"), ("Hi", "History"), ("Gg", "Geography"), ("Ar", "Art")),
    *(("PE", "Physical Education"), ("Co", "Computing"), ("Mu", "Music")),
    ("RE", "Religious Education"),
)
KS4_FOUNDATION = KS3_FOUNDATION[:3] + (("PE", "Physical Education"), ("RE", "Religious Education"))
A_LEVELS = (
    *(("Ma", "Mathematics"), ("Bi", "Biology"), ("Ch", "Chemistry"), ("Ph", "Physics")),
    *(("EL", "English Literature"), ("Hi", "History"), ("Ps", "Psychology")),
    *(("Ec", "Economics"), ("Ar", "Art")),
)
SUBJECT_NAMES = dict(CORE + KS3_FOUNDATION + A_LEVELS)


def year_group_name(code: str) -> str:
    """The MIS's name for an NC year, padded as SIMS pads it: "Year  4", "Year 10"."""
    special = {"N1": "Nursery 1", "N2": "Nursery 2", "R": "Reception"}
    return special.get(code) or f"Year {int(code):>2}"


def stable_number(*parts: str) -> int:
    """A number fixed by `parts`, for choices that must not move when other data does."""
    return int(hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:8], 16)


def initials(forename: str, surname: str) -> str:
    letters = [anyascii(word)[:1].upper() for word in (forename, surname.split()[-1])]
    return "".join(letters)


@dataclass(frozen=True)
class Place:
    """Where a pupil on roll sits this year; `form` None: no registration group."""

    pupil_id: str
    year: str
    form: int | None


@dataclass(frozen=True)
class Teacher:
    staff_id: str
    code: str
    initials: str
    subject: str = ""  # "" in primaries


class GroupIds:
    """Ids (and ExternalIds) for groups by a stable key: a key seen before keeps its id,
    except that a `change_share` of reused teaching groups get a new one (a class
    re-created for the new year); new keys get new numbers from `next_id`."""

    def __init__(self, rng: random.Random, next_id: int, previous: dict[str, Row] | None = None):
        self.rng = rng
        self.next_id = next_id
        self.previous = previous or {}

    def get(self, key: str, change_share: float = 0.0) -> tuple[str, str]:
        old = self.previous.get(key)
        if old and self.rng.random() >= change_share:
            return str(old["Id"]), str(old.get("ExternalId") or "")
        self.next_id += 1
        return str(self.next_id), str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


@dataclass
class BuiltGroups:
    rows: list[Row] = field(default_factory=list)
    reg_group: dict[str, tuple[str, str]] = field(default_factory=dict)  # pupil -> (id, name)
    year_group: dict[str, str] = field(default_factory=dict)  # NC year -> group id
    house: dict[str, tuple[str, str]] = field(default_factory=dict)  # pupil -> (id, name)
    tutor_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def xid(key: str) -> str:
    return "x" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:6].upper()


def _row(
    ids: tuple[str, str],
    kind: str,
    code: str,
    name: str,
    pupils: Iterable[str],
    staff: list[Teacher],
) -> Row:
    prefix = {"YearGrp": "GY-", "RegGrp": "GR-", "HouseGrp": "GH-"}.get(kind, "GC-")
    pupil_ids = list(pupils)
    return {
        "Id": ids[0],
        "XID": xid(f"group{ids[0]}"),
        "ExternalId": ids[1],
        "IdaasId": prefix + ids[0],
        "Type": kind,
        "Code": code,
        "Name": name,
        "PrimaryStaffId": staff[0].staff_id if staff else None,
        "Staff": ",".join(t.code for t in staff) or None,
        "NumStudents": len(pupil_ids),
        "StudentIds": ",".join(pupil_ids),
        "StaffIds": ",".join(t.staff_id for t in staff),
    }


def _chunks(items: list[str], size: int) -> list[list[str]]:
    count = max(1, math.ceil(len(items) / size))
    per = math.ceil(len(items) / count)
    return [items[i : i + per] for i in range(0, len(items), per)] if items else []


def _form_name(phase: str, year: str, form: int, tutor: Teacher | None) -> str:
    if year in ("N1", "N2") and form < 2:
        return f"{year} {('AM', 'PM')[form]}"
    if phase == "primary" and tutor:
        return f"{year}{tutor.initials}"
    return f"{year}{FORM_LETTERS[form % len(FORM_LETTERS)]}"


class _Builder:
    def __init__(
        self, phase: str, places: list[Place], teachers: list[Teacher], ids: GroupIds, year: int
    ):
        self.phase, self.ids, self.academic_year = phase, ids, year
        self.teachers = teachers
        self.by_year: dict[str, list[Place]] = defaultdict(list)
        for place in places:
            self.by_year[place.year].append(place)
        self.out = BuiltGroups()
        self._teacher_turn: dict[str, int] = defaultdict(int)

    def next_teacher(self, subject: str = "") -> Teacher | None:
        pool = [t for t in self.teachers if subject and t.subject == subject] or self.teachers
        if not pool:
            return None
        turn = self._teacher_turn[subject]
        self._teacher_turn[subject] += 1
        return pool[turn % len(pool)]

    def add(
        self,
        key: str,
        kind: str,
        code: str,
        name: str,
        pupils: list[str],
        staff: list[Teacher],
        share: float = 0.0,
    ) -> str:
        row = _row(self.ids.get(key, share), kind, code, name, pupils, staff)
        self.out.rows.append(row)
        return str(row["Id"])

    def year_groups(self, years: tuple[str, ...]) -> None:
        # XoD answers only groups that have members, so empty years have no group.
        for code in (year for year in years if self.by_year.get(year)):
            pupils = [p.pupil_id for p in self.by_year[code]]
            gid = self.add(f"year:{code}", "YearGrp", code, year_group_name(code), pupils, [])
            self.out.year_group[code] = gid

    def forms(self, years: tuple[str, ...]) -> None:
        for year in years:
            by_form: dict[int, list[str]] = defaultdict(list)
            for place in self.by_year.get(year, []):
                if place.form is not None:
                    by_form[place.form].append(place.pupil_id)
            used: set[str] = set()
            for form in sorted(by_form):
                tutor = self.next_teacher()
                name = _form_name(self.phase, year, form, tutor)
                name = name if name not in used else f"{name}{len(used) + 1}"
                used.add(name)
                gid = self.add(
                    f"reg:{self.academic_year}:{name}",
                    "RegGrp",
                    name,
                    name,
                    by_form[form],
                    [tutor] if tutor else [],
                )
                self.out.reg_group.update(dict.fromkeys(by_form[form], (gid, name)))
                if tutor:
                    self.out.tutor_of[tutor.staff_id].append(name)

    def teaching(self, share: float) -> None:
        for year, places in self.by_year.items():
            if year in ("12", "13"):
                self._sixth_form(year, places, share)
            elif year in SECONDARY_YEARS:
                self._main_school(year, places, share)

    def _main_school(self, year: str, places: list[Place], share: float) -> None:
        forms = sorted({p.form for p in places if p.form is not None})
        half = forms[: max(1, len(forms) // 2)]
        bands = {"X": [p.pupil_id for p in places if p.form in half]}
        bands["Y"] = [p.pupil_id for p in places if p.pupil_id not in set(bands["X"])]
        for code, _ in CORE:
            for band, pupils in bands.items():
                ranked = sorted(pupils, key=lambda pid: stable_number(pid, code))
                for number, members in enumerate(_chunks(ranked, FORM_SIZE), start=1):
                    self._class(f"{year}{band}{number}/{code}", code, members, share)
        foundation = KS3_FOUNDATION if int(year) <= 9 else KS4_FOUNDATION
        for form in forms:
            members = [p.pupil_id for p in places if p.form == form]
            letter = FORM_LETTERS[form % len(FORM_LETTERS)]
            for code, _ in foundation:
                self._class(f"{year}{letter}/{code}", code, members, share)

    def _sixth_form(self, year: str, places: list[Place], share: float) -> None:
        taking: dict[str, list[str]] = defaultdict(list)
        for place in places:
            chosen = sorted(A_LEVELS, key=lambda s: stable_number(place.pupil_id, s[0]))[:3]
            for code, _ in chosen:
                taking[code].append(place.pupil_id)
        for code, _ in A_LEVELS:
            for number, members in enumerate(_chunks(taking[code], 20)):
                self._class(f"{year}{FORM_LETTERS[number]}/{code}", code, members, share)

    def _class(self, name: str, subject: str, pupils: list[str], share: float) -> None:
        teacher = self.next_teacher(subject)
        self.add(
            f"class:{name}", "TeachingGrp", name, name, pupils, [teacher] if teacher else [], share
        )
        self.out.rows[-1].update(
            SubjectLocalId=str(100 + sorted(SUBJECT_NAMES).index(subject)),
            SubjectCode=subject,
            SubjectName=SUBJECT_NAMES[subject],
        )

    def houses(self, places: list[Place]) -> None:
        members: dict[str, list[str]] = defaultdict(list)
        for place in places:
            members[HOUSES[stable_number(place.pupil_id, "house") % len(HOUSES)]].append(
                place.pupil_id
            )
        for house in (name for name in HOUSES if members[name]):
            gid = self.add(
                f"house:{house}", "HouseGrp", house[:2].upper(), house, members[house], []
            )
            self.out.house.update(dict.fromkeys(members[house], (gid, house)))


def build_groups(
    *,
    phase: str,
    places: list[Place],
    teachers: list[Teacher],
    ids: GroupIds,
    academic_year: int,
    class_id_change_share: float = 0.0,
) -> BuiltGroups:
    """Every group of the school for this year, with members.

    Registration groups are keyed by academic year, so each new year gets new ones (new
    ids); teaching groups keep their id by name, but for `class_id_change_share` of them.
    """
    builder = _Builder(phase, places, teachers, ids, academic_year)
    years = PRIMARY_YEARS if phase == "primary" else SECONDARY_YEARS
    builder.year_groups(years)
    builder.forms(years)
    if phase == "secondary":
        builder.teaching(class_id_change_share)
        builder.houses(places)
    return builder.out
