"""A teacher's pages: the classes they teach, and each class's pupils, with their login
cards and password resets. Administrators may open them too (for every class)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import DetailView, TemplateView

from users import selectors
from users.access import SchoolStaffRequiredMixin, classes_run_by
from users.models import ClassMembership, SchoolClass, User


class MyClassesView(SchoolStaffRequiredMixin, TemplateView):
    template_name = "users/teachers/my_classes.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        mine = classes_run_by(self.request.user)  # type: ignore[arg-type]
        classes = selectors.classes_with_counts(self.school).filter(pk__in=mine.values("pk"))
        return {**super().get_context_data(**kwargs), "classes": classes}


class MyClassView(SchoolStaffRequiredMixin, DetailView[SchoolClass]):
    template_name = "users/teachers/my_class.html"
    context_object_name = "school_class"

    def get_queryset(self) -> QuerySet[SchoolClass]:
        return classes_run_by(self.request.user).select_related("year_group")  # type: ignore[arg-type]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pupils = User.objects.filter(
            role=User.Role.PUPIL,
            archived_at__isnull=True,
            memberships__school_class=self.object,
            memberships__role=ClassMembership.Role.PUPIL,
        ).select_related("year_group")
        return {**super().get_context_data(**kwargs), "pupils": pupils}
