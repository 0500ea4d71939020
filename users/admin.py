"""Django admin for support staff: inspection first, so most fields are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from users import lockout
from users.services import mark_active

from .models import (
    AccountLock,
    ClassMembership,
    School,
    SchoolClass,
    SignInAttempt,
    User,
    YearGroup,
)

USERNAME_TAKEN_AT_SCHOOL = "This school already has an account with this username."
SUPPORT_LOCKED = "This login is locked for 15 minutes after five wrong tries."
SUPPORT_THROTTLED = (
    "Too many wrong tries from this computer or network: wait 15 minutes and try again."
)


class SupportSignInForm(AdminAuthenticationForm):
    """Django admin's sign-in, guarded as the schools' sign-in pages are (users/lockout.py):
    five wrong tries lock a login for 15 minutes, thirty from one address throttle it.
    Support staff can read every school, so their password is the one most worth guessing."""

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        address = lockout.client_address(self.request) if self.request else None
        Outcome = SignInAttempt.Outcome
        if refused := lockout.refusal_recorded(None, username, address):
            words = SUPPORT_THROTTLED if refused == lockout.THROTTLED else SUPPORT_LOCKED
            raise ValidationError(words, code="locked")
        try:
            data = super().clean()
        except ValidationError:
            lockout.record(None, username, address, Outcome.WRONG)
            raise
        lockout.record(None, username, address, Outcome.SIGNED_IN, account=self.get_user())
        return data


admin.site.login_form = SupportSignInForm


class SchoolUserCreationForm(AdminUserCreationForm):
    """Django's form checks usernames across every school; ours are unique per school
    (two schools may each have an "admin"), so the check is made per school."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("school", "role", "username")

    def clean_username(self) -> str:
        return str(self.cleaned_data.get("username") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, school = data.get("username"), data.get("school")
        if username and User.objects.filter(school=school, username__iexact=username).exists():
            self.add_error("username", USERNAME_TAKEN_AT_SCHOOL)
        return data


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin[School]):
    list_display = ["name", "estab", "slug", "created_at"]
    search_fields = ["name", "estab", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    add_form = SchoolUserCreationForm
    list_display = [
        "username",
        "forename",
        "surname",
        "role",
        "school",
        "year_group",
        "is_active",
        "archived_at",
    ]
    list_filter = [
        "role",
        "is_active",
        "is_staff",
        ("archived_at", admin.EmptyFieldListFilter),
        "school",
    ]
    list_select_related = ["school", "year_group"]
    search_fields = ["username", "forename", "surname", "email", "upn", "mis_id", "mis_external_id"]
    ordering = ["school", "surname", "forename"]
    fieldsets = [
        (None, {"fields": ["school", "role", "username", "password"]}),
        ("Person", {"fields": ["forename", "surname", "email", "year_group"]}),
        ("MIS link", {"fields": ["mis_source", "mis_external_id", "mis_id", "upn"]}),
        (
            "Status",
            {"fields": ["is_active", "archived_at", "purge_after", "date_joined", "last_login"]},
        ),
        ("Support staff", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["school", "role", "username", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = [
        "mis_source",
        "mis_external_id",
        "mis_id",
        "upn",
        "archived_at",
        "purge_after",
        "date_joined",
        "last_login",
    ]
    filter_horizontal = ["groups", "user_permissions"]

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Ticking "Active" on an archived account is a reactivation: it must also stop
        # the account's purge, or the daily purge deletes it (users/services.py).
        if change and "is_active" in form.changed_data and obj.is_active:
            mark_active(obj)
        super().save_model(request, obj, form, change)


@admin.register(YearGroup)
class YearGroupAdmin(admin.ModelAdmin[YearGroup]):
    list_display = ["name", "code", "school", "position"]
    list_filter = ["school"]
    list_select_related = ["school"]
    search_fields = ["name", "code", "school__name"]


class MembershipInline(admin.TabularInline[ClassMembership, SchoolClass]):
    model = ClassMembership
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["user", "role"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClassMembership]:
        # Each row shows its user and its own name ("user in class"): one query, not one
        # per member.
        return super().get_queryset(request).select_related("user", "school_class")


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin[SchoolClass]):
    list_display = ["name", "kind", "subject", "year_group", "school", "mis_id", "archived"]
    list_filter = ["kind", "archived", "school"]
    list_select_related = ["school", "year_group"]
    search_fields = ["name", "subject", "mis_id", "school__name"]
    readonly_fields = ["mis_id"]
    inlines = [MembershipInline]


@admin.register(ClassMembership)
class ClassMembershipAdmin(admin.ModelAdmin[ClassMembership]):
    list_display = ["user", "school_class", "role"]
    list_filter = ["role", "school_class__school"]
    list_select_related = ["user", "school_class"]
    search_fields = ["user__username", "school_class__name"]
    raw_id_fields = ["user", "school_class"]


@admin.register(SignInAttempt)
class SignInAttemptAdmin(admin.ModelAdmin[SignInAttempt]):
    """Read only: the record of tries at the schools' sign-in pages."""

    list_display = ["at", "school", "username", "outcome", "ip_address"]
    list_filter = ["outcome", "school"]
    search_fields = ["username", "ip_address"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccountLock)
class AccountLockAdmin(admin.ModelAdmin[AccountLock]):
    list_display = ["locked_at", "school", "username", "until", "unlocked_at", "unlocked_by"]
    list_filter = ["school"]
    search_fields = ["username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
