"""Made-up pupils and staff as XoD rows (reference: "Rows"), with the fields and quirks a
real feed has, including a few sensitive ones the client must drop."""

from __future__ import annotations

import random
import re
import uuid
from datetime import date, timedelta

from anyascii import anyascii

from misclient.fake.generate.classes import initials, xid
from misclient.fake.generate.names import NICKNAMES, pick_name
from misclient.fake.server.dataset import Row
from misclient.upn import UPN_ALPHABET, make_temporary_upn, make_upn

# NC year -> years after Reception (Nursery before it).
YEAR_OFFSETS = {"N1": -2, "N2": -1, "R": 0, **{str(n): n for n in range(1, 15)}}
SUPPORT_ROLES = (
    "Teaching Assistant",
    "Teaching Assistant",
    "Administrator / Clerk",
    "Site Manager",
    "Learning Mentor",
    "Other Catering Staff",
)


def guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def birth_date(rng: random.Random, year: str, academic_year: int) -> str:
    """A date of birth in the cohort of NC `year`: 1 September to 31 August."""
    start = date(academic_year - 5 - YEAR_OFFSETS[year], 9, 1)
    return (start + timedelta(days=rng.randrange(365))).isoformat()


class UpnAllocator:
    """Unique UPNs: permanent ones allocated by the school itself (primary) or by feeder
    schools (secondary), and now and then a temporary one."""

    def __init__(self, rng: random.Random, estab: str, used: set[str] | None = None):
        self.rng, self.la, self.number = rng, estab[:3], estab[3:7]
        self.used = used if used is not None else set()
        self.feeders = [f"{rng.randrange(2000, 3999)}" for _ in range(5)]

    def allocate(self, year: int, own: bool = True, temporary: bool = False) -> str:
        number = self.number if own else self.rng.choice(self.feeders)
        for _ in range(10_000):
            serial = self.rng.randrange(1, 999)
            if temporary:
                letter = self.rng.choice(UPN_ALPHABET)
                upn = make_temporary_upn(self.la, number, year, serial % 100, letter)
            else:
                upn = make_upn(self.la, number, year, serial)
            if upn not in self.used:
                self.used.add(upn)
                return upn
            year += 1  # that year's serials are running out: a neighbouring year has room
        raise RuntimeError("no free UPN")


def _legal_forename(rng: random.Random, forename: str) -> tuple[str, str]:
    """(preferred, legal): now and then a pupil goes by a short form of the legal name."""
    if rng.random() < 0.03:
        legal, preferred = rng.choice(sorted(NICKNAMES.items()))
        return preferred, legal
    return forename, forename


def make_pupil(
    rng: random.Random,
    *,
    pupil_id: str,
    year: str,
    academic_year: int,
    upns: UpnAllocator,
    phase: str,
) -> Row:
    """One pupil on roll in NC `year`; year and registration group are stamped later."""
    gender = rng.choice("MF")
    forename, surname = pick_name(rng, gender)
    forename, legal_forename = _legal_forename(rng, forename)
    years_here = YEAR_OFFSETS[year] + (2 if phase == "primary" else -7)
    entry_year = academic_year - max(years_here, 0)
    upn_year = academic_year - max(YEAR_OFFSETS[year], 0)
    temporary = rng.random() < 0.004
    former = upns.allocate(upn_year - 1, own=False) if rng.random() < 0.02 else None
    return {
        "Id": pupil_id,
        "XID": xid(f"pupil{pupil_id}"),
        "ExternalId": guid(rng),
        "IdaasId": f"PL-{pupil_id}",
        "Forename": forename,
        "Surname": surname,
        "DisplayName": f"{forename} {surname}",
        "AdmissionNo": f"{int(pupil_id):06d}",
        "Gender": gender,
        "DateofBirth": birth_date(rng, year, academic_year),
        "UniqueLearnerNumber": None,
        "MiddleName": pick_name(rng, gender)[0] if rng.random() < 0.4 else None,
        "EnrolmentStatus": "C",
        "LegalForename": legal_forename,
        "LegalSurname": surname,
        "EntryDate": f"{entry_year}-09-0{rng.randrange(1, 8)}",
        "LeavingDate": None,
        "UPN": upns.allocate(upn_year, own=phase == "primary", temporary=temporary),
        "FormerUPN": former,
        "WorkEmail": None,
        "IdaasEmail": None,
        "SENProvision": rng.choice("NNNNNNNKKE"),
        "FSMEligible": int(rng.random() < 0.2),
        "EAL": int(rng.random() < 0.15),
        "ServiceChild": "0",
        "AddressBlock": "1 Example Street\nExampletown\nEX1 1AA\nUnited Kingdom",
        "PostCode": "EX1 1AA",
        "StudentStatus": "OnRoll",
    }


def staff_code(forename: str, surname: str, used: set[str]) -> str:
    """Initials, then a third letter, then a digit, until the code is unused."""
    base = initials(forename, surname)
    extra = re.sub("[^A-Z]", "", anyascii(surname).upper())[1:2]
    for code in (base, base + extra, *(f"{base}{n}" for n in range(2, 100))):
        if code not in used:
            used.add(code)
            return code
    raise RuntimeError("no free staff code")


def work_email(forename: str, surname: str, domain: str, used: set[str]) -> str:
    """first-initial.surname@domain in ASCII (O'Brien -> obrien), numbered if taken."""
    local = anyascii(forename)[:1].lower() + "." + re.sub("[^a-z]", "", anyascii(surname).lower())
    for candidate in (local, *(f"{local}{n}" for n in range(2, 100))):
        if candidate not in used:
            used.add(candidate)
            return f"{candidate}@{domain}"
    raise RuntimeError("no free email")


def make_staff_member(
    rng: random.Random, *, staff_id: str, role: str, domain: str, used: set[str], start_year: int
) -> Row:
    """One current member of staff. `role`: "head", "teacher" or "support". `used` holds
    codes and email local parts already taken."""
    gender = rng.choice("MF")
    forename, surname = pick_name(rng, gender)
    title = rng.choice(("Mrs", "Ms", "Miss", "Dr") if gender == "F" else ("Mr", "Mr", "Dr"))
    roles = {"head": "Teacher,Headteacher", "teacher": "Teacher"}.get(role) or rng.choice(
        SUPPORT_ROLES
    )
    return {
        "Id": staff_id,
        "XID": xid(f"staff{staff_id}"),
        "IdaasId": f"PWT-{staff_id}",
        "ExternalId": guid(rng),
        "Title": title,
        "StaffCode": staff_code(forename, surname, used),
        "StaffStatus": "Current",
        "Forename": forename,
        "Surname": surname,
        "DisplayName": f"{title} {anyascii(forename)[:1]} {surname}",
        "WorkEmail": work_email(forename, surname, domain, used),
        "IdaasEmail": None,
        "Gender": gender,
        "LegalForename": forename,
        "LegalSurname": surname,
        "DateOfBirth": birth_date(rng, "R", rng.randrange(1965, 2005)),
        "EmploymentStart": f"{start_year - rng.randrange(0, 20)}-09-01",
        "EmploymentEnd": None,
        "Roles": roles,
        "HomeEmail": f"staff{staff_id}@home.example",
        "IsTeacher": int(role != "support"),
        "IsSupport": int(role == "support"),
    }
