"""Adding an account by hand and archiving one. They live in wizard, not users, because
both need the school's SyncSettings (username and password formats, the days an archived
account is kept), and dependencies point wizard -> users only: users.services does the
work and is handed the formats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat, timezone
from django.views.generic import FormView, View

from users import services
from users.access import SchoolAdminRequiredMixin
from users.activation import activation_emails_send
from users.forms import AccountAddForm
from users.models import School, User
from wizard.models import SyncSettings

ACCOUNT_ADDED_PUPIL = (
    "Account made for {name}: username {username}. Choose “Show password” below to see "
    "the password."
)
ACCOUNT_ADDED_STAFF = (
    "Account made for {name}: username {username}. We have emailed {email} a link to set "
    "a password."
)
ARCHIVED = "{username} is archived: they cannot sign in. It will be deleted on {date}."
ALREADY_ARCHIVED = "{username} was already archived."


def settings_of(school: School) -> SyncSettings:
    """The school's saved sync settings, or the defaults (unsaved) when it has none."""
    return SyncSettings.objects.filter(school=school).first() or SyncSettings(school=school)


class AccountAddView(SchoolAdminRequiredMixin, FormView[AccountAddForm]):
    template_name = "wizard/account_add.html"
    form_class = AccountAddForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "school": self.school}

    def form_valid(self, form: AccountAddForm) -> HttpResponse:
        saved = settings_of(self.school)
        data = form.cleaned_data
        is_pupil = data["role"] == User.Role.PUPIL
        account = services.account_create(
            school=self.school,
            role=data["role"],
            forename=data["forename"].strip(),
            surname=data["surname"].strip(),
            email=data["email"],
            year_group=data["year_group"],
            school_class=data["school_class"],
            username_format=(
                saved.pupil_username_format if is_pupil else saved.staff_username_format
            ),
            password_format=form.password_format(saved.password_formats),
        )
        if not is_pupil:
            transaction.on_commit(lambda: activation_emails_send([account]))
        text = ACCOUNT_ADDED_PUPIL if is_pupil else ACCOUNT_ADDED_STAFF
        messages.success(
            self.request,
            text.format(name=account.full_name, username=account.username, email=account.email),
        )
        return redirect("users:account", self.school.slug, account.pk)


class AccountArchiveView(SchoolAdminRequiredMixin, View):
    """GET asks for confirmation, saying what archiving does; POST archives."""

    template_name = "wizard/account_archive.html"

    def get(self, request: HttpRequest, school_slug: str, pk: int) -> HttpResponse:
        account = self._account(pk)
        context = {"school": self.school, "account": account, "purge_on": self._purge_on()}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, school_slug: str, pk: int) -> HttpResponse:
        account = self._account(pk)
        if account.is_archived:
            messages.info(request, ALREADY_ARCHIVED.format(username=account.username))
        else:
            grace_days = settings_of(self.school).leaver_grace_days
            services.account_archive(user=account, grace_days=grace_days)
            assert account.purge_after is not None  # set by account_archive
            when = dateformat.format(account.purge_after, "j F Y")
            messages.success(request, ARCHIVED.format(username=account.username, date=when))
        return redirect("users:account", self.school.slug, account.pk)

    def _account(self, pk: int) -> User:
        return get_object_or_404(User, school=self.school, pk=pk)

    def _purge_on(self) -> Any:
        return timezone.localdate() + timedelta(days=settings_of(self.school).leaver_grace_days)
