"""The fake server's own HTTP control endpoints (not part of XoD), for tests and demos
that run the server in another process. The HTTP server sends them here; the app knows
nothing of them.

    GET  /_fake/{estab}/requests          -> {"count": n, "requests": [...]}
    POST /_fake/{estab}/faults            body: one fault or a list, as in the dataset
    POST /_fake/{estab}/faults/clear
    POST /_fake/{estab}/expire-tokens
    POST /_fake/{estab}/authorisation     body: {"paused": true}
    POST /_fake/{estab}/rows              body: {"Students": [...], "Staff": [...], ...}:
                                          the MIS changed (a new academic year, say)
    GET  /_fake/{estab}/invitations       -> {"count": n, "invitations": [...]}: what the
                                          invitation API received for the school
    POST /_fake/{estab}/consent           body: {"scopes": [...], "paused": false,
                                          "install_completed": false} (all optional):
                                          the school consents to its latest invitation
                                          (FakeXodApp.consent) -> {"ok": true,
                                          "callback_status": 200}, the status the
                                          application answered the callback with (0: no
                                          answer); 404 if the school was never invited
    GET  /_fake/consent                   an HTML page standing in for Groupcall's consent
                                          email, for demos: each invitation with a button
                                          that posts the consent form-encoded to the
                                          endpoint above, which then answers in HTML
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from misclient.fake.server import consent_page
from misclient.fake.server.app import FakeXodApp
from misclient.fake.server.faults import Fault, FaultError
from misclient.fake.server.invitations import NoInvitation
from misclient.fake.server.responses import Answer

PREFIX = "/_fake/"
CONSENT_PAGE = PREFIX + "consent"
FORM_TYPE = "application/x-www-form-urlencoded"


def _json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8") or "null")


def _add_faults(app: FakeXodApp, estab: str, body: bytes) -> None:
    data = _json(body)
    for item in data if isinstance(data, list) else [data]:
        app.add_fault(estab, Fault.from_dict(item))


# The sets a school's rows come in, as in the dataset.
ROW_SETS = ("SchoolInfo", "Students", "Staff", "Groups")


def _set_rows(app: FakeXodApp, estab: str, body: bytes) -> None:
    data = _json(body)
    if not isinstance(data, dict):
        raise ValueError('send an object of row sets, such as {"Students": [...]}')
    school = app.dataset.schools[estab]
    for name in ROW_SETS:
        if name in data:
            rows = data[name]
            school.set_rows(name, rows if isinstance(rows, list) else [rows])


def _consent(app: FakeXodApp, estab: str, body: bytes, content_type: str) -> Answer:
    """The school consents; answered in HTML to the consent page's form, else in JSON."""
    if content_type.split(";")[0].strip().lower() == FORM_TYPE:
        choice = consent_page.read_form(body)
        try:
            status = app.consent(estab, **choice)
        except NoInvitation:
            return consent_page.no_invitation(estab)
        return consent_page.answer(app, estab, status)
    data = _json(body) or {}
    if not isinstance(data, dict):
        raise ValueError('send an object such as {"scopes": ["Student"], "paused": false}')
    scopes = data.get("scopes")
    if scopes is not None and not isinstance(scopes, list):
        raise ValueError("scopes must be a list of scope names")
    try:
        status = app.consent(
            estab,
            scopes=None if scopes is None else [str(s) for s in scopes],
            paused=bool(data.get("paused", False)),
            install_completed=bool(data.get("install_completed", False)),
        )
    except NoInvitation as exc:
        return Answer(404, {"error": str(exc)})
    return Answer(200, {"ok": True, "callback_status": status})


def handle(
    app: FakeXodApp,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> Answer:
    """Carry out one control request (`headers` with lower-cased names). Unknown school:
    404; bad body: 400."""
    if path.lower() == CONSENT_PAGE and method == "GET":
        return consent_page.page(app)
    estab, _, action = path[len(PREFIX) :].partition("/")
    if estab not in app.dataset.schools:
        return Answer(404, {"error": f"no school with estab {estab}"})
    try:
        if method == "GET" and action == "requests":
            found = [asdict(r) for r in app.requests(estab)]
            return Answer(200, {"count": len(found), "requests": found})
        if method == "GET" and action == "invitations":
            sent = [i.to_dict() for i in app.invitations(estab)]
            return Answer(200, {"count": len(sent), "invitations": sent})
        if method == "POST" and action == "consent":
            return _consent(app, estab, body, (headers or {}).get("content-type", ""))
        if method == "POST" and action == "faults":
            _add_faults(app, estab, body)
        elif method == "POST" and action == "faults/clear":
            app.clear_faults(estab)
        elif method == "POST" and action == "expire-tokens":
            app.expire_tokens(estab)
        elif method == "POST" and action == "rows":
            _set_rows(app, estab, body)
        elif method == "POST" and action == "authorisation":
            app.pause_authorisation(estab, bool((_json(body) or {}).get("paused", True)))
        else:
            return Answer(404, {"error": f"no control action {method} {action}"})
    except (FaultError, ValueError, AttributeError, TypeError) as exc:
        return Answer(400, {"error": str(exc)})
    return Answer(200, {"ok": True})
