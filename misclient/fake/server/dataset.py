"""The fake XoD server's dataset: one JSON document, written by hand or by the generator.

Shape (keys exactly as here; rows use the XoD field names of the reference):

    {"relying_party": "app.example.org",
     "partner_application_id": "...", "partner_management_secret": "...",
     "schools": [{"estab": "8231234", "secret": "...", "scopes": ["School", "Student", ...],
                  "authorisation_paused": false,
                  "SchoolInfo": {row}, "Students": [rows], "Staff": [rows],
                  "Groups": [rows, members in each group's StudentIds / StaffIds CSV],
                  "faults": [{"kind": "status", "status": 503, "count": 2}]}]}

`relying_party`, the partner keys, `secret`, `scopes`, `authorisation_paused`, the row
sets and `faults` are optional. Rows without `RowHash` or `LastUpdated` get them when
loaded. A school whose `secret` is null (or missing) has not authorised the app yet: every
token request for it is refused, as for a wrong secret, until it consents to an
invitation (see `FakeXodApp.consent`). The partner keys are the application id and
management secret the invitation API accepts (`fake_xod --partner-app-id/--partner-secret`
override them); without them every invitation is refused as unauthorised.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from misclient.fake.server.faults import Fault, FaultError, FaultQueue

Row = dict[str, Any]

# What a school grants when the dataset does not say: everything the sync can use.
DEFAULT_SCOPES = (
    "School",
    "Student",
    "StudentExtended",
    "UPN",
    "Staff",
    "StaffExtended",
    "StaffEmployment",
)
DEFAULT_LAST_UPDATED = "2026-09-01T02:00:00"
SCHOOL_KEYS = frozenset(
    {"estab", "secret", "scopes", "authorisation_paused", "faults"}
    | {"SchoolInfo", "Students", "Staff", "Groups"}
)


class DatasetError(ValueError):
    """The dataset document is not in the shape above; the message says where."""


def row_hash(row: Row) -> str:
    """A 40-hex RowHash of the row's content (RowHash and LastUpdated excluded)."""
    content = {k: v for k, v in row.items() if k not in ("RowHash", "LastUpdated")}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    # surrogatepass: a row may hold a lone surrogate, as real MIS data does.
    data = encoded.encode("utf-8", "surrogatepass")
    return hashlib.sha1(data, usedforsecurity=False).hexdigest().upper()


def complete_row(row: Row, last_updated: str = DEFAULT_LAST_UPDATED) -> Row:
    """A copy of the row with a string Id, and RowHash and LastUpdated if missing."""
    done = dict(row)
    if done.get("Id") is not None:
        done["Id"] = str(done["Id"])
    done.setdefault("LastUpdated", last_updated)
    if not done.get("RowHash"):
        done["RowHash"] = row_hash(done)
    return done


@dataclass
class FakeSchool:
    """One school's state in the fake server; mutable so tests can change it at run time."""

    estab: str
    secret: str | None  # None: the school has not authorised the app yet
    scopes: list[str] = field(default_factory=lambda: list(DEFAULT_SCOPES))
    authorisation_paused: bool = False
    school_info: Row = field(default_factory=dict)
    students: list[Row] = field(default_factory=list)
    staff: list[Row] = field(default_factory=list)
    groups: list[Row] = field(default_factory=list)
    faults: FaultQueue = field(default_factory=FaultQueue)

    def rows(self, set_name: str) -> list[Row]:
        """The stored rows of "Students", "Staff", "Groups" or "SchoolInfo"."""
        if set_name == "SchoolInfo":
            return [self.school_info]
        return {"Students": self.students, "Staff": self.staff, "Groups": self.groups}[set_name]

    def set_rows(self, set_name: str, rows: list[Row]) -> None:
        """Replace a set; RowHash is recomputed so changed rows show up in deltas."""
        completed = [{**complete_row(row), "RowHash": row_hash(row)} for row in rows]
        if set_name == "SchoolInfo":
            self.school_info = completed[0] if completed else {}
        else:
            setattr(self, set_name.lower(), completed)

    def to_dict(self) -> dict[str, Any]:
        """Back into the dataset shape (faults left out: they are run-time state)."""
        return {
            "estab": self.estab,
            "secret": self.secret,
            "scopes": list(self.scopes),
            "authorisation_paused": self.authorisation_paused,
            "SchoolInfo": self.school_info,
            "Students": self.students,
            "Staff": self.staff,
            "Groups": self.groups,
        }


@dataclass
class FakeDataset:
    relying_party: str = ""  # "" accepts any relying party
    partner_application_id: str = ""  # "": the invitation API refuses every request
    partner_management_secret: str = ""
    schools: dict[str, FakeSchool] = field(default_factory=dict)


def _rows(data: dict[str, Any], key: str, where: str) -> list[Row]:
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise DatasetError(f"{where}: {key} must be a list of objects")
    return [complete_row(row) for row in rows]


def _faults(data: dict[str, Any], where: str) -> FaultQueue:
    try:
        return FaultQueue([Fault.from_dict(item) for item in data.get("faults", [])])
    except (FaultError, AttributeError) as exc:
        raise DatasetError(f"{where}: faults: {exc}") from exc


def _school(data: Any, number: int) -> FakeSchool:
    where = f"schools[{number}]"
    if not isinstance(data, dict):
        raise DatasetError(f"{where} must be an object")
    if unknown := set(data) - SCHOOL_KEYS:
        raise DatasetError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(SCHOOL_KEYS)}"
        )
    if not str(data.get("estab", "")).strip():
        raise DatasetError(f"{where}: estab is required")
    secret = data.get("secret")
    if secret is not None and (not isinstance(secret, str) or not secret):
        raise DatasetError(f"{where}: secret must be text, or null for a school not yet authorised")
    info = data.get("SchoolInfo") or {}
    if not isinstance(info, dict):
        raise DatasetError(f"{where}: SchoolInfo must be one object (a row)")
    estab = str(data["estab"]).strip()
    return FakeSchool(
        estab=estab,
        secret=secret,
        scopes=[str(scope) for scope in data.get("scopes", DEFAULT_SCOPES)],
        authorisation_paused=bool(data.get("authorisation_paused", False)),
        school_info=complete_row({"Id": "1", "EstabId": estab, **info}),
        students=_rows(data, "Students", where),
        staff=_rows(data, "Staff", where),
        groups=_rows(data, "Groups", where),
        faults=_faults(data, where),
    )


def load_dataset(source: dict[str, Any] | str | Path) -> FakeDataset:
    """A dataset from its JSON document (a dict, or the path of a .json file).

    The document is copied, never changed. Raises DatasetError if it is not in shape.
    """
    if not isinstance(source, dict):
        try:
            source = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DatasetError(f"cannot read the dataset {source}: {exc}") from exc
    if not isinstance(source, dict) or not isinstance(source.get("schools"), list):
        raise DatasetError('the dataset must be an object with a "schools" list')
    schools = [_school(data, number) for number, data in enumerate(source["schools"])]
    by_estab = {school.estab: school for school in schools}
    if len(by_estab) != len(schools):
        raise DatasetError("two schools have the same estab")
    return FakeDataset(
        relying_party=str(source.get("relying_party") or ""),
        partner_application_id=str(source.get("partner_application_id") or ""),
        partner_management_secret=str(source.get("partner_management_secret") or ""),
        schools=by_estab,
    )
