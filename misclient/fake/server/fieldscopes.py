"""Which scope each field needs, from Groupcall's own catalogue (`GET /api/v1/Queries`,
"Fields by Scope"), so the fake omits fields the school has not granted.

A field not listed here needs only its endpoint's own scope (ENDPOINT_SCOPES).
"""

from __future__ import annotations

from collections.abc import Iterable

from misclient.fake.server.dataset import Row

# A few of Groupcall's scope definitions (GET /api/v1/Scopes), those this app deals with.
SCOPE_DEFINITIONS = [
    {"Name": name, "Category": category, "Description": description}
    for name, category, description in (
        ("School", "School", "Groups, timetable and other structure of the school"),
        ("SchoolLite", "School", "Groups and head teacher contact details"),
        ("Student", "Students", "Basic pupil details: names, groups, enrolment"),
        ("StudentLite", "Students", "Basic pupil details without enrolment details"),
        ("StudentExtended", "Students", "Legal names, date of birth, entry and leaving dates"),
        ("UPN", "Students", "Unique pupil numbers"),
        ("Staff", "Staff", "Basic staff details: names and work contact details"),
        ("StaffLite", "Staff", "Basic staff details"),
        ("StaffExtended", "Staff", "Legal names, gender and date of birth of staff"),
        ("StaffEmployment", "Staff", "Roles and employment dates of staff"),
        ("Contact", "Contacts", "Pupils' parental contacts"),
        ("Photos", "Students,Staff", "Photos of pupils and staff"),
    )
]


ENDPOINT_SCOPES = {
    "SchoolInfo": ("School", "SchoolLite"),
    "Groups": ("School", "SchoolLite"),
    "Students": ("Student", "StudentLite"),
    "Staff": ("Staff", "StaffLite"),
}


def _each(scopes: tuple[str, ...], *names: str) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(names, scopes)


_ADDRESS = (
    *("AddressBlock", "HouseNo", "HouseName", "Apartment", "Street", "District"),
    *("TownOrCity", "County", "PostCode", "Country"),
)

STUDENT_FIELDS: dict[str, tuple[str, ...]] = {
    **_each(("Student",), "AdmissionNo", "LeavingYearGroup", "LeavingRegGroup"),
    **_each(("Student",), "PreAdmissionYearGroup", "PreAdmissionRegGroup"),
    **_each(
        ("StudentExtended",),
        *("DateofBirth", "DateOfBirth", "UniqueLearnerNumber", "LegalForename"),
        *("LegalSurname", "EntryDate", "LeavingDate", "Destination", "DestinationStartDate"),
        *("ReasonForLeaving", "SifExitCode", "MiddleName", "EnrolmentStatus", "Boarder"),
    ),
    **_each(("SEN", "SENTypes"), "SENProvision"),
    **_each(("StudentDemographic", "StudentFunding"), "EAL"),
    **_each(
        ("StudentDemographic",),
        *("ReligionCode", "Religion", "EthnicityCode", "Ethnicity", "EthnicitySource"),
        *("HomeLanguage", "HomeLanguageCode", "FirstLanguage", "FirstLanguageCode"),
        *("FirstLanguageSource", "EnglishProficiencyLevel", "NationalIdentity"),
        *("Nationality", "AsylumStatus", "ModeOfTravel", "IsTraveller", "TravellerSource"),
    ),
    **_each(
        ("StudentFunding",),
        *("FSMEligible", "FsmEligible", "FsmEndDate", "UniformAllowance", "PupilPremium"),
        *("YSSA", "FSMEver6", "Gifted"),
    ),
    **_each(
        ("StudentFamily",),
        *("InLeaCare", "LeaCareAuthority", "EverInCare", "ServiceChild"),
        *("ServiceChildSource", "IsYoungCarer"),
    ),
    **_each(("UPN",), "UPN", "FormerUPN"),
    **_each(("Address",), "ParentalSalutation", *_ADDRESS),
    **_each(("StudentFreeText",), "QuickNote"),
    **_each(("School",), "GroupIds", "GroupIdaasIds"),
}

STAFF_FIELDS: dict[str, tuple[str, ...]] = {
    **_each(("School",), "RegGroup", "GroupIds", "GroupIdaasIds"),
    **_each(
        ("StaffExtended",),
        "Gender",
        "MiddleName",
        "LegalForename",
        "LegalSurname",
        "DateOfBirth",
        "MobilePhone",
    ),
    **_each(
        ("StaffEmployment",),
        *("PayrollNumber", "NINumber", "TeacherNumber", "EmploymentStart"),
        *("EmploymentEnd", "Roles"),
    ),
    **_each(("StaffPersonalContact",), "HomeEmail", "HomePhone"),
    **_each(("StaffAddress",), *_ADDRESS),
}

FIELD_SCOPES = {"Students": STUDENT_FIELDS, "Staff": STAFF_FIELDS}


def granted(scopes: Iterable[str], needed: Iterable[str]) -> bool:
    """True if any of `needed` is among `scopes` (case-insensitive)."""
    have = {scope.lower() for scope in scopes}
    return any(scope.lower() in have for scope in needed)


def hidden_fields(endpoint: str, scopes: Iterable[str]) -> frozenset[str]:
    """The fields of `endpoint` rows that the granted `scopes` do not cover."""
    scopes = list(scopes)
    table = FIELD_SCOPES.get(endpoint, {})
    return frozenset(name for name, needed in table.items() if not granted(scopes, needed))


def visible(row: Row, hidden: frozenset[str]) -> Row:
    """A copy of the row without the hidden fields."""
    return {key: value for key, value in row.items() if key not in hidden}
