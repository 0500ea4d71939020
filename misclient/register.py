"""Asking a school to authorise the app through Groupcall (reference: "Invitation API"),
and reading the callback Groupcall posts when the school has consented (reference:
"Authorisation by the school").

`school_register` sends one school to Groupcall's invitation API; Groupcall then emails
the school's contact, who consents in Groupcall's portal. Groupcall posts the school's new
secret to the callback URL; `parse_callback` reads that form into a `Consent`.

Assumed points, each kept in one place here:
- The signature (`sign`): seen in a public client, not in Groupcall's own documentation.
- `CallbackUrl` in each school of the body: the real service takes the partner's callback
  URL from the partner's settings at Groupcall; we send a per-invitation URL (with an
  unguessable token) beside each school, so that the callback can be matched to its
  invitation. A service that ignores the field still works with one partner-wide URL.
- `installCompleted` in the callback form: the reference says the callback is "sent again
  with an install completed marker" without naming it.

No Django here: the wizard app builds the `Partner` from its settings and the
`SchoolInvitation` from its models. Neither the management secret nor the signature is
ever logged or shown in a repr.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from misclient import errors

log = logging.getLogger(__name__)

REGISTER_PATH = "API/XporterOnDemand/SchoolRegister"
DEFAULT_REGISTER_URL = "https://manage.groupcall.com/" + REGISTER_PATH
THIRD_PARTY_ID = "XporterOnDemand"
STATUS_OK = "OK"


def sign(body: bytes, timestamp: str, management_secret: str) -> str:
    """The `Authorization: Groupcall <signature>` value of an invitation request.

    Assumed, per the reference: the upper-case hex HMAC-SHA256, keyed with the management
    secret, of the standard Base64 text of body + timestamp + secret (UTF-8 bytes).
    """
    secret = management_secret.encode("utf-8")
    message = base64.b64encode(body + timestamp.encode("utf-8") + secret)
    return hmac.new(secret, message, hashlib.sha256).hexdigest().upper()


@dataclass(frozen=True)
class Partner:
    """This application as Groupcall's partner: who signs invitations, and where to."""

    application_id: str
    management_secret: str = field(repr=False)
    name: str
    registered_email: str
    register_url: str = DEFAULT_REGISTER_URL
    test_registration: bool = False


@dataclass(frozen=True)
class SchoolInvitation:
    """One school to invite. `estab` is 7 digits: the LA number (first 3) and the DfE
    number (last 4)."""

    estab: str
    school_name: str
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    contact_phone: str
    scopes: tuple[str, ...]
    callback_url: str

    def __post_init__(self) -> None:
        if not (self.estab.isdigit() and len(self.estab) == 7):
            raise ValueError(f"estab must be 7 digits, not {self.estab!r}")

    @property
    def lea_code(self) -> str:
        return self.estab[:3]

    @property
    def dfes_code(self) -> str:
        return self.estab[3:]


@dataclass(frozen=True)
class RegisterAnswer:
    """What became of one invitation. `message` is for the school administrator;
    `status` and `detail` are Groupcall's own words ("OK", "School not found in EduBase")."""

    ok: bool
    status: str
    message: str
    detail: str = ""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp_of(moment: datetime) -> str:
    """The DateTime header: ISO 8601 with its offset ("2026-12-02T10:38:10+00:00");
    a naive moment is taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.isoformat(timespec="seconds")


def register_body(invitation: SchoolInvitation, partner: Partner) -> dict[str, Any]:
    """The request body of the reference, plus the assumed per-school CallbackUrl."""
    school = {
        "LeaCode": invitation.lea_code,
        "DfesCode": invitation.dfes_code,
        "SchoolName": invitation.school_name,
        "SchoolContactFirstName": invitation.contact_first_name,
        "SchoolContactLastName": invitation.contact_last_name,
        "SchoolContactEmail": invitation.contact_email,
        "SchoolContactPhone": invitation.contact_phone,
        "PartnerApplicationId": partner.application_id,
        "PartnerName": partner.name,
        "PartnerRegisteredEmail": partner.registered_email,
        "ScopesToAuthorise": ",".join(invitation.scopes),
        "WeAcceptGroupcallUsagePolicy": True,
        "CallbackUrl": invitation.callback_url,
    }
    return {
        "Schools": [school],
        "RegistrationType": "Test" if partner.test_registration else "Live",
    }


def school_register(
    invitation: SchoolInvitation,
    partner: Partner,
    *,
    timeout: float = 30,
    session: requests.Session | None = None,
    now: Callable[[], datetime] | None = None,
) -> RegisterAnswer:
    """Ask Groupcall to email the school's contact for consent. Sent once, never retried:
    each request may send the school an email.

    Raises PartnerRejected (our id or signature refused), MisUnreachable (no answer,
    timeout, 429 or 5xx), MalformedResponse (an answer that cannot be read) or
    XodServiceError (any other refusal of the request as a whole). ValueError if the
    invitation's estab is not 7 digits (from SchoolInvitation itself).
    """
    body = json.dumps(register_body(invitation, partner)).encode("utf-8")
    timestamp = timestamp_of((now or _utcnow)())
    headers = {
        "ApplicationId": partner.application_id,
        "DateTime": timestamp,
        "Authorization": f"Groupcall {sign(body, timestamp, partner.management_secret)}",
        "Content-Type": "application/json",
    }
    own_session = session is None
    session = session or requests.Session()
    try:
        response = _post(session, partner.register_url, body, headers, timeout)
    finally:
        if own_session:
            session.close()
    answer = _answer_for(invitation, _school_result(invitation, response))
    log.info("Invitation for estab %s: %s %s", invitation.estab, answer.status, answer.detail)
    return answer


def _post(
    session: requests.Session, url: str, body: bytes, headers: dict[str, str], timeout: float
) -> requests.Response:
    try:
        response = session.post(url, data=body, headers=headers, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise errors.register_unreachable(f"{type(exc).__name__} from {url}") from exc
    except requests.RequestException as exc:
        raise errors.service_error(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        detail = f"HTTP {response.status_code} from {url}"
        raise errors.register_unreachable(detail, response.status_code)
    return response


def _school_result(invitation: SchoolInvitation, response: requests.Response) -> dict[str, Any]:
    """This school's entry in the answer's Schools list."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = str(body.get("Message") or "") if isinstance(body, dict) else ""
    if response.status_code in (401, 403) or message.lower().startswith("unauthorized"):
        raise errors.partner_rejected(message or f"HTTP {response.status_code}")
    if not isinstance(body, dict):
        raise errors.malformed_response("the invitation answer is not a JSON object")
    if response.status_code >= 400:
        raise errors.service_error(message or f"HTTP {response.status_code}")
    schools = body.get("Schools")
    if not isinstance(schools, list) or not schools:
        raise errors.malformed_response("the invitation answer has no Schools list")
    ours = [
        school
        for school in schools
        if isinstance(school, dict)
        and f"{school.get('LeaCode', '')}{school.get('DfesCode', '')}" == invitation.estab
    ]
    if not ours:
        detail = f"the invitation answer does not mention {invitation.estab}"
        raise errors.malformed_response(detail)
    return ours[0]


