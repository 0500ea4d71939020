"""Django admin for support staff: sync runs and their changes, read-only, with undo."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from users.admin import UserAdmin
from users.models import User
from users.vocabulary import Role
from wizard.models import (
    GroupcallInvitation,
    MisConnection,
    NotDuplicate,
    SyncChange,
    SyncRun,
    SyncSettings,
)
from wizard.planner.types import Category, ClassCategory
from wizard.services import erase
from wizard.services.lifecycle import SyncError
from wizard.services.undo import sync_run_undo

M = TypeVar("M", bound=Model)

# A run's fields that may be big and that no list shows.
RUN_PAYLOAD = ["run__snapshot", "run__settings_used", "run__decisions", "run__undo_report"]


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    """Inspection only: nothing is added, edited or deleted here by hand."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin[SyncRun]):
    list_display = ["id", "school", "status", "created_at", "applied_at", "summary", "started_by"]
    list_filter = ["status", "school"]
    list_select_related = ["school", "started_by"]
    search_fields = ["school__name", "school__estab"]
    date_hierarchy = "created_at"
    actions = ["undo"]
    exclude = ["snapshot"]
    readonly_fields = ["changes_link"]

    @admin.display(description="changes")
    def summary(self, run: SyncRun) -> str:
        counts = run.counts or {}
        shown = [
            f"{key.replace('_', ' ')} {value}"
            for key, value in counts.items()
            if value and key != "unchanged"
        ]
        return ", ".join(shown) or "no changes"

    @admin.display(description="change rows")
    def changes_link(self, run: SyncRun) -> str:
        url = reverse("admin:wizard_syncchange_changelist") + f"?run__id__exact={run.pk}"
        return format_html('<a href="{}">{} change rows</a>', url, run.changes.count())

    @admin.action(description="Undo the selected applied syncs", permissions=["change"])
    def undo(self, request: HttpRequest, queryset: QuerySet[SyncRun]) -> None:
        for run in queryset.order_by("-applied_at"):
            try:
                report = sync_run_undo(run=run)
            except SyncError as error:
                self.message_user(request, f"Sync #{run.pk}: {error}", messages.ERROR)
                continue
            self.message_user(request, f"Sync #{run.pk} was undone.", messages.SUCCESS)
            for kept in report.kept:
                fields = ", ".join(kept["fields"])
                self.message_user(
                    request, f"Kept (changed since): {kept['username']}: {fields}", messages.WARNING
                )
            for name in report.missing:
                self.message_user(request, f"Not found (deleted since): {name}", messages.WARNING)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Only for the undo action: every field stays read-only (get_readonly_fields).
        return request.user.has_perm("wizard.change_syncrun")

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [f.name for f in SyncRun._meta.fields if f.name != "snapshot"] + ["changes_link"]


class CappedPaginator(Paginator):
    """Counts at most COUNTED rows: counting every change row of every run (twenty runs
    of a big school are over 150,000) would grow with the schools; beyond the cap the
    list says "10001" and pages on."""

    COUNTED = 10_000

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list  # the changelist's queryset
        return int(rows[: self.COUNTED + 1].count())


class KindFilter(admin.SimpleListFilter):
    """The kinds a change may be, from the planner (Django's own filter would read
    every change row of every run for their distinct values)."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        kinds = dict.fromkeys([*Category, *ClassCategory])
        return [(str(kind), str(kind).capitalize()) for kind in kinds]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


class RoleFilter(KindFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [(Role.PUPIL, "Pupil"), (Role.STAFF, "Staff")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(role=self.value()) if self.value() else queryset


@admin.register(SyncChange)
class SyncChangeAdmin(ReadOnlyAdmin[SyncChange]):
    list_display = ["id", "run", "target", "kind", "role", "name", "username", "mis_id", "reason"]
    list_filter = ["target", KindFilter, RoleFilter, "run__school"]
    show_full_result_count = False
    paginator = CappedPaginator
    list_select_related = ["run__school"]
    search_fields = ["name", "username", "mis_id"]
    raw_id_fields = ["run", "account", "school_class"]
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> QuerySet[SyncChange]:
        # select_related loads every field of the run, its snapshot (megabytes for a big
        # school) included, for each row: the list shows only the run's name.
        return super().get_queryset(request).defer(*RUN_PAYLOAD)


@admin.register(MisConnection)
class MisConnectionAdmin(ReadOnlyAdmin[MisConnection]):
    list_display = ["school", "state", "authorised_at", "last_checked_at", "last_error"]
    list_filter = ["state"]
    list_select_related = ["school"]
    search_fields = ["school__name", "school__estab"]
    exclude = ["secret_encrypted"]


@admin.register(GroupcallInvitation)
class GroupcallInvitationAdmin(ReadOnlyAdmin[GroupcallInvitation]):
    """Who asked Groupcall for a school's consent, and what Groupcall answered."""

    list_display = ["school", "status", "contact_email", "created_at", "consented_at"]
    list_filter = ["status"]
    list_select_related = ["school"]
    search_fields = ["school__name", "school__estab", "contact_email"]
    exclude = ["token_hash"]


@admin.register(SyncSettings)
class SyncSettingsAdmin(ReadOnlyAdmin[SyncSettings]):
    list_display = [
        "school",
        "pupil_username_format",
        "staff_username_format",
        "staff_scope",
        "brake_percent",
        "leaver_grace_days",
        "updated_at",
    ]
    list_select_related = ["school"]
    search_fields = ["school__name", "school__estab"]


@admin.register(NotDuplicate)
class NotDuplicateAdmin(ReadOnlyAdmin[NotDuplicate]):
    list_display = ["school", "mis_id", "account", "created_at"]
    list_select_related = ["school", "account"]


# Accounts' admin is the users app's; erasing a person also rewrites the sync runs that
# name them, which only the wizard knows, so the wizard adds the action (users never
# imports the wizard).
admin.site.unregister(User)


@admin.register(User)
class UserAdminWithErasure(UserAdmin):
    actions = ["erase_people"]

    @admin.action(description="Erase this person's data", permissions=["delete"])
    def erase_people(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        people = list(queryset.filter(school__isnull=False).select_related("school"))
        if request.POST.get("confirm") != "yes":
            context = {**self.admin_site.each_context(request), "people": people}
            return TemplateResponse(request, "admin/wizard/erase_confirm.html", context)
        for account in people:
            school = account.school
            assert school is not None  # support staff were left out above
            person = erase.person_find(school=school, username=account.username)
            report = erase.person_erase(school=school, person=person)
            self.message_user(request, report.in_words(), messages.SUCCESS)
        if queryset.filter(school__isnull=True).exists():
            self.message_user(
                request, "Support staff accounts are not erased here.", messages.WARNING
            )
        return None
