"""A school authorising the app at Groupcall, from the administrator's Connect page.

1. `invitation_send`: "Set up Groupcall Xporter" asks Groupcall's invitation API to email
   the school's contact for consent to the data areas chosen (`data_areas`).
2. `consent_receive`: Groupcall's callback when the school has consented brings the
   school's secret and the scopes it shares. Only a callback for an invitation we sent,
   with that invitation's unguessable token, is believed; a repeated one changes nothing.
3. `authorisation_status`: where the school stands, in words, for the Connect page and
   for the wizard's front page (which sends an unauthorised school to the Connect page).

The token in the callback's address is kept only as a hash, and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from misclient import errors
from misclient.register import (
    Consent,
    Partner,
    SchoolInvitation,
    parse_callback,
    school_register,
)
from users.models import School, User
from wizard.models import GroupcallInvitation, MisConnection
from wizard.services.connection import mis_connection_test, problem_message
from wizard.services.data_areas import (
    DataArea,
    missing_optional_areas,
    missing_required_areas,
    scopes_to_request,
)

Invitation = GroupcallInvitation
State = MisConnection.State

NO_PARTNER = (
    "This site cannot ask Groupcall for your school's consent yet: its operator has not "
    "set the app's Groupcall partner id and management secret (GROUPCALL_APPLICATION_ID "
    "and GROUPCALL_MANAGEMENT_SECRET). Please tell your support team."
)
INVITED = (
    "Groupcall has been asked to email {email} for your school's consent. The person with "
    "authority to share the school's data follows the steps in that email; this page then "
    "shows the school as ready. If the email has not arrived within a day, ask again below."
)
SENT = "Your request has gone to Groupcall."
SCOPES_MISSING = (
    "Your school has authorised the app but does not share {areas}, so the wizard cannot "
    "read {what}. Set up Groupcall Xporter again and consent to {areas}."
)


class CallbackRefused(Exception):
    """A callback we do not believe or cannot use; `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Contact:
    first_name: str
    last_name: str
    email: str
    phone: str = ""


def partner_from_settings() -> Partner | None:
    """The app's Groupcall partner account, or None when the operator has not set it."""
    if not (settings.GROUPCALL_APPLICATION_ID and settings.GROUPCALL_MANAGEMENT_SECRET):
        return None
    return Partner(
        application_id=settings.GROUPCALL_APPLICATION_ID,
        management_secret=settings.GROUPCALL_MANAGEMENT_SECRET,
        name=settings.GROUPCALL_PARTNER_NAME,
        registered_email=settings.GROUPCALL_PARTNER_EMAIL,
        register_url=settings.GROUPCALL_REGISTER_URL,
        test_registration=settings.GROUPCALL_TEST_REGISTRATION,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def callback_url(invitation: Invitation, token: str) -> str:
    path = reverse("wizard:groupcall_callback", args=[invitation.pk, token])
    return f"{settings.SITE_URL}{path}"


def invitation_send(
    *,
    school: School,
    estab: str,
    contact: Contact,
    optional_scopes: Iterable[str],
    invited_by: User | None,
) -> Invitation:
    """Asks Groupcall to email `contact` for the school's consent to the required data
    areas and the optional ones chosen. Returns the invitation, INVITED or FAILED with
    Groupcall's answer in words. Raises ValueError (NO_PARTNER) when the app has no
    partner account configured. No transaction is open during the HTTP call."""
    partner = partner_from_settings()
    if partner is None:
        raise ValueError(NO_PARTNER)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            school=school,
            estab=estab,
            token_hash=_token_hash(token),
            scopes_requested=scopes_to_request(optional_scopes),
            contact_first_name=contact.first_name,
            contact_last_name=contact.last_name,
            contact_email=contact.email,
            contact_phone=contact.phone,
            invited_by=invited_by,
        )
    request = SchoolInvitation(
        estab=estab,
        school_name=school.name,
        contact_first_name=contact.first_name,
        contact_last_name=contact.last_name,
        contact_email=contact.email,
        contact_phone=contact.phone,
        scopes=tuple(invitation.scopes_requested),
        callback_url=callback_url(invitation, token),
    )
    try:
        answer = school_register(request, partner, timeout=settings.XOD_TIMEOUT_SECONDS)
    except errors.PartnerRejected:
        invitation.status, invitation.message = Invitation.Status.FAILED, NO_PARTNER
    except errors.XodError as error:
        invitation.status, invitation.message = Invitation.Status.FAILED, problem_message(error)
    else:
        invitation.status = Invitation.Status.INVITED if answer.ok else Invitation.Status.FAILED
        invitation.message = INVITED.format(email=contact.email) if answer.ok else answer.message
    invitation.save(update_fields=["status", "message"])
    if invitation.status == Invitation.Status.INVITED and estab != school.estab:
        # Groupcall knows the school by this number: it is the school's from now on.
        school.estab = estab
        school.save(update_fields=["estab"])
    return invitation


# Compared against when the invitation does not exist, so that an unknown id costs the
# same as a wrong token.
_NO_INVITATION_HASH = _token_hash("no such invitation")


def _invitation_for(invitation_id: int, token: str) -> Invitation:
    """The invitation whose callback this is, or CallbackRefused(404)."""
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    expected = invitation.token_hash if invitation else _NO_INVITATION_HASH
    if not hmac.compare_digest(expected, _token_hash(token)) or invitation is None:
        raise CallbackRefused(404, "No invitation with this address.")
    return invitation


def consent_receive(*, invitation_id: int, token: str, form: Mapping[str, str]) -> bool:
    """Records the school's consent from Groupcall's callback: the secret (encrypted),
    the scopes it shares. Returns True if anything changed, False for a repeat of a
    callback already received. Raises CallbackRefused, changing nothing, for a callback
    of no invitation of ours, for another school, or bringing a second secret for the
    same invitation (a new authorisation comes with a new invitation)."""
    invitation = _invitation_for(invitation_id, token)
    try:
        consent = parse_callback(form)
    except errors.MalformedResponse as error:
        raise CallbackRefused(400, str(error)) from None
    if consent.estab != invitation.estab:
        raise CallbackRefused(400, "This callback is for another school.")
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        connection = MisConnection.objects.filter(school=invitation.school).first()
        if invitation.status == Invitation.Status.CONSENTED:
            if connection is None or connection.secret != consent.secret:
                raise CallbackRefused(409, "This invitation has been used already.")
            return _install_completed(invitation, consent.install_completed)
        if invitation.status == Invitation.Status.FAILED:
            raise CallbackRefused(409, "Groupcall did not accept this invitation.")
        _connection_authorised(connection or MisConnection(school=invitation.school), consent)
        invitation.status, invitation.consented_at = Invitation.Status.CONSENTED, timezone.now()
        if consent.install_completed:
            invitation.install_completed_at = invitation.consented_at
        invitation.save(update_fields=["status", "consented_at", "install_completed_at"])
    return True


def _install_completed(invitation: Invitation, completed: bool) -> bool:
    """Groupcall sends the callback again once its agent has run on the school's MIS:
    the connection is checked again (a pause may have ended)."""
    if not completed or invitation.install_completed_at:
        return False
    invitation.install_completed_at = timezone.now()
    invitation.save(update_fields=["install_completed_at"])
    MisConnection.objects.filter(school=invitation.school).update(last_checked_at=None)
    return True


def _connection_authorised(connection: MisConnection, consent: Consent) -> None:
    """The school's connection with the new secret (the old one no longer works at
    Groupcall); its settings and accounts are untouched. Checked with Groupcall when the
    Connect page or the wizard next opens."""
    connection.secret = consent.secret
    connection.scopes_granted = list(consent.scopes)
    connection.authorised_at = timezone.now()
    connection.last_checked_at = None
    missing = missing_required_areas(connection.scopes_granted)
    connection.state = State.SCOPES_MISSING if missing else State.UNCHECKED
    connection.last_error = scopes_missing_message(missing) if missing else ""
    connection.save()


def scopes_missing_message(missing: list[DataArea]) -> str:
    areas = " and ".join(area.label_in_sentence for area in missing)
    what = " or ".join(area.title.lower() for area in missing)
    return SCOPES_MISSING.format(areas=areas, what=what)


# --- Where the school stands ----------------------------------------------------------


@dataclass(frozen=True)
class AuthorisationStatus:
    """What the Connect page shows at the top. `ready`: the wizard may read the MIS."""

    code: str  # "not_set_up", "invited", "failed", or a MisConnection.State value
    title: str
    message: str
    ready: bool = False
    connection: MisConnection | None = None
    pending: Invitation | None = None  # an invitation still waiting for consent
    missing_required: list[DataArea] = field(default_factory=list)
    missing_optional: list[DataArea] = field(default_factory=list)


NOT_READY = "The MIS Sync Wizard cannot read your MIS yet ({title}): see below what to do."
NOT_SET_UP = (
    "Your school has not authorised this app at Groupcall yet. Choose the data to share "
    "below and set up Groupcall Xporter: it takes a few minutes, once."
)
READY = "Groupcall Xporter is set up: the wizard can read your MIS."
UNCHECKED = "Your school has authorised the app. It has not been checked with Groupcall yet."
TITLES = {
    "not_set_up": "Not set up yet",
    "invited": "Invited: waiting for consent",
    "failed": "Groupcall did not accept the request",
    State.UNCHECKED: "Authorised, not checked yet",
    State.READY: "Ready",
    State.PAUSED: "Authorisation paused",
    State.REFUSED: "Authorisation withdrawn or replaced",
    State.SCOPES_MISSING: "Data the sync needs is not shared",
    State.UNREACHABLE: "Groupcall could not be reached",
    State.PROBLEM: "Groupcall reported a problem",
    State.CHECK_SCHOOL: "Check this is your school",
}


def authorisation_status(school: School, *, check_new: bool = False) -> AuthorisationStatus:
    """Where the school stands. With `check_new`, a connection that Groupcall's callback
    brought and nobody has checked yet is checked first (it may name another school)."""
    connection = MisConnection.objects.filter(school=school).first()
    if check_new and connection and _brought_by_callback_unchecked(connection):
        mis_connection_test(school=school)
        connection.refresh_from_db()
    latest = Invitation.objects.filter(school=school).first()
    pending = latest if latest and latest.status == Invitation.Status.INVITED else None
    if connection is None:
        if latest is None or latest.status == Invitation.Status.SENDING:
            return AuthorisationStatus("not_set_up", TITLES["not_set_up"], NOT_SET_UP)
        code = "invited" if pending else "failed"
        return AuthorisationStatus(code, TITLES[code], latest.message, pending=pending)
    state = State(connection.state)
    message = {State.READY: READY, State.UNCHECKED: UNCHECKED}.get(state, connection.last_error)
    # A secret entered by hand has no known scopes until its first check.
    granted = connection.scopes_granted
    return AuthorisationStatus(
        code=state,
        title=TITLES[state],
        message=message,
        ready=state in (State.READY, State.UNCHECKED),
        connection=connection,
        pending=pending,
        missing_required=missing_required_areas(granted) if granted else [],
        missing_optional=missing_optional_areas(granted) if granted else [],
    )


def _brought_by_callback_unchecked(connection: MisConnection) -> bool:
    return connection.authorised_at is not None and connection.state == State.UNCHECKED


# Connection states after which the wizard sends the administrator to the Connect page.
BLOCKING_STATES = (State.PAUSED, State.REFUSED, State.SCOPES_MISSING, State.CHECK_SCHOOL)
