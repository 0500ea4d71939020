"""Which rows an endpoint answers and how options shape them (reference: "Data endpoints").

Each `select_*` takes the school's stored rows and the request's query and returns the
rows as XoD would send them: filtered by status, type, id..., reshaped by `options`, and
without the fields the school's scopes do not cover.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from misclient.fake.server.dataset import FakeSchool, Row
from misclient.fake.server.fieldscopes import hidden_fields, visible

STUDENT_PREFIX = "PL-"
STAFF_PREFIX = "PWT-"
GROUP_PREFIXES = {"YearGrp": "GY-", "RegGrp": "GR-", "HouseGrp": "GH-"}
TEACHING_GROUP_PREFIX = "GC-"


class BadQuery(ValueError):
    """A query parameter the fake (and presumably XoD) cannot use."""


@dataclass(frozen=True)
class Query:
    """A data request: lower-cased parameter names, options as a lower-cased set."""

    params: dict[str, str] = field(default_factory=dict)
    options: frozenset[str] = frozenset()
    item_id: str = ""

    @classmethod
    def parse(cls, query: dict[str, list[str]], item_id: str = "") -> Query:
        params = {name.lower(): values[-1] for name, values in query.items() if values}
        options = {
            option.strip().lower()
            for name, values in query.items()
            if name.lower() == "options"
            for value in values
            for option in value.split(",")
            if option.strip()
        }
        return cls(params, frozenset(options), item_id or params.get("id", ""))

    def has(self, option: str) -> bool:
        return option.lower() in self.options

    def param(self, name: str) -> str:
        return self.params.get(name.lower(), "")


def _csv(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _is_true(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true")


def _updated_since(rows: list[Row], since: str) -> list[Row]:
    if not since:
        return rows
    try:
        limit = datetime.fromisoformat(since.replace("Z", ""))
    except ValueError as exc:
        raise BadQuery(f"updatedSince is not a date: {since}") from exc
    return [r for r in rows if datetime.fromisoformat(str(r["LastUpdated"])) > limit]


def _common_filters(rows: list[Row], query: Query) -> list[Row]:
    if query.item_id:
        wanted = query.item_id.lower()
        rows = [
            r
            for r in rows
            if wanted in (str(r.get("Id")).lower(), str(r.get("ExternalId")).lower())
        ]
    return _updated_since(rows, query.param("updatedSince"))


def memberships(groups: list[Row], key: str) -> dict[str, list[str]]:
    """{person id: [group ids]} from the groups' `StudentIds` or `StaffIds` CSV."""
    index: dict[str, list[str]] = {}
    for group in groups:
        for person in _csv(group.get(key)):
            index.setdefault(person, []).append(str(group["Id"]))
    return index


def _with_group_ids(row: Row, group_ids: list[str], query: Query, prefixes: dict[str, str]) -> Row:
    row = {k: v for k, v in row.items() if k not in ("GroupIds", "GroupIdaasIds")}
    if query.has("includeGroupIds"):
        row["GroupIds"] = ",".join(group_ids)
    if query.has("includeGroupIdaasIds"):
        row["GroupIdaasIds"] = ",".join(
            prefixes.get(g, TEACHING_GROUP_PREFIX) + g for g in group_ids
        )
    return row


def _group_prefixes(school: FakeSchool) -> dict[str, str]:
    return {
        str(g["Id"]): GROUP_PREFIXES.get(str(g.get("Type")), TEACHING_GROUP_PREFIX)
        for g in school.groups
    }


def _shape(
    rows: Iterable[Row], school: FakeSchool, query: Query, endpoint: str, members_key: str
) -> list[Row]:
    index, prefixes = memberships(school.groups, members_key), _group_prefixes(school)
    hidden = hidden_fields(endpoint, school.scopes)
    shaped = (_with_group_ids(r, index.get(str(r["Id"]), []), query, prefixes) for r in rows)
    return [visible(row, hidden) for row in shaped]


def _statuses(query: Query, param: str, default: str, options: dict[str, str]) -> set[str]:
    """The statuses asked for: the `param` filter if given, else `default` plus those
    the `options` (option -> status) switch on; lower-cased."""
    if explicit := query.param(param):
        return {explicit.lower()}
    wanted = {default.lower()}
    return wanted | {status.lower() for option, status in options.items() if query.has(option)}


