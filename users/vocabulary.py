"""The words accounts and classes are described with, as plain enums: the models use them
for their choices, and the sync's planner (which has no ORM) compares with the same."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    PUPIL = "pupil"
    STAFF = "staff"
    ADMIN = "admin"  # a school administrator, or support staff when without a school


ROLE_LABELS = {Role.PUPIL: "Pupil", Role.STAFF: "Staff", Role.ADMIN: "Administrator"}


class ClassKind(StrEnum):
    REGISTRATION = "registration"  # a form or tutor group: every pupil is in one
    TEACHING = "teaching"  # a subject class


CLASS_KIND_LABELS = {
    ClassKind.REGISTRATION: "Registration group",
    ClassKind.TEACHING: "Teaching group",
}


def choices(labels: Mapping[Any, str]) -> list[tuple[str, str]]:
    """A model field's choices from an enum's labels."""
    return [(str(value), label) for value, label in labels.items()]
