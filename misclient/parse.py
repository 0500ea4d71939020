"""XoD rows -> snapshot types (reference: "Rows").

Tolerant where MIS data varies: every field is optional, key names are matched
case-insensitively, ids may be numbers or strings, flags 0/1 or booleans, names carry MIS
padding ("Year  4"), and member ids may carry an IdaaS prefix ("PL-3116"). Strict where
a guess would be harmful: a row without an `Id` is reported as a ParseProblem and never
matched by name.

Only the fields listed on the snapshot types are read; everything else in a row
(SEN, FSM, ethnicity, address, medical...) is never copied.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from misclient.envelope import Row, lower_keys
from misclient.snapshot import (
    GROUP_HOUSE,
    GROUP_OTHER,
    GROUP_REGISTRATION,
    GROUP_TEACHING,
    GROUP_YEAR,
    SOURCE_XOD,
    MisGroup,
    MisPupil,
    MisSchool,
    MisSnapshot,
    MisStaff,
    ParseProblem,
)

NO_ID = "The record has no Id, so it cannot be matched to an account."
NOT_A_RECORD = "The record is not a set of named fields."

GROUP_KINDS = {
    "reggrp": GROUP_REGISTRATION,
    "registration": GROUP_REGISTRATION,
    "teachinggrp": GROUP_TEACHING,
    "teaching": GROUP_TEACHING,
    "yeargrp": GROUP_YEAR,
    "year": GROUP_YEAR,
    "housegrp": GROUP_HOUSE,
    "house": GROUP_HOUSE,
}

_IDAAS_PREFIX = re.compile(r"^[A-Za-z]{1,5}-(?=\S)")
_TRUE = frozenset({"1", "true", "t", "yes", "y"})


# What one bad character must not do: stop the school's sync, or change what is shown.
# Control characters (NUL above all, which PostgreSQL cannot store in text or JSON) are
# never meaningful in a name or an id: they become spaces. A lone UTF-16 surrogate (half
# an emoji cut off by the MIS, valid in JSON as "\ud83d") cannot be encoded as UTF-8, so
# PostgreSQL refuses the whole save: it is dropped. Bidirectional embedding, override and
# isolate controls would reverse the text shown after a name: they are dropped too.
_CONTROL = dict.fromkeys(range(32), " ") | {127: " "}
_SURROGATES = dict.fromkeys(range(0xD800, 0xE000))
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_CLEAN = _CONTROL | _SURROGATES | _BIDI_CONTROLS


def text(value: Any) -> str:
    """A field as trimmed text: None -> "", 3116 -> "3116", True -> "1"; control
    characters become spaces; lone surrogates and bidirectional controls are dropped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).translate(_CLEAN).strip()


def has_visible_letter(value: str) -> bool:
    """True if `value` shows at least one letter. Format characters (zero-width space and
    joiners, Cf) and combining marks (accents on nothing, M*) are not letters, so a name
    made only of them shows nothing and counts as empty."""
    return any(unicodedata.category(char).startswith("L") for char in value)


def name(value: Any) -> str:
    """Text with runs of whitespace collapsed: "Year  4" -> "Year 4"."""
    return " ".join(text(value).split())


def flag(value: Any) -> bool:
    """A 0/1, "0"/"1", true/false or yes/no field as a bool; anything else is False."""
    return text(value).lower() in _TRUE


def csv(value: Any) -> tuple[str, ...]:
    """A comma-separated field (or a JSON list) as a tuple of non-empty trimmed items."""
    items = value if isinstance(value, list) else text(value).split(",")
    return tuple(item for item in (name(part) for part in items) if item)


def member_id(value: Any, known: frozenset[str] | None = None) -> str:
    """A reference to a person or group with its IdaaS prefix stripped ("PL-3116" ->
    "3116"), unless `known` (the ids in the feed) holds the reference as it is: an id
    such as "RG-4ES" is kept whole when a group has exactly that id."""
    raw = text(value)
    if known is not None and raw in known:
        return raw
    return _IDAAS_PREFIX.sub("", raw)


@dataclass(frozen=True)
class KnownIds:
    """The ids of the feed's pupils, staff and groups (None: not known)."""

    pupils: frozenset[str] | None = None
    staff: frozenset[str] | None = None
    groups: frozenset[str] | None = None


def ids_of(rows: Sequence[Any]) -> frozenset[str]:
    """The Ids of the rows that are records."""
    return frozenset(text(lower_keys(r).get("id")) for r in rows if isinstance(r, dict))


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _records(
    endpoint: str, rows: Sequence[Any]
) -> tuple[list[tuple[int, Row]], list[ParseProblem]]:
    """The rows that have an Id, lower-cased and numbered from 1, and a problem per other row."""
    good: list[tuple[int, Row]] = []
    problems: list[ParseProblem] = []
    for number, row in enumerate(rows, start=1):
        low = lower_keys(row) if isinstance(row, dict) else None
        if low is None:
            problems.append(ParseProblem(endpoint, NOT_A_RECORD, row_number=number))
        elif not text(low.get("id")):
            problems.append(ParseProblem(endpoint, NO_ID, row_number=number))
        else:
            good.append((number, low))
    return good, problems


def parse_school(rows: Sequence[Any], estab: str) -> MisSchool:
    """The first SchoolInfo row's EstabId; `estab` when it has none."""
    row = lower_keys(rows[0]) if rows and isinstance(rows[0], dict) else {}
    return MisSchool(estab=text(row.get("estabid")) or estab)


