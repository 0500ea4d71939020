"""Reading a school's accounts, classes and settings as the planner's plain data."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from users.models import ClassMembership, School, SchoolClass, User
from wizard.models import NotDuplicate, SyncRun, SyncSettings
from wizard.planner.fields import ACCOUNT_FIELDS, AccountField
from wizard.planner.types import MIS_SOURCE, Category, LocalAccount, LocalClass, PlanSettings


def local_accounts(school: School) -> list[LocalAccount]:
    """Every account of the school, archived ones included, in two queries."""
    class_ids: dict[int, set[int]] = defaultdict(set)
    memberships = ClassMembership.objects.filter(user__school=school).values_list(
        "user_id", "school_class_id"
    )
    for user_id, class_id in memberships:
        class_ids[user_id].add(class_id)
    read = [field for field in ACCOUNT_FIELDS if field.local]
    rows = User.objects.filter(school=school).values(
        "id", "role", "username", "archived_at", *[field.read_as for field in read]
    )
    return [
        LocalAccount(
            id=row["id"],
            role=row["role"],
            username=row["username"],
            archived=row["archived_at"] is not None,
            class_ids=frozenset(class_ids[row["id"]]),
            **_local_fields(row, read),
        )
        for row in rows
    ]


def _local_fields(row: dict[str, Any], read: list[AccountField]) -> dict[str, Any]:
    # A year group's code is None when the pupil has none: the planner says "".
    return {
        field.local: (row[field.read_as] or "") if field.lookup else row[field.read_as]
        for field in read
    }


def local_classes(school: School) -> list[LocalClass]:
    rows = SchoolClass.objects.filter(school=school).values(
        "id", "name", "kind", "mis_id", "subject", "year_group__code", "archived"
    )
    return [
        LocalClass(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            mis_id=row["mis_id"],
            subject=row["subject"],
            year=row["year_group__code"] or "",
            archived=row["archived"],
        )
        for row in rows
    ]


def sync_settings_of(school: School) -> SyncSettings:
    """The school's saved settings, or the defaults (unsaved) when it has none yet."""
    try:
        return school.sync_settings
    except SyncSettings.DoesNotExist:
        return SyncSettings(school=school)


def plan_settings(sync_settings: SyncSettings, source: str = MIS_SOURCE) -> PlanSettings:
    return PlanSettings(
        source=source,
        pupil_username_format=sync_settings.pupil_username_format,
        staff_username_format=sync_settings.staff_username_format,
        staff_scope=sync_settings.staff_scope,
        password_formats=dict(sync_settings.password_formats),
        year_mapping=dict(sync_settings.year_mapping),
        subject_groups=frozenset(sync_settings.subject_groups),
        brake_percent=sync_settings.brake_percent,
    )


def not_duplicate_pairs(school: School) -> frozenset[tuple[str, int]]:
    pairs = NotDuplicate.objects.filter(school=school).values_list("mis_id", "account_id")
    return frozenset(pairs)


def new_pupils_of(run: SyncRun) -> QuerySet[User]:
    """The pupils `run` created that are still active (an undone run's are archived)."""
    return User.objects.filter(
        sync_changes__run=run,
        sync_changes__kind=Category.NEW,
        role=User.Role.PUPIL,
        archived_at__isnull=True,
    ).distinct()
