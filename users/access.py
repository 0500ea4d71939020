"""Who may open a school administrator's pages, and a teacher's.

Every such page has the school's slug in its address (`/s/<school_slug>/...`), so an
anonymous visitor can be sent to that school's own sign-in page. Then:

- support staff (no school) belong in Django admin and are sent there;
- anyone of another school gets a 404, as for any object of another school;
- pupils and staff of the school get a page saying they have no access (403);
- the school's administrators get the page, with `self.school` set.

Teachers' pages (their classes' pupils: cards, password resets, unlocking) let the
school's staff in too, and the view then shows a member of staff only what
`classes_run_by` and `may_manage_pupil` allow: the classes they teach and those classes'
pupils. Another class's pupil is a 404 for them, as another school's is.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from users.models import ClassMembership, School, SchoolClass, User

NO_ACCESS_TEMPLATE = "users/no_access.html"


def is_school_admin(user: Any, school: School) -> bool:
    return user.is_authenticated and user.school_id == school.pk and user.role == User.Role.ADMIN


def refusal(request: HttpRequest, school: School) -> HttpResponseBase | None:
    """None if the signed-in person is `school`'s administrator; otherwise the answer
    they get instead (sign-in redirect, Django admin, 404 or the no-access page)."""
    user = request.user
    if not user.is_authenticated:
        sign_in = reverse("users:sign_in", args=[school.slug])
        return redirect_to_login(request.get_full_path(), sign_in)
    if user.school_id is None and user.is_staff:
        return redirect("admin:index")
    if user.school_id != school.pk:
        raise Http404("No such page at this school.")
    if user.role != User.Role.ADMIN:
        return render(request, NO_ACCESS_TEMPLATE, {"school": school}, status=403)
    return None


class SchoolAdminRequiredMixin:
    """For views whose URL has `school_slug`: only that school's administrators get in.

    Sets `self.school` before the view runs and adds `school` to the template context.
    Views must scope every query to `self.school` (another school's id is then a 404).
    """

    school: School

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.school = get_object_or_404(School, slug=kwargs["school_slug"])
        if answer := refusal(request, self.school):
            return answer
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["school"] = self.school
        return context


def staff_refusal(request: HttpRequest, school: School) -> HttpResponseBase | None:
    """As `refusal`, but the school's staff get in too (then see only their classes)."""
    user = request.user
    if user.is_authenticated and user.school_id == school.pk and user.role == User.Role.STAFF:
        return None
    return refusal(request, school)


class SchoolStaffRequiredMixin(SchoolAdminRequiredMixin):
    """For teachers' pages: the school's administrators and staff get in. Views must
    show staff only `classes_run_by(user)` and pupils for whom `may_manage_pupil`."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.school = get_object_or_404(School, slug=kwargs["school_slug"])
        if answer := staff_refusal(request, self.school):
            return answer
        return super(SchoolAdminRequiredMixin, self).dispatch(request, *args, **kwargs)  # type: ignore[misc]


def classes_run_by(user: User) -> QuerySet[SchoolClass]:
    """The live classes `user` may manage: every class of their school for an
    administrator, the classes they teach for a member of staff, none for others."""
    if user.school_id is None:
        return SchoolClass.objects.none()
    classes = SchoolClass.objects.filter(school_id=user.school_id, archived=False)
    if user.role == User.Role.ADMIN:
        return classes
    if user.role == User.Role.STAFF:
        return classes.filter(
            memberships__user=user, memberships__role=ClassMembership.Role.TEACHER
        ).distinct()
    return classes.none()


def may_manage_pupil(user: User, pupil: User) -> bool:
    """Whether `user` may print `pupil`'s card, reset their password or unlock them."""
    if pupil.school_id != user.school_id or pupil.role != User.Role.PUPIL:
        return False
    if user.role == User.Role.ADMIN:
        return True
    return classes_run_by(user).filter(memberships__user=pupil).exists()


def school_admin_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The same rule for a function view whose URL has `school_slug`: the view is called
    as `view(request, school, **other_url_kwargs)`."""

    @wraps(view)
    def wrapper(request: HttpRequest, school_slug: str, **kwargs: Any) -> HttpResponseBase:
        school = get_object_or_404(School, slug=school_slug)
        return refusal(request, school) or view(request, school, **kwargs)

    return wrapper
