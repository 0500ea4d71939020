"""XoD response bodies: the envelope, paging, deltas and error shapes, with the quirks of
the reference and the recorded responses (`Group` singular, `NextPage` set on the last
page, side sets always present, `meta` empty in delta answers)."""

from __future__ import annotations

import math
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from misclient.fake.server.dataset import Row
from misclient.fake.server.selection import BadQuery, Query

DEFAULT_PAGE_SIZE = 1000


@dataclass
class Answer:
    """What the fake answers one request with."""

    status: int
    body: Any  # a JSON-ready value, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (the hang fault)


# The set name each endpoint answers under, and its always-present (often empty) side sets.
SET_NAMES = {
    "SchoolInfo": "SchoolInfo",
    "Students": "Students",
    "Staff": "Staff",
    "Groups": "Group",
}
SIDE_SETS = {
    "Students": ("StudentSiblings",),
    "Groups": ("StaffMembers", "StudentMembers", "GroupTypes"),
}

DENIED = "Authorization has been denied for this request."
BAD_CREDENTIALS = "Relying Party not found for estab or secret not correct"
PAUSED = (
    "Authorisation is currently paused while the school finalises the selection of people "
    "they wish to include in this feed."
)
NO_TOKEN_EXPIRY = "0001-01-01T00:00:00"


def error_body(exception_message: str | None, message: str | None = None) -> Row:
    """The XoD error shape."""
    return {
        "Message": message,
        "ExceptionType": None,
        "ExceptionMessage": exception_message,
        "InnerException": None,
    }


def meta_block(now: str) -> list[Row]:
    return [{"Id": 1, "MIS": "simsnet", "Version": "4", "DateTime": now}]


def _int_param(query: Query, name: str, default: int) -> int:
    raw = query.param(name)
    try:
        value = int(raw) if raw else default
    except ValueError as exc:
        raise BadQuery(f"{name} must be a whole number") from exc
    if value < 1:
        raise BadQuery(f"{name} must be at least 1")
    return value


def paginate(rows: list[Row], query: Query) -> tuple[list[Row], list[Row] | None]:
    """One page of `rows` and its `__pagination__` block; all rows and no block when the
    query has neither `page` nor `pageSize`."""
    if not query.param("page") and not query.param("pageSize"):
        return rows, None
    size = _int_param(query, "pageSize", DEFAULT_PAGE_SIZE)
    page = _int_param(query, "page", 1)
    count = max(1, math.ceil(len(rows) / size))
    block = {
        "PageSize": size,
        "PageNumber": page,
        "PageCount": count,
        "RowCount": len(rows),
        "NextPage": f"?page={page + 1}&pageSize={size}",  # set even on the last page
    }
    return rows[(page - 1) * size : page * size], [block]


@dataclass(frozen=True)
class Delta:
    changed: list[Row]
    deleted: list[Row]
    previous: str
    next_token: str


class DeltaStore:
    """`changedRows` tokens: what each token's caller has seen, per school and endpoint.

    The same token asked again (for its next page) gets the same delta and next token.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], dict[str, str]] = {}
        self._answered: dict[tuple[str, str], Delta] = {}
        self._lock = threading.Lock()

    def delta(self, scope: str, previous: str, rows: list[Row]) -> Delta:
        """The delta since `previous` ("*" = from nothing). `scope` names the school,
        endpoint and options. Raises BadQuery for a token never issued for that scope."""
        with self._lock:
            if answered := self._answered.get((scope, previous)):
                return answered
            seen = {} if previous == "*" else self._seen.get((scope, previous))
            if seen is None:
                raise BadQuery(f"changedRows token {previous} is not known")
            now = {str(r["Id"]): str(r.get("RowHash")) for r in rows}
            delta = Delta(
                changed=[r for r in rows if seen.get(str(r["Id"])) != now[str(r["Id"])]],
                deleted=[{"Id": gone} for gone in seen if gone not in now],
                previous=previous,
                next_token=secrets.token_hex(16),
            )
            self._seen[(scope, delta.next_token)] = now
            self._answered[(scope, previous)] = delta
            return delta


def envelope(
    endpoint: str,
    rows: list[Row],
    side_sets: dict[str, list[Row]],
    now: str,
    pagination: list[Row] | None,
) -> dict[str, Any]:
    """A full XoD body: the named set, its side sets, meta and (if paged) __pagination__."""
    body: dict[str, Any] = {SET_NAMES[endpoint]: rows}
    for name in SIDE_SETS.get(endpoint, ()):
        body[name] = side_sets.get(name, [])
    body["meta"] = meta_block(now)
    if pagination is not None:
        body["__pagination__"] = pagination
    return body


def add_delta_blocks(
    body: dict[str, Any], endpoint: str, delta: Delta, relying_party: str, now: str, size: int
) -> None:
    """Turn `body` into a delta answer: `{Set}_deleted` for every set and __changedRows__."""
    body["meta"] = []
    for name in (SET_NAMES[endpoint], *SIDE_SETS.get(endpoint, ())):
        body[f"{name}_deleted"] = delta.deleted if name == SET_NAMES[endpoint] else []
    body["__changedRows__"] = [
        {
            "SnapshotDate": now + "Z",
            "SnapshotRP": relying_party,
            "PreviousChangedRows": delta.previous,
            "RequestedChangedRows": delta.next_token,
            "NextChangedRows": delta.next_token,
            "NextUrl": f"?changedRows={delta.next_token}&page=1&pageSize={size}",
        }
    ]
