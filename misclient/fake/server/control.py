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
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from misclient.fake.server.app import FakeXodApp
from misclient.fake.server.faults import Fault, FaultError
from misclient.fake.server.responses import Answer

PREFIX = "/_fake/"


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


def handle(app: FakeXodApp, method: str, path: str, body: bytes) -> Answer:
    """Carry out one control request. Unknown school: 404; bad body: 400."""
    estab, _, action = path[len(PREFIX) :].partition("/")
    if estab not in app.dataset.schools:
        return Answer(404, {"error": f"no school with estab {estab}"})
    try:
        if method == "GET" and action == "requests":
            found = [asdict(r) for r in app.requests(estab)]
            return Answer(200, {"count": len(found), "requests": found})
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
