"""Where pupils and staff land after signing in, and unlocking a locked login.

A pupil's page names them and their class, in big friendly words. A member of staff's
lists the classes they teach and, first, any of those classes' pupils who are locked out,
each with an Unlock button (administrators unlock from the account's page).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from users import lockout
from users.access import SchoolStaffRequiredMixin, classes_run_by, may_manage_pupil
from users.models import School, User

UNLOCKED = "{name} can sign in again."
NOT_LOCKED = "{name} was not locked: they can sign in."


class HomeView(TemplateView):
    """The signed-in page of the school's pupils and staff (administrators: Manage users)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.school = get_object_or_404(School, slug=kwargs["school_slug"])
        user = request.user
        if not user.is_authenticated:
            sign_in = reverse("users:sign_in", args=[self.school.slug])
            return redirect_to_login(request.get_full_path(), sign_in)
        if user.school_id != self.school.pk:
            raise Http404("No such page at this school.")
        if user.role == User.Role.ADMIN:
            return redirect("users:manage", self.school.slug)
        return super().dispatch(request, *args, **kwargs)

    def get_template_names(self) -> list[str]:
        if self.request.user.role == User.Role.PUPIL:  # type: ignore[union-attr]
            return ["users/home_pupil.html"]
        return ["users/home_staff.html"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user: User = self.request.user  # type: ignore[assignment]
        context = {**super().get_context_data(**kwargs), "school": self.school}
        if user.role == User.Role.PUPIL:
            context["classes"] = user.classes.filter(archived=False).order_by("kind", "name")
            return context
        classes = list(classes_run_by(user).order_by("name"))
        pupils = User.objects.filter(
            school=self.school,
            role=User.Role.PUPIL,
            archived_at__isnull=True,
            memberships__school_class__in=classes,
        ).distinct()
        context["classes"] = classes
        context["locked"] = lockout.locked_accounts(self.school, list(pupils))
        return context


class UnlockView(SchoolStaffRequiredMixin, View):
    """POST: lifts the lock on an account's login. The school's administrators may unlock
    any of its accounts; a member of staff only the pupils of the classes they teach
    (anyone else's is a 404, as another school's is)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, school_slug: str, pk: int) -> HttpResponse:
        account = get_object_or_404(User, school=self.school, pk=pk)
        user: User = request.user  # type: ignore[assignment]
        if user.role != User.Role.ADMIN and not may_manage_pupil(user, account):
            raise Http404("No such account among your classes' pupils.")
        name = account.full_name or account.username
        if lockout.unlock(account, by=user):
            messages.success(request, UNLOCKED.format(name=name))
        else:
            messages.info(request, NOT_LOCKED.format(name=name))
        if user.role == User.Role.ADMIN:
            return redirect("users:account", self.school.slug, account.pk)
        return redirect("users:home", self.school.slug)