def _answer_for(invitation: SchoolInvitation, result: dict[str, Any]) -> RegisterAnswer:
    status = str(result.get("Status") or "").strip()
    detail = str(result.get("Message") or "").strip()
    if status.upper() == STATUS_OK:
        message = (
            f"Groupcall has emailed {invitation.contact_email} to ask for consent to share "
            f"{invitation.school_name}'s data with this app."
        )
        return RegisterAnswer(True, status, message, detail)
    return RegisterAnswer(False, status or "Failed", refusal_in_words(invitation, detail), detail)


def refusal_in_words(invitation: SchoolInvitation, detail: str) -> str:
    """Groupcall's reason for not inviting the school, for a school administrator."""
    lowered = detail.lower()
    if "edubase" in lowered or "not found" in lowered:
        return (
            f"Groupcall does not know a school with LA number {invitation.lea_code} and "
            f"DfE number {invitation.dfes_code} (estab {invitation.estab}). Check the estab "
            "number: it is the school's 3-digit LA number followed by its 4-digit DfE number."
        )
    if "email" in lowered:
        return (
            f"Groupcall did not accept the contact's email address ({invitation.contact_email}). "
            "Check it, then send the invitation again."
        )
    if "already" in lowered:
        return (
            "Groupcall says this school is already registered for this app. Ask the contact "
            "to look for Groupcall's email, or to manage the app in the Groupcall portal."
        )
    reason = f" Groupcall said: {detail}" if detail else ""
    return f"Groupcall did not send the invitation.{reason}"


# -- The callback ---------------------------------------------------------------------

CALLBACK_FIELDS = (
    "schoolSecret",
    "schoolId",
    "schoolEmail",
    "schoolName",
    "templateScopes",
    "scopes",
    "thirdParty",
    "partnerId",
)
INSTALL_COMPLETED_FIELD = "installCompleted"  # assumed name of the reference's marker
_TRUE_WORDS = frozenset({"true", "1", "yes", "on"})


@dataclass(frozen=True)
class Consent:
    """What Groupcall posted when the school consented: the school's new secret (it
    replaces any earlier one) and the scopes it granted."""

    estab: str
    secret: str = field(repr=False)
    school_name: str
    school_email: str
    scopes: tuple[str, ...]
    template_scopes: tuple[str, ...]
    partner_id: str
    install_completed: bool


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_callback(form: Mapping[str, str]) -> Consent:
    """The consent in Groupcall's callback form (field names in any case).

    Raises MalformedResponse when schoolSecret or schoolId is missing, or the schoolId is
    not a 7-digit estab number.
    """
    fields = {str(name).lower(): str(value).strip() for name, value in form.items()}
    estab, secret = fields.get("schoolid", ""), fields.get("schoolsecret", "")
    if not secret or not estab:
        raise errors.malformed_response("Groupcall's callback has no schoolSecret or schoolId")
    if not (estab.isdigit() and len(estab) == 7):
        raise errors.malformed_response(f"Groupcall's callback names estab {estab!r}, not 7 digits")
    return Consent(
        estab=estab,
        secret=secret,
        school_name=fields.get("schoolname", ""),
        school_email=fields.get("schoolemail", ""),
        scopes=_csv(fields.get("scopes", "")),
        template_scopes=_csv(fields.get("templatescopes", "")),
        partner_id=fields.get("partnerid", ""),
        install_completed=fields.get(INSTALL_COMPLETED_FIELD.lower(), "").lower() in _TRUE_WORDS,
    )
