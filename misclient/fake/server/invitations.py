"""The fake's Groupcall invitation API (reference: "Invitation API") and the consent
callback it posts when a school consents (reference: "Authorisation by the school").

`FakeXodApp` holds the invitations and calls this module; the checks and shapes are here.
The signature is verified with code of its own, not misclient.register's, so that a test
of the client against the fake checks the algorithm twice, independently.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from misclient.fake.server.dataset import FakeDataset, FakeSchool, Row
from misclient.fake.server.responses import Answer

REGISTER_PATH = "/api/xporterondemand/schoolregister"  # compared lower-cased
THIRD_PARTY_ID = "XporterOnDemand"
# How far the DateTime header may be from the server's clock (an assumed tolerance).
CLOCK_TOLERANCE = timedelta(minutes=15)
CALLBACK_TIMEOUT = 10.0

UNAUTHORIZED_APPLICATION = "Unauthorized: ApplicationId header missing or incorrect"
UNAUTHORIZED_DATETIME = "Unauthorized: DateTime header missing, unreadable or out of date"
UNAUTHORIZED_SIGNATURE = "Unauthorized: signature incorrect"
INVALID_REQUEST = "The request is invalid."
NOT_IN_EDUBASE = "School not found in EduBase"
NO_CONTACT_EMAIL = "SchoolContactEmail is required"
POLICY_NOT_ACCEPTED = "WeAcceptGroupcallUsagePolicy must be true"
WRONG_PARTNER = "PartnerApplicationId does not match the ApplicationId header"


@dataclass
class Invitation:
    """One school the partner invited; `consented` is set once the school consents."""

    estab: str
    school_name: str
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    contact_phone: str
    scopes: tuple[str, ...]
    callback_url: str  # "" if the request named none: consenting then posts nothing
    registration_type: str
    partner_name: str
    received: datetime
    consented: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "estab": self.estab,
            "school_name": self.school_name,
            "contact_first_name": self.contact_first_name,
            "contact_last_name": self.contact_last_name,
            "contact_email": self.contact_email,
            "contact_phone": self.contact_phone,
            "scopes": list(self.scopes),
            "callback_url": self.callback_url,
            "registration_type": self.registration_type,
            "partner_name": self.partner_name,
            "received": self.received.isoformat(),
            "consented": self.consented.isoformat() if self.consented else None,
        }


class NoInvitation(LookupError):
    """Consent was asked for a school that was never invited."""


def expected_signature(body: bytes, timestamp: str, management_secret: str) -> str:
    key = management_secret.encode("utf-8")
    signed = base64.standard_b64encode(b"".join((body, timestamp.encode("utf-8"), key)))
    return hmac.digest(key, signed, "sha256").hex().upper()


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else None  # ISO 8601 *with* an offset


def refusal(dataset: FakeDataset, headers: dict[str, str], body: bytes, now: datetime) -> str:
    """Why the request as a whole is unauthorised ("" if it is not). `headers` have
    lower-cased names."""
    application_id = dataset.partner_application_id
    given = headers.get("applicationid", "").strip()
    if not application_id or not hmac.compare_digest(given.encode(), application_id.encode()):
        return UNAUTHORIZED_APPLICATION
    timestamp = headers.get("datetime", "")
    moment = _moment(timestamp)
    if moment is None or abs(now - moment) > CLOCK_TOLERANCE:
        return UNAUTHORIZED_DATETIME
    scheme, _, signature = headers.get("authorization", "").strip().partition(" ")
    expected = expected_signature(body, timestamp, dataset.partner_management_secret)
    if scheme.lower() != "groupcall" or not hmac.compare_digest(
        signature.strip().encode(), expected.encode()
    ):
        return UNAUTHORIZED_SIGNATURE
    return ""


def _document(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object ({} if it is not one)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def schools_of(document: dict[str, Any]) -> list[Row] | None:
    """The request's Schools entries, or None if they are not the documented shape."""
    schools = document.get("Schools")
    if not isinstance(schools, list) or not all(isinstance(s, dict) for s in schools):
        return None
    return schools


