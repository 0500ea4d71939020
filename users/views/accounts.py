"""The school's accounts: a searchable, filterable list; an account's page; reactivating
an archived account. (Adding and archiving need the school's sync settings, so those
pages live in wizard/views/accounts.py.)"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, TemplateView, View

from users import selectors, services
from users.access import SchoolAdminRequiredMixin
from users.cards import card_for
from users.credentials import PASSWORD_FORMATS
from users.forms import AccountFilterForm
from users.models import User
from users.panels import account_panels

REACTIVATED = "{username} is active again and can sign in with the same login."
ACCOUNTS_PER_PAGE = 50


class AccountListView(SchoolAdminRequiredMixin, TemplateView):
    template_name = "users/accounts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = AccountFilterForm(self.request.GET or None, school=self.school)
        filters = form.cleaned_data if form.is_valid() else {}
        accounts = selectors.accounts_matching(
            self.school,
            search=filters.get("q", ""),
            group=filters.get("group", ""),
            year_group=filters.get("year"),
            school_class=filters.get("school_class"),
            status=filters.get("status") or "active",
        ).prefetch_related("classes")
        page = Paginator(accounts, ACCOUNTS_PER_PAGE).get_page(self.request.GET.get("page"))
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "page": page,
            "filtered": bool(self.request.GET.keys() - {"page"}),
        }


class AccountDetailView(SchoolAdminRequiredMixin, DetailView[User]):
    template_name = "users/account_detail.html"
    context_object_name = "account"

    def get_queryset(self) -> QuerySet[User]:
        return User.objects.filter(school=self.school).select_related("year_group")

    def get_object(self, queryset: QuerySet[User] | None = None) -> User:
        account = super().get_object(queryset)
        # The school it was found in: the page's lock check then needs no query for it.
        account.school = self.school
        return account

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        account: User = self.object
        return {
            **super().get_context_data(**kwargs),
            "classes": account.memberships.select_related("school_class").order_by(
                "school_class__name"
            ),
            # A pupil's password as their login card shows it (a picture PIN's pictures).
            "card": card_for(account, "") if account.role == User.Role.PUPIL else None,
            "password_format": PASSWORD_FORMATS.get(account.password_format, ""),
            "panels": account_panels(account),
        }


class AccountReactivateView(SchoolAdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, school_slug: str, pk: int) -> HttpResponse:
        account = get_object_or_404(User, school=self.school, pk=pk)
        services.account_reactivate(user=account)
        messages.success(request, REACTIVATED.format(username=account.username))
        return redirect("users:account", self.school.slug, account.pk)
