"""Reading one school's classes and accounts for the Manage users pages."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from users.models import ClassMembership, School, SchoolClass, User, YearGroup


def classes_with_counts(school: School, *, archived: bool = False) -> QuerySet[SchoolClass]:
    """The school's classes with `pupil_count` and `teacher_count` (active accounts only)."""
    return _counted(SchoolClass.objects.filter(school=school, archived=archived)).order_by(
        F("year_group__position").asc(nulls_last=True), "kind", "name"
    )


def _counted(classes: QuerySet[SchoolClass]) -> QuerySet[SchoolClass]:
    return classes.select_related("year_group").annotate(
        pupil_count=_active_members(ClassMembership.Role.PUPIL),
        teacher_count=_active_members(ClassMembership.Role.TEACHER),
    )


def _active_members(role: str) -> Coalesce:
    """A class's active members in `role`, counted by a subquery per class: PostgreSQL
    then reads only those classes' memberships by index, where a join of the counts
    may read every membership of the school (as it did for a page of 50 classes)."""
    members = (
        ClassMembership.objects.filter(
            school_class=OuterRef("pk"), role=role, user__archived_at__isnull=True
        )
        .order_by()
        .values("school_class")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(members), 0)


# Manage users' order: registration groups (and classes made by hand) first, then
# teaching groups, each by year group and name.
MANAGE_ORDER = ("kind", F("year_group__position").asc(nulls_last=True), "name", "pk")


def classes_matching(
    school: School, *, archived: bool = False, kind: str = "", name: str = "", subject: str = ""
) -> QuerySet[SchoolClass]:
    """The school's classes in Manage users' order, without counts (to be paged: counting
    every class's members costs in proportion to the school). `kind`, `name` (any part
    of it) and `subject` narrow them; "" leaves them all."""
    classes = SchoolClass.objects.filter(school=school, archived=archived)
    if kind:
        classes = classes.filter(kind=kind)
    if name:
        classes = classes.filter(name__icontains=name)
    if subject:
        classes = classes.filter(subject=subject)
    return classes.order_by(*MANAGE_ORDER)


def classes_counted(pks: list[int]) -> list[SchoolClass]:
    """The classes of `pks` (a page of them) in Manage users' order, with `pupil_count`
    and `teacher_count` (active accounts only), counting their members alone."""
    return list(_counted(SchoolClass.objects.filter(pk__in=pks)).order_by(*MANAGE_ORDER))


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
    """Active pupils, active staff (administrators included) and archived accounts, in
    one query."""
    active = Q(archived_at__isnull=True)
    pupils = Q(role=User.Role.PUPIL)
    totals: dict[str, int] = User.objects.filter(school=school).aggregate(
        pupils=Count("pk", filter=active & pupils),
        staff=Count("pk", filter=active & ~pupils),
        archived=Count("pk", filter=~active),
    )
    return totals


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
