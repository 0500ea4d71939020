"""New passwords for one pupil or a whole class, for the school's administrators and the
class's teachers. They live in wizard, not users, because a pupil's new password takes
their year group's format as the school chose it (SyncSettings), and dependencies point
wizard -> users only: users.services does the work and is handed the formats."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.views.generic import FormView, TemplateView

from users import services
from users.access import SchoolStaffRequiredMixin, classes_run_by
from users.cards import card_for
from users.credentials import PASSWORD_FORMATS, default_password_format
from users.forms import YEAR_GROUP_FORMAT, NewPasswordForm
from users.models import ClassMembership, SchoolClass, User
from users.views.cards import manageable_pupil
from wizard.models import SyncSettings
from wizard.views.accounts import settings_of

PUPIL_RESET = (
    "{name} has a new password. The old one no longer works: give them their new login card."
)
CLASS_RESET = (
    "New passwords for {count} pupil{plural} in {name}. The old ones no longer work: "
    "print the new login cards and hand them out."
)


def year_group_format(saved: SyncSettings, pupil: User) -> str:
    """The format the school gives new pupils of `pupil`'s year group (the default for
    that year if it chose none); a pupil with no year group keeps their kind of password."""
    if pupil.year_group is None:
        return pupil.password_format or default_password_format("")
    code = pupil.year_group.code
    return saved.password_formats.get(code) or default_password_format(code)


class PasswordResetMixin(SchoolStaffRequiredMixin):
    def chosen_format(self, form: NewPasswordForm, pupil: User) -> str:
        chosen: str = form.cleaned_data["password_format"]
        if chosen == YEAR_GROUP_FORMAT:
            return year_group_format(settings_of(self.school), pupil)
        return chosen


class PupilPasswordResetView(PasswordResetMixin, FormView[NewPasswordForm]):
    """GET: what a new password does, and a choice of its kind; POST: the new password,
    then a page that shows it with the login card to print."""

    template_name = "wizard/password_reset.html"
    form_class = NewPasswordForm

    @cached_property
    def pupil(self) -> User:
        return manageable_pupil(self.request.user, self.school, self.kwargs["pk"])  # type: ignore[arg-type]

    def get_form_kwargs(self) -> dict[str, Any]:
        usual = year_group_format(settings_of(self.school), self.pupil)
        label = PASSWORD_FORMATS.get(usual, usual)
        return {**super().get_form_kwargs(), "year_group_label": f"Their usual kind: {label}"}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "pupil": self.pupil}

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:
        pupil = self.pupil
        services.pupil_password_reset(pupil=pupil, password_format=self.chosen_format(form, pupil))
        messages.success(self.request, PUPIL_RESET.format(name=pupil.full_name or pupil.username))
        return redirect("wizard:pupil_password_reset_done", self.school.slug, pupil.pk)


class PupilPasswordResetDoneView(SchoolStaffRequiredMixin, TemplateView):
    template_name = "wizard/password_reset_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pupil = manageable_pupil(self.request.user, self.school, self.kwargs["pk"])  # type: ignore[arg-type]
        card = card_for(pupil, "")
        return {**super().get_context_data(**kwargs), "pupil": pupil, "card": card}


class ClassPasswordResetView(PasswordResetMixin, FormView[NewPasswordForm]):
    """New passwords for every pupil of a class, each in their year group's format or
    all in one chosen format; then back to the class, to print its new cards."""

    template_name = "wizard/class_password_reset.html"
    form_class = NewPasswordForm

    def get_class(self) -> SchoolClass:
        return get_object_or_404(classes_run_by(self.request.user), pk=self.kwargs["pk"])  # type: ignore[arg-type]

    def pupils(self, school_class: SchoolClass) -> list[User]:
        return list(
            User.objects.filter(
                role=User.Role.PUPIL,
                archived_at__isnull=True,
                memberships__school_class=school_class,
                memberships__role=ClassMembership.Role.PUPIL,
            ).select_related("year_group")
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        label = "Each pupil's usual kind, as your school chose it for their year group"
        return {**super().get_form_kwargs(), "year_group_label": label}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        school_class = self.get_class()
        return {
            **super().get_context_data(**kwargs),
            "school_class": school_class,
            "pupil_count": len(self.pupils(school_class)),
        }

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:
        school_class = self.get_class()
        count = services.pupils_password_reset(
            pupils=self.pupils(school_class), format_of=lambda p: self.chosen_format(form, p)
        )
        text = CLASS_RESET.format(count=count, plural=pluralize(count), name=school_class.name)
        messages.success(self.request, text)
        back = "users:class" if self.request.user.role == User.Role.ADMIN else "users:my_class"  # type: ignore[union-attr]
        return redirect(back, self.school.slug, school_class.pk)