def estab_of(entry: Row) -> str:
    return f"{str(entry.get('LeaCode', '')).strip()}{str(entry.get('DfesCode', '')).strip()}"


def first_estab(body: bytes) -> str:
    """The estab of the request's first school (requests are counted under it)."""
    schools = schools_of(_document(body))
    return estab_of(schools[0]) if schools else ""


def _text(entry: Row, key: str) -> str:
    return str(entry.get(key) or "").strip()


def school_refusal(dataset: FakeDataset, entry: Row) -> str:
    """Why one school of the request cannot be invited ("" if it can)."""
    if estab_of(entry) not in dataset.schools:
        return NOT_IN_EDUBASE
    if not _text(entry, "SchoolContactEmail"):
        return NO_CONTACT_EMAIL
    if entry.get("WeAcceptGroupcallUsagePolicy") is not True:
        return POLICY_NOT_ACCEPTED
    if _text(entry, "PartnerApplicationId") != dataset.partner_application_id:
        return WRONG_PARTNER
    return ""


def invitation_of(entry: Row, kind: str, now: datetime) -> Invitation:
    scopes = tuple(s.strip() for s in _text(entry, "ScopesToAuthorise").split(",") if s.strip())
    return Invitation(
        estab=estab_of(entry),
        school_name=_text(entry, "SchoolName"),
        contact_first_name=_text(entry, "SchoolContactFirstName"),
        contact_last_name=_text(entry, "SchoolContactLastName"),
        contact_email=_text(entry, "SchoolContactEmail"),
        contact_phone=_text(entry, "SchoolContactPhone"),
        scopes=scopes,
        callback_url=_text(entry, "CallbackUrl"),
        registration_type=kind,
        partner_name=_text(entry, "PartnerName"),
        received=now,
    )


def register(
    dataset: FakeDataset, headers: dict[str, str], body: bytes, now: datetime
) -> tuple[Answer, list[Invitation]]:
    """The answer to a SchoolRegister request, and the invitations it made."""
    if reason := refusal(dataset, headers, body, now):
        return Answer(401, {"Message": reason}), []
    document = _document(body)
    schools = schools_of(document)
    if schools is None:
        return Answer(400, {"Message": INVALID_REQUEST}), []
    kind = str(document.get("RegistrationType") or "Live")
    results, made = [], []
    for entry in schools:
        reason = school_refusal(dataset, entry)
        result = {"LeaCode": entry.get("LeaCode"), "DfesCode": entry.get("DfesCode")}
        if reason:
            results.append({**result, "Status": "Failed", "Message": reason})
            continue
        made.append(invitation_of(entry, kind, now))
        email = _text(entry, "SchoolContactEmail")
        results.append({**result, "Status": "OK", "Message": f"Invitation emailed to {email}"})
    return Answer(200, {"Schools": results}), made


def callback_form(
    invitation: Invitation, school: FakeSchool, partner_id: str, install_completed: bool
) -> dict[str, str]:
    """The form Groupcall posts to the partner's callback URL once the school consents."""
    form = {
        "schoolSecret": school.secret or "",
        "schoolId": school.estab,
        "schoolEmail": invitation.contact_email,
        "schoolName": str(school.school_info.get("Name") or invitation.school_name),
        "templateScopes": ",".join(invitation.scopes),
        "scopes": ",".join(school.scopes),
        "thirdParty": THIRD_PARTY_ID,
        "partnerId": partner_id,
    }
    if install_completed:
        form["installCompleted"] = "true"  # the reference's marker; its name is assumed
    return form


def post_callback(url: str, form: dict[str, str], timeout: float = CALLBACK_TIMEOUT) -> int:
    """POST the form as Groupcall would; the status the application answered (redirects
    not followed), 0 if there is no URL or the application could not be reached."""
    if not url:
        return 0
    try:
        response = requests.post(url, data=form, timeout=timeout, allow_redirects=False)
    except requests.RequestException:
        return 0
    return response.status_code
