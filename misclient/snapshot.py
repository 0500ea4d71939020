"""The immutable picture of one school's MIS at one moment.

Only what logins and classes need is kept, that is what the planner reads: names, ids,
UPN, year and groups, staff work email and whether they teach. Sync runs store the
snapshot, so every field here is data the project keeps: legal names, staff titles, codes
and roles, and sensitive fields a feed may send (SEN, FSM, ethnicity, address,
medical...) never reach these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Any

# The source name of snapshots read through Groupcall XoD (accounts keep it as mis_source).
SOURCE_XOD = "xod"

GROUP_REGISTRATION = "registration"
GROUP_TEACHING = "teaching"
GROUP_YEAR = "year"
GROUP_HOUSE = "house"
GROUP_OTHER = "other"


@dataclass(frozen=True)
class MisSchool:
    estab: str


@dataclass(frozen=True)
class MisPupil:
    """A pupil on roll. `forename`/`surname` are the preferred names."""

    mis_id: str
    external_id: str = ""
    upn: str = ""
    former_upn: str = ""
    forename: str = ""
    surname: str = ""
    year_group: str = ""  # the MIS's own name, whitespace collapsed: "Year 4", "Y6", "Reception"
    registration_group: str = ""  # "4ES"
    registration_group_id: str = ""
    group_ids: tuple[str, ...] = ()
    status: str = ""  # "OnRoll", "Leaver", "PreAdmission"


@dataclass(frozen=True)
class MisStaff:
    mis_id: str
    external_id: str = ""
    forename: str = ""
    surname: str = ""
    email: str = ""  # work email only
    is_teacher: bool = False
    status: str = ""  # "Current", "Future", "Previous"


@dataclass(frozen=True)
class MisGroup:
    """A class or grouping. `kind` is one of the GROUP_* constants."""

    mis_id: str
    kind: str
    name: str
    code: str = ""
    subject_code: str = ""
    subject_name: str = ""
    pupil_ids: tuple[str, ...] = ()  # MIS ids of pupils, prefixes such as "PL-" stripped
    staff_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParseProblem:
    """A row the client could not use, said in words for the summary page."""

    endpoint: str
    reason: str
    row_number: int = 0
    mis_id: str = ""


@dataclass(frozen=True)
class MisSnapshot:
    school: MisSchool
    pupils: tuple[MisPupil, ...] = ()
    staff: tuple[MisStaff, ...] = ()
    groups: tuple[MisGroup, ...] = ()
    fetched_at: datetime | None = None
    source: str = SOURCE_XOD
    problems: tuple[ParseProblem, ...] = ()
    # Scopes the school has not granted, so fields the sync would like are absent.
    missing_scopes: tuple[str, ...] = field(default=())

    def memberships(self) -> list[tuple[str, str, str]]:
        """(group mis id, person mis id, "pupil" or "staff") for every member of every group."""
        rows = []
        for group in self.groups:
            rows += [(group.mis_id, pupil_id, "pupil") for pupil_id in group.pupil_ids]
            rows += [(group.mis_id, staff_id, "staff") for staff_id in group.staff_ids]
        return rows


@cache
def _names(cls: Any) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def _row(item: Any) -> dict[str, Any]:
    """A record's fields (text, numbers, tuples of text) as a dict; quicker than asdict,
    which deep-copies every value, for thousands of records."""
    kind: Any = type(item)
    return {name: getattr(item, name) for name in _names(kind)}


def snapshot_to_dict(snapshot: MisSnapshot) -> dict[str, Any]:
    """A JSON-ready dict (for a JSONField on a sync run)."""
    return {
        "school": _row(snapshot.school),
        "pupils": [_row(pupil) for pupil in snapshot.pupils],
        "staff": [_row(member) for member in snapshot.staff],
        "groups": [_row(group) for group in snapshot.groups],
        "fetched_at": snapshot.fetched_at.isoformat() if snapshot.fetched_at else None,
        "source": snapshot.source,
        "problems": [_row(problem) for problem in snapshot.problems],
        "missing_scopes": list(snapshot.missing_scopes),
    }


def _build(cls: Any, data: dict[str, Any]) -> Any:
    known = _names(cls)
    kwargs = {}
    for name, value in data.items():
        if name not in known:
            continue
        kwargs[name] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


def snapshot_from_dict(data: dict[str, Any]) -> MisSnapshot:
    """The inverse of `snapshot_to_dict`; unknown keys (fields older snapshots kept) are
    ignored."""
    fetched_at = data.get("fetched_at")
    return MisSnapshot(
        school=_build(MisSchool, data["school"]),
        pupils=tuple(_build(MisPupil, row) for row in data.get("pupils", [])),
        staff=tuple(_build(MisStaff, row) for row in data.get("staff", [])),
        groups=tuple(_build(MisGroup, row) for row in data.get("groups", [])),
        fetched_at=datetime.fromisoformat(fetched_at) if fetched_at else None,
        source=data.get("source", SOURCE_XOD),
        problems=tuple(_build(ParseProblem, row) for row in data.get("problems", [])),
        missing_scopes=tuple(data.get("missing_scopes", ())),
    )
