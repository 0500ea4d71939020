"""Which XoD scopes the sync needs, and what is lost without the optional ones.

A school grants scopes per app (reference: "Authorisation by the school"). Without a
required scope a whole endpoint is unreadable and a sync would wrongly see an empty
school, so the client refuses. Without an optional scope some fields are simply absent
from the rows; the snapshot records the scope in `missing_scopes` and the sync goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from misclient.errors import SCOPE_NOT_GRANTED, ScopeNotGranted


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

# Optional scope -> what goes missing without it. Only scopes of fields the sync keeps
# (misclient.snapshot) are listed: legal names (StudentExtended, StaffExtended) and staff
# roles (StaffEmployment) are never kept, so nothing is missing without them.
OPTIONAL_SCOPES = {
    "UPN": "pupils' UPNs (which recognise a pupil whose MIS record was re-created)",
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


def scope_error(missing: list[RequiredScope], detail: str = "") -> ScopeNotGranted:
    """The error for required scopes the school has not granted; `scopes` on it holds the
    preferred scope of each, the message names the alternatives too."""
    what = " and ".join(need.what for need in missing)
    ask = " and ".join(" (or ".join(need.alternatives) + ")" for need in missing)
    message = SCOPE_NOT_GRANTED.format(what=what, scopes=ask)
    preferred = tuple(need.alternatives[0] for need in missing)
    return ScopeNotGranted(message, scopes=preferred, detail=detail)


def required_for(endpoint: str) -> RequiredScope:
    """The required scope of a data endpoint ("Students", "Groups"...)."""
    return next(
        (need for need in REQUIRED_SCOPES if endpoint in need.endpoint.split("/")),
        REQUIRED_SCOPES[0],
    )