def _pupil(row: Row, groups: frozenset[str] | None) -> MisPupil:
    return MisPupil(
        mis_id=text(row.get("id")),
        external_id=text(row.get("externalid")),
        upn=text(row.get("upn")).upper(),
        former_upn=text(row.get("formerupn")).upper(),
        forename=name(row.get("forename")),
        surname=name(row.get("surname")),
        year_group=name(row.get("yeargroup")),
        registration_group=name(row.get("reggroup")),
        registration_group_id=text(row.get("reggroupid")),
        group_ids=_unique(
            member_id(g, groups) for g in csv(row.get("groupids") or row.get("groupidaasids"))
        ),
        status=name(row.get("studentstatus")),
    )


def parse_pupils(
    rows: Sequence[Any], known: KnownIds = KnownIds()
) -> tuple[list[MisPupil], list[ParseProblem]]:
    """Students rows -> pupils, and a problem for each row that cannot be used."""
    records, problems = _records("Students", rows)
    return [_pupil(row, known.groups) for _, row in records], problems


def _staff(row: Row) -> MisStaff:
    return MisStaff(
        mis_id=text(row.get("id")),
        external_id=text(row.get("externalid")),
        forename=name(row.get("forename")),
        surname=name(row.get("surname")),
        # IdaasEmail is the address Groupcall provisioned at work; HomeEmail is never read.
        email=text(row.get("workemail")) or text(row.get("idaasemail")),
        is_teacher=flag(row.get("isteacher")),
        status=name(row.get("staffstatus")),
    )


def parse_staff(rows: Sequence[Any]) -> tuple[list[MisStaff], list[ParseProblem]]:
    """Staff rows -> staff, and a problem for each row that cannot be used."""
    records, problems = _records("Staff", rows)
    return [_staff(row) for _, row in records], problems


def _members_by_group(
    rows: Sequence[Any],
    person_key: str,
    people: frozenset[str] | None,
    groups: frozenset[str] | None,
) -> dict[str, list[str]]:
    """StudentMembers/StaffMembers side-set rows -> {group id: [person ids]}."""
    members: dict[str, list[str]] = {}
    for row in rows:
        if isinstance(row, dict):
            low = lower_keys(row)
            group_id = member_id(low.get("groupid"), groups)
            person = member_id(low.get(person_key), people)
            if group_id and person:
                members.setdefault(group_id, []).append(person)
    return members


def _group(
    row: Row, pupils: dict[str, list[str]], staff: dict[str, list[str]], known: KnownIds
) -> MisGroup:
    mis_id = text(row.get("id"))
    return MisGroup(
        mis_id=mis_id,
        kind=GROUP_KINDS.get(text(row.get("type")).lower(), GROUP_OTHER),
        name=name(row.get("name")) or name(row.get("code")),
        code=name(row.get("code")),
        subject_code=name(row.get("subjectcode")),
        subject_name=name(row.get("subjectname")),
        pupil_ids=_unique(
            [member_id(i, known.pupils) for i in csv(row.get("studentids"))]
            + pupils.get(mis_id, [])
        ),
        staff_ids=_unique(
            [member_id(row.get("primarystaffid"), known.staff)]
            + [member_id(i, known.staff) for i in csv(row.get("staffids"))]
            + staff.get(mis_id, [])
        ),
    )


def parse_groups(
    rows: Sequence[Any],
    student_members: Sequence[Any] = (),
    staff_members: Sequence[Any] = (),
    known: KnownIds = KnownIds(),
) -> tuple[list[MisGroup], list[ParseProblem]]:
    """Group rows (plus the optional membership side sets) -> groups with their members."""
    records, problems = _records("Groups", rows)
    groups = known.groups if known.groups is not None else ids_of(rows)
    pupils = _members_by_group(student_members, "studentid", known.pupils, groups)
    staff = _members_by_group(staff_members, "staffid", known.staff, groups)
    return [_group(row, pupils, staff, known) for _, row in records], problems


def _with_group_ids(pupils: list[MisPupil], groups: list[MisGroup]) -> list[MisPupil]:
    """Each pupil's group_ids completed from the groups' member lists: the two sources
    are asked for separately (includeGroupIds, includeMembersIds) and either may be off."""
    by_pupil: dict[str, list[str]] = {}
    for group in groups:
        for pupil_id in group.pupil_ids:
            by_pupil.setdefault(pupil_id, []).append(group.mis_id)
    return [
        replace(p, group_ids=_unique([*p.group_ids, *by_pupil.get(p.mis_id, [])])) for p in pupils
    ]


def build_snapshot(
    *,
    estab: str,
    school_info: Sequence[Any] = (),
    students: Sequence[Any] = (),
    staff: Sequence[Any] = (),
    groups: Sequence[Any] = (),
    student_members: Sequence[Any] = (),
    staff_members: Sequence[Any] = (),
    fetched_at: datetime | None = None,
    missing_scopes: tuple[str, ...] = (),
) -> MisSnapshot:
    """One snapshot from the raw rows of SchoolInfo, Students, Staff and Groups.

    Never raises for bad rows: each becomes a ParseProblem and the rest are kept.
    """
    known = KnownIds(ids_of(students), ids_of(staff), ids_of(groups))
    pupil_list, pupil_problems = parse_pupils(students, known)
    staff_list, staff_problems = parse_staff(staff)
    group_list, group_problems = parse_groups(groups, student_members, staff_members, known)
    return MisSnapshot(
        school=parse_school(school_info, estab),
        pupils=tuple(_with_group_ids(pupil_list, group_list)),
        staff=tuple(staff_list),
        groups=tuple(group_list),
        fetched_at=fetched_at,
        source=SOURCE_XOD,
        problems=(*pupil_problems, *staff_problems, *group_problems),
        missing_scopes=missing_scopes,
    )