def select_students(school: FakeSchool, query: Query) -> list[Row]:
    """Students on roll; includeLeavers / includePreAdmissions, studentStatus, yearGroupId."""
    statuses = _statuses(
        query,
        "studentStatus",
        "OnRoll",
        {"includeLeavers": "Leaver", "includePreAdmissions": "PreAdmission"},
    )
    rows = [
        r for r in school.students if str(r.get("StudentStatus") or "OnRoll").lower() in statuses
    ]
    if year := query.param("yearGroupId"):
        rows = [r for r in rows if str(r.get("YearGroupId")) == year]
    return _shape(_common_filters(rows, query), school, query, "Students", "StudentIds")


def select_staff(school: FakeSchool, query: Query) -> list[Row]:
    """Current staff; includeFuture / includePrevious, staffStatus, teachersOnly."""
    statuses = _statuses(
        query, "staffStatus", "Current", {"includeFuture": "Future", "includePrevious": "Previous"}
    )
    rows = [r for r in school.staff if str(r.get("StaffStatus") or "Current").lower() in statuses]
    if query.has("teachersOnly"):
        rows = [r for r in rows if _is_true(r.get("IsTeacher"))]
    return _shape(_common_filters(rows, query), school, query, "Staff", "StaffIds")


_MEMBER_KEYS = ("StudentIds", "StaffIds")
_SUBJECT_KEYS = ("SubjectLocalId", "SubjectCode", "SubjectName")


def _group_view(group: Row, query: Query) -> Row:
    row = {k: v for k, v in group.items() if k not in _MEMBER_KEYS + _SUBJECT_KEYS}
    row.setdefault("NumStudents", len(_csv(group.get("StudentIds"))))
    if query.has("includeSubjects"):
        row.update({k: group.get(k) for k in _SUBJECT_KEYS if k in group})
    if query.has("includeMembersIds"):
        row.update({k: group.get(k) or "" for k in _MEMBER_KEYS})
    if query.has("includeMembersIdaasIds"):
        row["StudentIdaasIds"] = ",".join(STUDENT_PREFIX + i for i in _csv(group.get("StudentIds")))
        row["StaffIdaasIds"] = ",".join(STAFF_PREFIX + i for i in _csv(group.get("StaffIds")))
    return row


def select_groups(school: FakeSchool, query: Query) -> list[Row]:
    """Group rows; Type and Code filters; includeSubjects, includeMembersIds(/IdaasIds)."""
    rows = school.groups
    if kind := query.param("Type"):
        rows = [g for g in rows if str(g.get("Type", "")).lower() == kind.lower()]
    if code := query.param("Code"):
        rows = [g for g in rows if str(g.get("Code", "")) == code]
    return [_group_view(g, query) for g in _common_filters(rows, query)]


def group_members(school: FakeSchool, groups: list[Row], query: Query) -> dict[str, list[Row]]:
    """The StudentMembers / StaffMembers side sets for the given (answered) groups.

    As in Groupcall's catalogue, student memberships carry IdaaS prefixes and staff
    memberships plain MIS ids: the client must cope with both.
    """
    stored = {str(g["Id"]): g for g in school.groups}
    prefixes = _group_prefixes(school)
    students: list[Row] = []
    staff: list[Row] = []
    for group in groups:
        gid = str(group["Id"])
        prefix = prefixes.get(gid, TEACHING_GROUP_PREFIX)
        if query.has("includeStudentMembers"):
            students += [
                {
                    "Id": f"{prefix}{gid}.{STUDENT_PREFIX}{pupil}",
                    "GroupId": prefix + gid,
                    "StudentId": STUDENT_PREFIX + pupil,
                }
                for pupil in _csv(stored[gid].get("StudentIds"))
            ]
        if query.has("includeStaffMembers"):
            staff += [
                {"Id": f"{prefix}{gid}.{STAFF_PREFIX}{member}", "GroupId": gid, "StaffId": member}
                for member in _csv(stored[gid].get("StaffIds"))
            ]
    return {"StudentMembers": students, "StaffMembers": staff}


SELECTORS: dict[str, Callable[[FakeSchool, Query], list[Row]]] = {
    "SchoolInfo": lambda school, query: [school.school_info],
    "Students": select_students,
    "Staff": select_staff,
    "Groups": select_groups,
}
