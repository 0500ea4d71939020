"""Match by hand: a new person of the summary is the same as an existing account that is
not linked to the MIS (a pupil whose name changed since the account was typed in). The
match is kept with the wizard's other answers for the run, in its session storage."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView
from formtools.wizard.storage.session import SessionStorage

from users.access import SchoolAdminRequiredMixin
from users.models import User
from wizard.models import SyncChange, SyncRun
from wizard.planner.types import Category, decision_key

LINKS = "links"  # the matches made by hand, in the wizard's storage (extra_data)


class MatchForm(forms.Form):
    account = forms.IntegerField(widget=forms.HiddenInput)


class MatchView(SchoolAdminRequiredMixin, TemplateView):
    """Match by hand: a new person of the summary is the same as an existing account that
    is not linked to the MIS (a pupil whose name changed since the account was typed in)."""

    template_name = "wizard/match.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.key = decision_key(kwargs["role"], kwargs["mis_id"])

    def _run(self) -> SyncRun:
        return get_object_or_404(SyncRun, pk=self.kwargs["run_id"], school=self.school)

    def _person(self, run: SyncRun) -> SyncChange:
        person = run.changes.filter(
            kind=Category.NEW, role=self.kwargs["role"], mis_id=self.kwargs["mis_id"]
        ).first()
        if person is None:
            raise Http404("This person is not new in this sync.")
        return person

    def _unlinked(self, run: SyncRun) -> QuerySet[User]:
        """The accounts a new person may be matched to: unlinked, unarchived, of the same
        role, and not already claimed in this sync (a possible duplicate of someone else,
        linked by an answer, or matched by hand to another person)."""
        claimed = run.changes.filter(account__isnull=False).values("account_id")
        by_hand = [pk for key, pk in links_of(self.request, run).items() if key != self.key]
        return User.objects.filter(
            school=self.school,
            role=self.kwargs["role"],
            archived_at__isnull=True,
            mis_id="",
            mis_external_id="",
        ).exclude(Q(pk__in=claimed) | Q(pk__in=by_hand))

    def _candidates(self, run: SyncRun, query: str) -> QuerySet[User]:
        accounts = self._unlinked(run)
        if query:
            accounts = accounts.filter(
                Q(username__icontains=query)
                | Q(forename__icontains=query)
                | Q(surname__icontains=query)
            )
        return accounts.select_related("year_group").order_by("surname", "forename")[:50]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = self._run()
        # PostgreSQL cannot compare text with a NUL in it; no name has one.
        query = self.request.GET.get("q", "").replace("\x00", "").strip()
        context.update(
            run=run,
            person=self._person(run),
            query=query,
            candidates=self._candidates(run, query),
            back=reverse("wizard:step", args=[self.school.slug, run.pk, "summary"]),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = self._run()
        self._person(run)
        form = MatchForm(request.POST)
        back = reverse("wizard:step", args=[self.school.slug, run.pk, "summary"])
        if form.is_valid():
            account = self._unlinked(run).filter(pk=form.cleaned_data["account"]).first()
            if account is not None:
                _store_link(request, run, self.key, account.pk)
        return redirect(back)


def links_of(request: HttpRequest, run: SyncRun) -> dict[str, int]:
    """The matches made by hand for `run` so far (decision key -> account id)."""
    return dict(SessionStorage(f"sync_{run.pk}", request).extra_data.get(LINKS, {}))


def _store_link(request: HttpRequest, run: SyncRun, key: str, account_id: int) -> None:
    """Keeps a match by hand in the wizard's own storage for this run (its extra data)."""
    storage = SessionStorage(f"sync_{run.pk}", request)
    storage.extra_data = {
        **storage.extra_data,
        LINKS: {**storage.extra_data.get(LINKS, {}), key: account_id},
    }
    request.session.modified = True
