"""The fake server's own HTTP control endpoints (not part of XoD), for tests and demos
that run the server in another process:

    GET  /_fake/{estab}/requests          -> {"count": n, "requests": [...]}
    POST /_fake/{estab}/faults            body: one fault or a list, as in the dataset
    POST /_fake/{estab}/faults/clear
    POST /_fake/{estab}/expire-tokens
    POST /_fake/{estab}/authorisation     body: {"paused": true}
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from misclient.fake.faults import Fault, FaultError
from misclient.fake.responses import Answer

if TYPE_CHECKING:
    from misclient.fake.app import FakeXodApp

PREFIX = "/_fake/"

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


def _json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8") or "null")


def _add_faults(app: FakeXodApp, estab: str, body: bytes) -> None:
    data = _json(body)
    for item in data if isinstance(data, list) else [data]:
        app.add_fault(estab, Fault.from_dict(item))


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
        elif method == "POST" and action == "authorisation":
            app.pause_authorisation(estab, bool((_json(body) or {}).get("paused", True)))
        else:
            return Answer(404, {"error": f"no control action {method} {action}"})
    except (FaultError, ValueError, AttributeError, TypeError) as exc:
        return Answer(400, {"error": str(exc)})
    return Answer(200, {"ok": True})
