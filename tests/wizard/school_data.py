"""Small hand-built schools in XoD's own row shapes, for the fake server."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.management import call_command

RELYING_PARTY = "tests.mis-sync.example"
ESTAB = "8231234"
SECRET = "test-secret-1"


def pupil(
    mis_id: str,
    forename: str,
    surname: str,
    year: int | str = 4,
    reg: str | None = "4ES",
    **extra: Any,
) -> dict[str, Any]:
    year_name = f"Year  {year}" if isinstance(year, int) else year
    row = {
        "Id": mis_id,
        "ExternalId": f"ext-{mis_id}",
        "Forename": forename,
        "Surname": surname,
        "LegalForename": forename,
        "LegalSurname": surname,
        "YearGroup": year_name,
        "DateofBirth": "2016-09-01T00:00:00",
        "StudentStatus": "OnRoll",
    }
    if reg:
        row |= {"RegGroup": reg, "RegGroupId": f"RG-{reg}"}
    return row | extra


def staff(
    mis_id: str,
    forename: str,
    surname: str,
    email: str | None = "",
    teacher: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    address = f"{forename[0]}{surname}@school.example".lower() if email == "" else email
    row = {
        "Id": mis_id,
        "ExternalId": f"ext-staff-{mis_id}",
        "Forename": forename,
        "Surname": surname,
        "Title": "Ms",
        "StaffCode": f"{forename[0]}{surname[0]}",
        "IsTeacher": int(teacher),
        "IsSupport": int(not teacher),
        "StaffStatus": "Current",
    }
    if address:
        row["WorkEmail"] = address
    return row | extra


@dataclass
class SchoolData:
    pupils: list[dict[str, Any]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)
    tutors: dict[str, str] = field(default_factory=dict)  # reg group -> staff mis id

    def groups(self) -> list[dict[str, Any]]:
        by_reg: dict[str, list[str]] = {}
        for row in self.pupils:
            if row.get("RegGroup"):
                by_reg.setdefault(row["RegGroup"], []).append(row["Id"])
        return [
            {
                "Id": f"RG-{name}",
                "Type": "RegGrp",
                "Code": name,
                "Name": name,
                "StudentIds": ",".join(ids),
                "StaffIds": self.tutors.get(name, ""),
            }
            for name, ids in sorted(by_reg.items())
        ]

    def school(self) -> dict[str, Any]:
        return {
            "estab": ESTAB,
            "secret": SECRET,
            "SchoolInfo": {
                "Name": "Test Primary School",
                "Phase": "Primary",
                "CurrentAcademicYear": "2026",
            },
            "Students": self.pupils,
            "Staff": self.staff,
            "Groups": self.groups(),
        }

    def dataset(self) -> dict[str, Any]:
        return {"relying_party": RELYING_PARTY, "schools": [self.school()]}


def small_school() -> SchoolData:
    """Two classes, twins, a teacher per class."""
    return SchoolData(
        pupils=[
            pupil("101", "John", "Smith", 4, "4ES"),
            pupil("102", "Jack", "Smith", 4, "4ES"),  # twin: JackS
            pupil("103", "John", "Smith", 4, "4ES", UPN="B801200005001"),  # another John Smith
            pupil("104", "Zoë", "O'Brien", 4, "4ES"),
            pupil("105", "Łukasz", "Nowak-Kowalski", 3, "3AB"),
            pupil("106", "Amira", "Haddad", 3, "3AB"),
        ],
        staff=[staff("201", "Emma", "Stone"), staff("202", "Alan", "Baker")],
        tutors={"4ES": "201", "3AB": "202"},
    )


def mis_sync(*args: str) -> dict[str, Any]:
    """Runs `mis_sync --json` for the test school and returns its JSON object."""
    out = io.StringIO()
    call_command("mis_sync", "--estab", ESTAB, "--json", *args, stdout=out)
    return json.loads(out.getvalue())
