"""Connecting a school to Groupcall XoD from its administrator's Connect page: saving the
estab and secret, and testing them, with each XoD error put in words that say what the
school administrator can do about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from misclient import errors
from misclient.scopes import (
    REQUIRED_SCOPES,
    describe_missing_scopes,
    missing_optional,
    missing_required,
    scope_error,
)
from misclient.transport import RetryPolicy
from misclient.xod import XodClient
from users.models import School
from wizard.models import MisConnection

CONNECTED = "Groupcall Xporter answered for {name}, and your school shares what the sync needs."
BAD_CREDENTIALS = (
    "Groupcall did not accept this estab number and secret. Check the estab number "
    "(7 digits: your local authority's 3 then your school's 4), and enter the secret again "
    "from Groupcall's email: each new authorisation of the app gives a new secret."
)
AUTHORISATION_PAUSED = (
    "Your school has paused this app's access in Groupcall while it chooses which pupils "
    "and staff to share. Finish that choice in the Groupcall portal, then check the "
    "connection again."
)
SCOPE_MISSING = (
    "Your school has not shared {what} with this app. In the Groupcall portal, allow "
    "{scopes} for this app, then check the connection again."
)
CHECK_SCHOOL = (
    "Groupcall reads estab {school_estab} as {name}, but this app knows your school as "
    "{ours}. If {name} is your school, confirm it below. If it is not, the estab number is "
    "wrong: do not run the wizard, and set up Groupcall Xporter again with the right number."
)
MIS_UNREACHABLE = (
    "Groupcall Xporter could not be reached just now. This is usually brief: wait a few "
    "minutes and check again. If it goes on, check that the school's MIS server and its "
    "Xporter service are switched on."
)
MALFORMED = (
    "Groupcall Xporter answered with something this app could not read. Checking again will "
    "not help: contact support and say when you checked."
)
SERVICE_ERROR = (
    "Groupcall Xporter reported a problem ({detail}). Check again in a few minutes; if it "
    "happens again, contact support."
)

# Each XoD error the school can do something about: the connection's state after it, and
# what to do, in words. Anything else is a problem at Groupcall (SERVICE_ERROR).
PROBLEMS: tuple[tuple[type[errors.XodError], MisConnection.State, str], ...] = (
    (errors.BadCredentials, MisConnection.State.REFUSED, BAD_CREDENTIALS),
    (errors.AuthorisationPaused, MisConnection.State.PAUSED, AUTHORISATION_PAUSED),
    (errors.ScopeNotGranted, MisConnection.State.SCOPES_MISSING, SCOPE_MISSING),
    (errors.MisUnreachable, MisConnection.State.UNREACHABLE, MIS_UNREACHABLE),
    (errors.MalformedResponse, MisConnection.State.PROBLEM, MALFORMED),
)

# A person is waiting for the page: one retry, not the sync's patient backoff.
TEST_RETRY = RetryPolicy(attempts=2, base_delay=0.5, max_delay=2.0)


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    notes: list[str] = field(default_factory=list)  # optional data the school withholds


def problem_message(error: errors.XodError) -> str:
    """What the school administrator should do about `error`, in words."""
    _state, words = _problem_of(error)
    if isinstance(error, errors.ScopeNotGranted):
        return words.format(what=_what(error), scopes=" and ".join(error.scopes))
    return words.format(detail=error.detail or error.message)


def problem_state(error: errors.XodError) -> MisConnection.State:
    """The connection's state after `error` from Groupcall."""
    return _problem_of(error)[0]


def _problem_of(error: errors.XodError) -> tuple[MisConnection.State, str]:
    """The connection's state and the words (a template) for `error`: the first of
    PROBLEMS it is an instance of, else a problem at Groupcall."""
    for error_type, state, words in PROBLEMS:
        if isinstance(error, error_type):
            return state, words
    return MisConnection.State.PROBLEM, SERVICE_ERROR


