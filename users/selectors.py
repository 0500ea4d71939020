"""Reading one school's classes and accounts for the Manage users pages."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, F, Q, QuerySet

from users.models import ClassMembership, School, SchoolClass, User, YearGroup

ACTIVE_MEMBER = Q(memberships__user__archived_at__isnull=True)


def classes_with_counts(
    school: School,
    *,
    archived: bool = False,
    kind: str = "",
    name: str = "",
    subject: str = "",
) -> QuerySet[SchoolClass]:
    """The school's classes with `pupil_count` and `teacher_count` (active accounts only):
    registration groups (and classes made by hand) first, then teaching groups, each by
    year group and name. `kind`, `name` (any part of it) and `subject` narrow them; ""
    leaves them all."""
    pupils = ACTIVE_MEMBER & Q(memberships__role=ClassMembership.Role.PUPIL)
    teachers = ACTIVE_MEMBER & Q(memberships__role=ClassMembership.Role.TEACHER)
    classes = SchoolClass.objects.filter(school=school, archived=archived)
    if kind:
        classes = classes.filter(kind=kind)
    if name:
        classes = classes.filter(name__icontains=name)
    if subject:
        classes = classes.filter(subject=subject)
    return (
        classes.select_related("year_group")
        .annotate(
            pupil_count=Count("memberships", filter=pupils),
            teacher_count=Count("memberships", filter=teachers),
        )
        .order_by("kind", F("year_group__position").asc(nulls_last=True), "name", "pk")
    )


def class_totals(school: School) -> dict[str, int]:
    """Current registration and teaching groups, archived classes, and classes linked to
    the MIS (by a sync), in one query."""
    current = Q(archived=False)
    totals: dict[str, int] = SchoolClass.objects.filter(school=school).aggregate(
        registration=Count("pk", filter=current & Q(kind=SchoolClass.Kind.REGISTRATION)),
        teaching=Count("pk", filter=current & Q(kind=SchoolClass.Kind.TEACHING)),
        archived=Count("pk", filter=Q(archived=True)),
        synced=Count("pk", filter=~Q(mis_id="")),
    )
    return totals


def teaching_subjects(school: School) -> list[str]:
    """The subjects of the school's current teaching groups, A to Z."""
    return list(
        SchoolClass.objects.filter(school=school, archived=False, kind=SchoolClass.Kind.TEACHING)
        .exclude(subject="")
        .values_list("subject", flat=True)
        .distinct()
        .order_by("subject")
    )


def year_groups_with_counts(school: School) -> QuerySet[YearGroup]:
    active_pupils = Q(pupils__archived_at__isnull=True, pupils__role=User.Role.PUPIL)
    return (
        YearGroup.objects.filter(school=school)
        .annotate(pupil_count=Count("pupils", filter=active_pupils))
        .order_by("position")  # Meta.ordering does not apply to a GROUP BY query
    )


def account_totals(school: School) -> dict[str, int]:
    """Active pupils, active staff (administrators included) and archived accounts."""
    accounts = User.objects.filter(school=school)
    active = accounts.filter(archived_at__isnull=True)
    return {
        "pupils": active.filter(role=User.Role.PUPIL).count(),
        "staff": active.exclude(role=User.Role.PUPIL).count(),
        "archived": accounts.filter(archived_at__isnull=False).count(),
    }


def accounts_matching(
    school: School,
    *,
    search: str = "",
    group: str = "",
    year_group: YearGroup | None = None,
    school_class: SchoolClass | None = None,
    status: str = "active",
) -> QuerySet[User]:
    """The school's accounts by the Accounts page's filters. `group`: "pupils", "staff"
    (administrators included) or "" for everyone; `status`: "active", "archived" or "all".
    `search` matches any word of it against forename, surname or username."""
    accounts = User.objects.filter(school=school)
    for word in search.split():
        accounts = accounts.filter(
            Q(forename__icontains=word) | Q(surname__icontains=word) | Q(username__icontains=word)
        )
    if group == "pupils":
        accounts = accounts.filter(role=User.Role.PUPIL)
    elif group == "staff":
        accounts = accounts.exclude(role=User.Role.PUPIL)
    if year_group is not None:
        accounts = accounts.filter(year_group=year_group)
    if school_class is not None:
        accounts = accounts.filter(memberships__school_class=school_class)
    if status == "active":
        accounts = accounts.filter(archived_at__isnull=True)
    elif status == "archived":
        accounts = accounts.filter(archived_at__isnull=False)
    return accounts.select_related("year_group").order_by("surname", "forename", "username")


def staff_not_activated(school: School) -> QuerySet[User]:
    """The school's active staff (administrators included) who have not set a password
    yet: their activation link is unused or expired."""
    return (
        User.objects.filter(school=school, archived_at__isnull=True, is_active=True)
        .exclude(role=User.Role.PUPIL)
        .filter(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .order_by("surname", "forename", "username")
    )
