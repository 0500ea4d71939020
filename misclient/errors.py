"""What can go wrong when reading a school's MIS, in words a school administrator can act on.

Every error says whether it is `transient` (worth retrying later, automatically: the MIS
or the network was briefly unavailable) or permanent (someone has to do something: fix
the estab or secret, finish the authorisation, grant a scope, or call support). A Celery
task retries only the transient ones.

The messages are module constants so tests and pages can refer to them.
"""

from __future__ import annotations

BAD_CREDENTIALS = (
    "Xporter did not accept the estab number and secret. Check the 7-digit estab number, "
    "and ask the school for the current secret: it changes each time the school "
    "re-authorises the app."
)
ACCESS_WITHDRAWN = (
    "Xporter refused a fresh login for this school. The school may have withdrawn or "
    "renewed its authorisation: ask the school for the current secret."
)
AUTHORISATION_PAUSED = (
    "The school has paused this app's access while it chooses which people to share. "
    "Try again once the school has finished its selection in the Groupcall portal."
)
SCOPE_NOT_GRANTED = (
    "The school has not shared {what} with this app. Ask the school to allow {scopes} "
    "in its Groupcall authorisation, then try again."
)
MIS_UNREACHABLE = (
    "Xporter could not be reached ({detail}). This is usually temporary: try again in "
    "a few minutes."
)
MALFORMED_RESPONSE = (
    "Xporter sent an answer that could not be read ({detail}). Trying again will not "
    "help: please contact support."
)
SERVICE_ERROR = "Xporter reported an error: {detail}. If it happens again, please contact support."
PARTNER_REJECTED = (
    "Groupcall refused this application's id or signature: check GROUPCALL_APPLICATION_ID "
    "and GROUPCALL_MANAGEMENT_SECRET."
)
REGISTER_UNREACHABLE = (
    "Groupcall's invitation service could not be reached ({detail}). This is usually "
    "temporary: try again in a few minutes."
)


class XodError(Exception):
    """Base of every error the XoD client raises.

    `message` is the plain-words text for the page; `detail` the technical cause for logs;
    `code` a stable name for JSON and templates; `transient` whether a retry may succeed.
    """

    code = "xod_error"
    transient = False

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        # Not args[0]: after unpickling (Celery results) args and message could differ.
        return self.message


class BadCredentials(XodError):
    """The estab is unknown to Xporter for our app, or the secret is wrong or replaced."""

    code = "bad_credentials"


class AuthorisationPaused(XodError):
    """The school is still choosing whom to share; nothing can be read until it finishes."""

    code = "authorisation_paused"


class ScopeNotGranted(XodError):
    """A scope the sync cannot do without is missing. `scopes` lists what to ask for."""

    code = "scope_not_granted"

    def __init__(self, message: str, *, scopes: tuple[str, ...] = (), detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.scopes = scopes


class MisUnreachable(XodError):
    """Network failure, timeout, 429 or 5xx, still failing after the client's retries.
    `status` is the last HTTP status (0 when there was no answer at all)."""

    code = "mis_unreachable"
    transient = True

    def __init__(self, message: str, *, status: int = 0, detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.status = status


class MalformedResponse(XodError):
    """The answer was not the JSON shape the reference describes."""

    code = "malformed_response"


class XodServiceError(XodError):
    """Xporter answered with an error of its own (a non-null `ExceptionMessage`, or an
    unexpected 4xx status)."""

    code = "service_error"


class PartnerRejected(XodError):
    """Groupcall's invitation service refused the application itself (its id, or the
    signature made with its management secret): the operator must fix the settings."""

    code = "partner_rejected"


def bad_credentials(detail: str = "") -> BadCredentials:
    return BadCredentials(BAD_CREDENTIALS, detail=detail)


def authorisation_paused(detail: str = "") -> AuthorisationPaused:
    return AuthorisationPaused(AUTHORISATION_PAUSED, detail=detail)


def mis_unreachable(detail: str, status: int = 0) -> MisUnreachable:
    return MisUnreachable(MIS_UNREACHABLE.format(detail=detail), status=status, detail=detail)


def malformed_response(detail: str) -> MalformedResponse:
    return MalformedResponse(MALFORMED_RESPONSE.format(detail=detail), detail=detail)


def service_error(detail: str) -> XodServiceError:
    return XodServiceError(SERVICE_ERROR.format(detail=detail), detail=detail)


def partner_rejected(detail: str = "") -> PartnerRejected:
    return PartnerRejected(PARTNER_REJECTED, detail=detail)


def register_unreachable(detail: str, status: int = 0) -> MisUnreachable:
    return MisUnreachable(REGISTER_UNREACHABLE.format(detail=detail), status=status, detail=detail)
