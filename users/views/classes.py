"""Manage users (the administrator's home: classes and year groups) and a class's page,
where it can be renamed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView, UpdateView

from users import selectors, services
from users.access import SchoolAdminRequiredMixin
from users.forms import CLASS_RENAMED, ClassFilterForm, ClassRenameForm
from users.models import ClassMembership, SchoolClass

CLASSES_PER_PAGE = 50


class ManageUsersView(SchoolAdminRequiredMixin, TemplateView):
    """The school's totals, its classes a page at a time (a secondary school has well
    over a thousand teaching groups), narrowed by kind, name or subject, and its
    year groups."""

    template_name = "users/manage.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        totals = selectors.class_totals(self.school)
        subjects = selectors.teaching_subjects(self.school) if totals["teaching"] else []
        form = ClassFilterForm(self.request.GET or None, subjects=subjects)
        chosen = form.chosen()
        classes = selectors.classes_matching(
            self.school,
            archived=chosen["classes"] == "archived",
            kind=chosen["classes"] if chosen["classes"] != "archived" else "",
            name=chosen["name"],
            subject=chosen["subject"],
        )
        pks = classes.values_list("pk", flat=True)
        page = Paginator(pks, CLASSES_PER_PAGE).get_page(self.request.GET.get("page"))
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "classes": selectors.classes_counted(list(page.object_list)),
            "page": page,
            "class_totals": totals,
            "show_archived": chosen["classes"] == "archived",
            "filtered": any(chosen.values()),
            # Filters are worth their room once there is more than a page or a second kind.
            "offer_filters": totals["teaching"] or page.has_other_pages() or any(chosen.values()),
            "year_groups": selectors.year_groups_with_counts(self.school),
            "totals": selectors.account_totals(self.school),
            # Classes come from the MIS once a sync has run: no more naming them by hand.
            "synced": bool(totals["synced"]),
        }


class ClassDetailView(SchoolAdminRequiredMixin, UpdateView[SchoolClass, ClassRenameForm]):
    """The class, its members, and a form to rename it (also posted to from the rename
    box on Manage users, with `next` to go back there)."""

    template_name = "users/class_detail.html"
    form_class = ClassRenameForm
    context_object_name = "school_class"

    def get_queryset(self) -> QuerySet[SchoolClass]:
        return SchoolClass.objects.filter(school=self.school).select_related("year_group")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        memberships = (
            self.object.memberships.filter(user__archived_at__isnull=True)
            .select_related("user")
            .order_by("user__surname", "user__forename")
        )
        return {
            **super().get_context_data(**kwargs),
            "teachers": [m.user for m in memberships if m.role == ClassMembership.Role.TEACHER],
            "pupils": [m.user for m in memberships if m.role == ClassMembership.Role.PUPIL],
        }

    def form_valid(self, form: ClassRenameForm) -> HttpResponse:
        services.class_rename(school_class=self.object, name=form.cleaned_data["name"])
        messages.success(self.request, CLASS_RENAMED.format(name=self.object.name))
        return redirect(self._next() or self.request.path)

    def _next(self) -> str:
        wanted = self.request.POST.get("next", "")
        home = reverse("users:manage", args=[self.school.slug])
        ok = wanted.startswith(home) and url_has_allowed_host_and_scheme(wanted, allowed_hosts=None)
        return wanted if ok else ""
