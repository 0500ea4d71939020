"""Which XoD scopes the sync needs, and what is lost without the optional ones.

A school grants scopes per app (reference: "Authorisation by the school"). Without a
required scope a whole endpoint is unreadable and a sync would wrongly see an empty
school, so the client refuses. Without an optional scope some fields are simply absent
from the rows; the snapshot records the scope in `missing_scopes` and the sync goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RequiredScope:
    """One endpoint's scope: any one of `alternatives` is enough."""

    endpoint: str
    alternatives: tuple[str, ...]
    what: str  # what is unreadable without it, in the school's words


REQUIRED_SCOPES = (
    RequiredScope("SchoolInfo/Groups", ("School", "SchoolLite"), "its classes and year groups"),
    RequiredScope("Students", ("Student", "StudentLite"), "its pupils"),
    RequiredScope("Staff", ("Staff", "StaffLite"), "its staff"),
)

# Optional scope -> what goes missing without it.
OPTIONAL_SCOPES = {
    "UPN": "pupils' UPNs, which recognise a pupil whose MIS record was re-created",
    "StudentExtended": "pupils' legal names",
    "StaffExtended": "staff legal names",
    "StaffEmployment": "staff roles",
}

MISSING_SCOPE_NOTE = "The school has not shared the {scope} scope, so {what} will be missing."


def _granted_set(granted: Iterable[str]) -> set[str]:
    return {scope.strip().lower() for scope in granted}


def missing_required(granted: Iterable[str]) -> list[RequiredScope]:
    """The required scopes of which none of the alternatives is granted (case-insensitive)."""
    have = _granted_set(granted)
    return [
        need
        for need in REQUIRED_SCOPES
        if not any(alternative.lower() in have for alternative in need.alternatives)
    ]


def missing_optional(granted: Iterable[str]) -> tuple[str, ...]:
    """The optional scopes not granted, in the order of OPTIONAL_SCOPES."""
    have = _granted_set(granted)
    return tuple(scope for scope in OPTIONAL_SCOPES if scope.lower() not in have)


def describe_missing_scopes(scopes: Iterable[str]) -> list[str]:
    """One plain sentence per missing scope, for the wizard and the sync run page."""
    return [
        MISSING_SCOPE_NOTE.format(scope=scope, what=OPTIONAL_SCOPES.get(scope, "some details"))
        for scope in scopes
    ]
