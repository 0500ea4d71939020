"""Login cards as PDF: a class's, or one pupil's, for the school's administrators and the
class's teachers. Another class's pupil or class is a 404 for a teacher, as another
school's is for anyone."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.views.generic import View

from users.access import SchoolStaffRequiredMixin, classes_run_by, may_manage_pupil
from users.cards import cards_by_registration_group, class_cards, login_cards_pdf
from users.models import School, User


def pdf_response(pdf: bytes, name: str) -> HttpResponse:
    """`pdf` shown in the browser (to print), saved as login-cards-<name>.pdf."""
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"login-cards-{slugify(name) or 'pupils'}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # it holds passwords
    return response


def manageable_pupil(user: User, school: School, pk: int) -> User:
    """The pupil `pk` of `school`, if `user` may manage them; otherwise Http404."""
    pupil = get_object_or_404(User, school=school, pk=pk, role=User.Role.PUPIL)
    if not may_manage_pupil(user, pupil):
        raise Http404("No such pupil in your classes.")
    return pupil


class ClassCardsView(SchoolStaffRequiredMixin, View):
    def get(self, request: HttpRequest, school_slug: str, pk: int) -> HttpResponse:
        school_class = get_object_or_404(classes_run_by(request.user), pk=pk)  # type: ignore[arg-type]
        pdf = login_cards_pdf(self.school, [class_cards(school_class)])
        return pdf_response(pdf, school_class.name)


class AccountCardView(SchoolStaffRequiredMixin, View):
    def get(self, request: HttpRequest, school_slug: str, pk: int) -> HttpResponse:
        pupil = manageable_pupil(request.user, self.school, pk)  # type: ignore[arg-type]
        pdf = login_cards_pdf(self.school, cards_by_registration_group([pupil]))
        return pdf_response(pdf, pupil.username)
