"""The fake XoD server's behaviour, without the HTTP plumbing: one request in, one
`Answer` out. Routes follow the reference's "Hosts", "Token", "Data endpoints" and
"Invitation API" (the last in invitations.py).

The run-time API for tests (faults, pausing, expiring tokens, request counts, invitations
and the school's consent) is on `FakeXodApp`; a `FakeXodServer` holds one as `app`.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from misclient.fake.server import invitations, responses
from misclient.fake.server.dataset import FakeDataset, FakeSchool, Row, load_dataset
from misclient.fake.server.faults import ERROR, HANG, MALFORMED, Fault
from misclient.fake.server.fieldscopes import ENDPOINT_SCOPES, SCOPE_DEFINITIONS, granted
from misclient.fake.server.invitations import Invitation, NoInvitation
from misclient.fake.server.responses import Answer
from misclient.fake.server.selection import SELECTORS, BadQuery, Query, group_members

TOKEN_PATHS = ("/api/oauth/gettoken", "/idaas/sts/sts/gettoken")
DATA_PATH = re.compile(
    r"^/api/v1/school/(?P<estab>[^/]+)/(?P<endpoint>[^/]+)/?(?P<id>[^/]*)/?$", re.I
)
THIRD_PARTY_ID = "XporterOnDemand"
DEFAULT_TOKEN_LIFETIME = timedelta(hours=120)  # the lifetime observed on the real service
MALFORMED_BODY = b'{"Students": [{"Id": "3116", "Forename": "Al'


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class RecordedRequest:
    method: str
    path: str
    endpoint: str
    estab: str
    query: dict[str, str]
    status: int = 0


@dataclass(frozen=True)
class IssuedToken:
    estab: str
    expires: datetime


class FakeXodApp:
    """State and behaviour of the fake server for a loaded dataset."""

    def __init__(
        self,
        dataset: FakeDataset | dict[str, Any] | str | Path,
        *,
        token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
        clock: Callable[[], datetime] = _utcnow,
        partner_application_id: str | None = None,
        partner_management_secret: str | None = None,
    ) -> None:
        self.dataset = dataset if isinstance(dataset, FakeDataset) else load_dataset(dataset)
        if partner_application_id is not None:
            self.dataset.partner_application_id = partner_application_id
        if partner_management_secret is not None:
            self.dataset.partner_management_secret = partner_management_secret
        self.token_lifetime = token_lifetime
        self.clock = clock
        # How consent reaches the application; tests may swap in a Django test client.
        self.send_callback: Callable[[str, dict[str, str]], int] = invitations.post_callback
        self._invitations: dict[str, list[Invitation]] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._requests: list[RecordedRequest] = []
        self._deltas = responses.DeltaStore()
        self._lock = threading.Lock()

    # -- Run-time API for tests ----------------------------------------------------------

    def school(self, estab: str) -> FakeSchool:
        """The school's live state (rows, scopes...). Raises KeyError for an unknown estab."""
        return self.dataset.schools[estab]

    def add_fault(self, estab: str, fault: Fault) -> None:
        self.school(estab).faults.add(fault)

    def fail_next(
        self, estab: str, count: int = 1, *, status: int = 500, endpoint: str = ""
    ) -> None:
        """Answer the school's next `count` requests with `status` (500, 503, 429...)."""
        self.add_fault(estab, Fault("status", count=count, status=status, endpoint=endpoint))

    def hang_next(
        self, estab: str, count: int = 1, *, seconds: float = 5.0, endpoint: str = ""
    ) -> None:
        """Wait `seconds` before answering the school's next `count` requests."""
        self.add_fault(estab, Fault(HANG, count=count, seconds=seconds, endpoint=endpoint))

    def malformed_next(self, estab: str, count: int = 1, *, endpoint: str = "") -> None:
        """Answer the school's next `count` requests with truncated JSON."""
        self.add_fault(estab, Fault(MALFORMED, count=count, endpoint=endpoint))

    def error_next(
        self,
        estab: str,
        count: int = 1,
        *,
        message: str = "Something went wrong",
        endpoint: str = "",
    ) -> None:
        """Answer the school's next `count` requests with HTTP 200 and an XoD error body."""
        self.add_fault(estab, Fault(ERROR, count=count, message=message, endpoint=endpoint))

    def clear_faults(self, estab: str) -> None:
        self.school(estab).faults.clear()

    def pause_authorisation(self, estab: str, paused: bool = True) -> None:
        self.school(estab).authorisation_paused = paused

    def invitations(self, estab: str | None = None) -> list[Invitation]:
        """Invitations received (SchoolRegister answered OK), oldest first, for one
        school or all."""
        with self._lock:
            found = [i for sent in self._invitations.values() for i in sent]
        return sorted(
            (i for i in found if estab is None or i.estab == estab), key=lambda i: i.received
        )

    def consent(
        self,
        estab: str,
        *,
        scopes: Sequence[str] | None = None,
        paused: bool = False,
        install_completed: bool = False,
    ) -> int:
        """The school's contact consents to the latest invitation, as in Groupcall's portal.

        The school gets a new secret (the old one and its tokens stop working) and grants
        `scopes` (default: those the invitation asked for); then the callback is posted to
        the invitation's callback URL. Returns the status the application answered (0: no
        answer). With `install_completed` after an earlier consent to the same
        invitation, the callback is sent again with the marker and the same secret, as
        Groupcall does once its agent has run.

        Raises NoInvitation if the school was never invited.
        """
        with self._lock:
            sent = self._invitations.get(estab)
            if not sent:
                raise NoInvitation(f"no invitation for estab {estab}")
            invitation, school = sent[-1], self.school(estab)
            if not (install_completed and invitation.consented and school.secret):
                self._reauthorise(school)
            if scopes is not None or not invitation.consented:
                school.scopes = list(invitation.scopes if scopes is None else scopes)
            school.authorisation_paused = paused
            invitation.consented = self.clock()
            partner_id = self.dataset.partner_application_id
            form = invitations.callback_form(invitation, school, partner_id, install_completed)
        # Never under the lock: the application may call the fake while answering.
        return self.send_callback(invitation.callback_url, form)

    def _reauthorise(self, school: FakeSchool) -> None:
        """A new secret; tokens issued under the old one stop working. Under the lock."""
        school.secret = secrets.token_urlsafe(24)
        for value, token in list(self._tokens.items()):
            if token.estab == school.estab:
                del self._tokens[value]

    def expire_tokens(self, estab: str) -> None:
        """Every token issued for the school stops working (the next data call gets 401)."""
        past = self.clock() - timedelta(seconds=1)
        with self._lock:
            for value, token in list(self._tokens.items()):
                if token.estab == estab:
                    self._tokens[value] = IssuedToken(estab, past)

    def set_scopes(self, estab: str, scopes: list[str]) -> None:
        self.school(estab).scopes = list(scopes)

    def requests(self, estab: str | None = None) -> list[RecordedRequest]:
        """Requests received (control requests excluded), oldest first, for one school or all."""
        return [r for r in list(self._requests) if estab is None or r.estab == estab]

    def request_count(self, estab: str, endpoint: str = "") -> int:
        """How many requests the school received: of one endpoint ("Students",
        "GetToken"...), or of all."""
        return sum(
            1
            for r in self.requests(estab)
            if not endpoint or r.endpoint.lower() == endpoint.lower()
        )

    def reset_requests(self) -> None:
        self._requests.clear()

    # -- Dispatch -----------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        """The answer to one HTTP request. `headers` have lower-cased names."""
        url = urlsplit(target)
        path, query = url.path.rstrip("/") or "/", parse_qs(url.query)
        estab, endpoint, respond = self._route(method, path, query, headers, body)
        record = RecordedRequest(
            method, path, endpoint, estab, {k: v[-1] for k, v in query.items()}
        )
        self._requests.append(record)
        answer = self._with_fault(estab, endpoint, respond)
        record.status = answer.status
        return answer

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[str, str, Callable[[], Answer]]:
        """(estab the request belongs to, endpoint name, how to answer it)."""
        lowered = path.lower()
        if lowered == invitations.REGISTER_PATH and method == "POST":
            estab = invitations.first_estab(body)
            return estab, "SchoolRegister", lambda: self._register(headers, body)
        if lowered in TOKEN_PATHS and method == "POST":
            fields = _token_fields(body)
            return fields.get("estab", ""), "GetToken", lambda: self._token(fields)
        if lowered in ("/api/v1/tokendetails", "/api/v1/scopes") and method == "GET":
            # Counted for the school the token was issued to, even if it has expired.
            estab = getattr(self._token_of(headers), "estab", "")
            name = "TokenDetails" if lowered.endswith("tokendetails") else "Scopes"
            return estab, name, lambda: self._about_token(name, self._valid_token(headers))
        if (match := DATA_PATH.match(path)) and method == "GET":
            estab, endpoint = match["estab"], _endpoint_name(match["endpoint"])
            item = match["id"]
            return (
                estab,
                endpoint,
                lambda: self._data(estab, endpoint, Query.parse(query, item), headers),
            )
        return (
            "",
            path.rsplit("/", 1)[-1],
            lambda: Answer(404, responses.error_body("No such endpoint")),
        )

    def _with_fault(self, estab: str, endpoint: str, answer: Callable[[], Answer]) -> Answer:
        school = self.dataset.schools.get(estab)
        fault = school.faults.take(endpoint) if school else None
        if fault is None:
            return answer()
        if fault.kind == HANG:
            hung = answer()
            hung.delay = fault.seconds
            return hung
        if fault.kind == MALFORMED:
            return Answer(200, MALFORMED_BODY)
        if fault.kind == ERROR:
            return Answer(200, responses.error_body(fault.message))
        if fault.status == 401:
            return Answer(401, {"Message": responses.DENIED})
        retry_after = {"Retry-After": "1"} if fault.status == 429 else {}
        body = responses.error_body(None, "An error has occurred.")
        return Answer(fault.status, body, retry_after)

    # -- Token ("Token" section) ---------------------------------------------------------

    def _token(self, fields: dict[str, str]) -> Answer:
        school = self.dataset.schools.get(fields.get("estab", ""))
        expected_rp = self.dataset.relying_party
        if (
            school is None
            or school.secret is None  # not authorised yet: refused as the real one does
            or fields.get("password") != school.secret
            or (expected_rp and fields.get("relyingparty") != expected_rp)
            or fields.get("thirdpartyid", THIRD_PARTY_ID).lower() != THIRD_PARTY_ID.lower()
        ):
            return Answer(
                200, _token_body(None, responses.NO_TOKEN_EXPIRY, responses.BAD_CREDENTIALS)
            )
        if school.authorisation_paused:
            return Answer(200, _token_body(None, responses.NO_TOKEN_EXPIRY, responses.PAUSED))
        value = base64.b64encode(secrets.token_bytes(512)).decode()
        issued = IssuedToken(school.estab, self.clock() + self.token_lifetime)
        with self._lock:
            self._tokens[value] = issued
        return Answer(200, _token_body(value, _xod_time(issued.expires, zone=True), None))

    def _token_of(self, headers: dict[str, str]) -> IssuedToken | None:
        """The token an `Authorization: Idaas <token>` header names, expired or not."""
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return self._tokens.get(value.strip()) if scheme.lower() == "idaas" else None

    def _valid_token(self, headers: dict[str, str]) -> IssuedToken | None:
        token = self._token_of(headers)
        return token if token and token.expires > self.clock() else None

    def _about_token(self, name: str, token: IssuedToken | None) -> Answer:
        if token is None:
            return Answer(401, {"Message": responses.DENIED})
        if name == "Scopes":
            return Answer(200, {"Scopes": SCOPE_DEFINITIONS})
        school = self.school(token.estab)
        if school.authorisation_paused:
            return Answer(200, responses.error_body(responses.PAUSED))
        return Answer(
            200,
            {
                "Estab": school.estab,
                "Expires": _xod_time(token.expires, zone=True),
                "Name": school.school_info.get("Name", ""),
                "RelyingParty": self.dataset.relying_party,
                "Scopes": list(school.scopes),
                **responses.error_body(None),
            },
        )

    # -- Invitation API ("Invitation API") ----------------------------------------------

    def _register(self, headers: dict[str, str], body: bytes) -> Answer:
        answer, made = invitations.register(self.dataset, headers, body, self.clock())
        with self._lock:
            for invitation in made:
                self._invitations.setdefault(invitation.estab, []).append(invitation)
        return answer

    # -- Data ("Data endpoints", "Response envelope", "Delta") --------------------------

    def _data(self, estab: str, endpoint: str, query: Query, headers: dict[str, str]) -> Answer:
        token = self._valid_token(headers)
        if token is None or token.estab != estab:
            return Answer(401, {"Message": responses.DENIED})
        if endpoint not in SELECTORS:
            return Answer(404, responses.error_body(f"The fake does not serve {endpoint}"))
        school = self.school(estab)
        if school.authorisation_paused:
            return Answer(200, responses.error_body(responses.PAUSED))
        if not granted(school.scopes, ENDPOINT_SCOPES[endpoint]):
            needed = " or ".join(ENDPOINT_SCOPES[endpoint])
            return Answer(
                403, responses.error_body(f"The token has no scope for {endpoint} ({needed})")
            )
        try:
            return Answer(200, self._data_body(school, endpoint, query))
        except BadQuery as exc:
            return Answer(400, responses.error_body(str(exc), "The request is invalid."))

    def _data_body(self, school: FakeSchool, endpoint: str, query: Query) -> dict[str, Any]:
        rows = SELECTORS[endpoint](school, query)
        delta = None
        if previous := query.param("changedRows"):
            scope = f"{school.estab}/{endpoint}/{sorted(query.options)}"
            delta = self._deltas.delta(scope, previous, rows)
            rows = delta.changed
        page, pagination = responses.paginate(rows, query)
        side = group_members(school, page, query) if endpoint == "Groups" else {}
        now = _xod_time(self.clock())
        body = responses.envelope(endpoint, page, side, now, pagination)
        if delta:
            size = int(pagination[0]["PageSize"]) if pagination else responses.DEFAULT_PAGE_SIZE
            responses.add_delta_blocks(body, endpoint, delta, self.dataset.relying_party, now, size)
        return body


def _endpoint_name(raw: str) -> str:
    """The endpoint's canonical spelling ("students" -> "Students"), or `raw` if unknown."""
    return next((name for name in SELECTORS if name.lower() == raw.lower()), raw)


def _token_fields(body: bytes) -> dict[str, str]:
    """The token request's fields, names lower-cased (clients spell thirdPartyId both ways);
    JSON as documented, form-encoded accepted too."""
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = {name: values[-1] for name, values in parse_qs(text).items()}
    if not isinstance(data, dict):
        return {}
    return {str(k).lower(): str(v).strip() for k, v in data.items() if v is not None}


def _token_body(token: str | None, expires: str, error: str | None) -> Row:
    return {"token": token, "expires": expires, **responses.error_body(error)}


def _xod_time(moment: datetime, zone: bool = False) -> str:
    """XoD's timestamps: token expiry with 7 fractional digits and Z, others in
    milliseconds with no zone."""
    moment = moment.astimezone(UTC).replace(tzinfo=None)
    if zone:
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}"
