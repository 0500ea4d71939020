"""Faults the fake XoD server can be told to inject, per school.

A fault applies to the next `count` requests of its school (token requests included)
whose endpoint matches: "" matches any; otherwise the last path word, compared
case-insensitively: "GetToken", "TokenDetails", "SchoolInfo", "Students", "Staff"...
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

STATUS = "status"  # answer with `status` (500, 503, 429...) and an XoD error body
HANG = "hang"  # wait `seconds` before answering, to outlast the client's timeout
MALFORMED = "malformed"  # answer 200 with a truncated JSON body
ERROR = "error"  # answer 200 with an XoD error body carrying `message` as ExceptionMessage
FAULT_KINDS = (STATUS, HANG, MALFORMED, ERROR)


class FaultError(ValueError):
    """A fault description that cannot be used."""


@dataclass(frozen=True)
class Fault:
    kind: str
    count: int = 1
    status: int = 500
    seconds: float = 5.0
    endpoint: str = ""
    message: str = "Something went wrong"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise FaultError(f"fault kind must be one of {FAULT_KINDS}, not {self.kind!r}")
        if self.count < 1:
            raise FaultError("a fault's count must be at least 1")

    def matches(self, endpoint: str) -> bool:
        return not self.endpoint or self.endpoint.lower() == endpoint.lower()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """From the dataset's or the control endpoint's JSON:
        {"kind": "status", "status": 503, "count": 2, "endpoint": "Students"}."""
        unknown = set(data) - {"kind", "count", "status", "seconds", "endpoint", "message"}
        if unknown:
            raise FaultError(f"unknown fault keys: {sorted(unknown)}")
        try:
            return cls(
                kind=str(data.get("kind", "")),
                count=int(data.get("count", 1)),
                status=int(data.get("status", 500)),
                seconds=float(data.get("seconds", 5.0)),
                endpoint=str(data.get("endpoint", "")),
                message=str(data.get("message", "Something went wrong")),
            )
        except (TypeError, ValueError) as exc:
            raise FaultError(f"bad fault {data}: {exc}") from exc


class FaultQueue:
    """Pending faults of one school, oldest first; safe across server threads."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self._faults = list(faults or [])
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, endpoint: str) -> Fault | None:
        """The first fault matching `endpoint`, used up by one (None if there is none)."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(endpoint):
                    if fault.count == 1:
                        del self._faults[index]
                    else:
                        self._faults[index] = replace(fault, count=fault.count - 1)
                    return fault
        return None