def _what(error: errors.ScopeNotGranted) -> str:
    """The data the missing scopes hold, in the school's words ("your pupils")."""
    whats = [need.what for need in REQUIRED_SCOPES if need.alternatives[0] in error.scopes]
    return " and ".join(whats).replace("its ", "your ") or "the data the sync needs"


def mis_connection_save(*, school: School, estab: str, secret: str) -> MisConnection:
    """Saves the school's estab and, if given, a new secret (encrypted at rest). An empty
    secret keeps the saved one. The last test's outcome is forgotten: it was for the old
    details."""
    with transaction.atomic():
        if estab != school.estab:
            school.estab = estab
            school.save(update_fields=["estab"])
        connection = MisConnection.objects.filter(school=school).first()
        connection = connection or MisConnection(school=school)
        if secret:
            connection.secret = secret
            connection.scopes_granted = []  # known again at the next check
        connection.state = MisConnection.State.UNCHECKED
        connection.last_checked_at, connection.last_error = None, ""
        connection.save()
    return connection


def mis_connection_test(*, school: School) -> ConnectionCheck:
    """Asks XoD (with a fresh token, so the secret really is checked) what the school
    shares with this app, and records the outcome on the connection. No transaction is
    open during the HTTP calls."""
    connection = MisConnection.objects.get(school=school)
    try:
        with mis_client_for(school, retry=TEST_RETRY) as client:
            details = client.token_details()
        if missing := missing_required(details.scopes):
            raise scope_error(missing)
    except errors.XodError as error:
        check = ConnectionCheck(ok=False, message=problem_message(error))
        connection_problem_record(school, error)
        return check
    notes = describe_missing_scopes(missing_optional(details.scopes))
    name = details.name or school.name
    state, last_error = MisConnection.State.READY, ""
    if not same_school(name, school.name, connection.confirmed_mis_name):
        # Said once, in the status below the check, with the button that confirms it.
        state, last_error = (
            MisConnection.State.CHECK_SCHOOL,
            CHECK_SCHOOL.format(school_estab=school.estab, name=name, ours=school.name),
        )
    connection.state, connection.last_error = state, last_error
    connection.scopes_granted, connection.mis_school_name = list(details.scopes), name
    connection.last_checked_at = timezone.now()
    connection.save(
        update_fields=[
            "state",
            "last_error",
            "scopes_granted",
            "mis_school_name",
            "last_checked_at",
        ]
    )
    return ConnectionCheck(ok=True, message=CONNECTED.format(name=name), notes=notes)


def same_school(mis_name: str, our_name: str, confirmed: str) -> bool:
    """Whether Groupcall's name for the estab is the school's (ignoring case), or the
    one an administrator confirmed."""
    return mis_name.casefold() in (our_name.casefold(), confirmed.casefold())


def mis_school_confirm(*, school: School) -> None:
    """The administrator says Groupcall's name for the estab is their school's."""
    connection = MisConnection.objects.get(school=school)
    if connection.state == MisConnection.State.CHECK_SCHOOL:
        connection.confirmed_mis_name = connection.mis_school_name
        connection.state, connection.last_error = MisConnection.State.READY, ""
        connection.save(update_fields=["confirmed_mis_name", "state", "last_error"])


def connection_problem_record(school: School, error: errors.XodError) -> None:
    """Records on the school's connection what went wrong with Groupcall (a test, or a
    sync reading the MIS), so that the wizard sends the administrator to the Connect
    page with the reason in words."""
    MisConnection.objects.filter(school=school).update(
        state=problem_state(error),
        last_error=problem_message(error),
        last_checked_at=timezone.now(),
    )


def mis_client_for(school: School, **options: Any) -> XodClient:
    """A client for the school's MIS connection: its own URLs (the fake XoD's, say) win
    over the XOD_* settings; `options` go to the client (a token cache, a retry policy)."""
    connection = school.mis_connection
    urls = {"base_url": connection.base_url, "token_url": connection.token_url}
    return XodClient.from_settings(
        estab=school.estab,
        secret=connection.secret,
        **{name: url for name, url in urls.items() if url},
        **options,
    )
