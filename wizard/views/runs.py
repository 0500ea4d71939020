"""The pages around one sync: start it, watch it read the MIS or apply, see the result,
the history of every sync, a run's changes, and undo.

Each view calls one service and redirects; what a run is doing is on the run itself, so
a page can be reloaded (or polled) at any time.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from users.access import SchoolAdminRequiredMixin
from users.models import School
from users.vocabulary import Role
from wizard.models import SyncChange, SyncRun
from wizard.planner.types import Category, ClassCategory
from wizard.services import authorisation, background, undo
from wizard.services.lifecycle import SyncError
from wizard.services.selectors import new_pupils_of, sync_settings_of
from wizard.views.summary import CATEGORY_LABELS, CLASS_LABELS, SummaryCounts

Status = SyncRun.Status
NOT_CONNECTED = "Connect your school to Groupcall first: the wizard reads your MIS through it."
UNDONE = "Sync #{run} was undone."
PER_PAGE = 200
APPLYING = "Creating and updating accounts and classes…"


class RunMixin(SchoolAdminRequiredMixin):
    """A run of the signed-in administrator's school (another school's run is a 404)."""

    run: SyncRun

    def get_run(self) -> SyncRun:
        run_id = self.kwargs["run_id"]  # type: ignore[attr-defined]
        self.run = get_object_or_404(
            SyncRun.objects.select_related("started_by"), pk=run_id, school=self.school
        )
        return self.run


def run_url(run: SyncRun) -> str:
    return reverse("wizard:run", args=[run.school.slug, run.pk])


def first_step_url(run: SyncRun) -> str:
    return reverse("wizard:step", args=[run.school.slug, run.pk, "usernames"])


class StartView(SchoolAdminRequiredMixin, TemplateView):
    """The wizard's front page: what it does, and "Start" (which reads the MIS). A school
    that has not authorised the app, or whose authorisation is paused or withdrawn, is
    sent to the Groupcall connection page with the reason in words."""

    template_name = "wizard/start.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        status = authorisation.authorisation_status(self.school, check_new=True)
        if status.ready:
            return super().get(request, *args, **kwargs)
        messages.warning(request, authorisation.NOT_READY.format(title=status.title.lower()))
        return redirect("wizard:connect", self.school.slug)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        runs = SyncRun.objects.filter(school=self.school)
        context["recent"] = runs[:3]
        context["first_sync"] = not runs.filter(status=Status.APPLIED).exists()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            run = background.sync_start(school=self.school, started_by=request.user)  # type: ignore[arg-type]
        except SyncError:
            messages.error(request, NOT_CONNECTED)
            return redirect("wizard:connect", self.school.slug)
        return redirect(run_url(run))


class RunView(RunMixin, TemplateView):
    """One run: reading the MIS, ready for the steps, applying, applied, failed or undone."""

    template_name = "wizard/run.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = self.get_run()
        if _ready_for_steps(run):
            return redirect(first_step_url(run))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = self.run
        context.update(
            run=run,
            working=_working(run),
            applying=APPLYING,
            counts=SummaryCounts.of(run.counts),
            class_counts=_class_counts(run),
            errors=run.changes.filter(kind=Category.ERROR).order_by("name"),
            grace_days=sync_settings_of(self.school).leaver_grace_days,
            new_pupil_count=new_pupils_of(run).count() if run.status == Status.APPLIED else 0,
            connection_blocked=run.status == Status.FAILED and _connection_blocked(self.school),
        )
        return context


def _connection_blocked(school: School) -> bool:
    """The school's authorisation is paused or withdrawn: trying again cannot help."""
    return authorisation.authorisation_status(school).code in authorisation.BLOCKING_STATES


def _working(run: SyncRun) -> bool:
    """Whether a worker is on it now (reading the MIS, or applying after "Finish")."""
    return run.status == Status.FETCHING or (
        run.status in (Status.PLANNED, Status.APPLYING) and run.apply_requested_at is not None
    )


def _ready_for_steps(run: SyncRun) -> bool:
    return run.status in (Status.PLANNED, Status.HELD) and run.apply_requested_at is None


def _class_counts(run: SyncRun) -> list[tuple[str, int]]:
    kinds = run.changes.filter(target=SyncChange.Target.CLASS).values_list("kind", flat=True)
    found = list(kinds)
    return [(label, found.count(kind)) for kind, label in CLASS_LABELS.items() if kind in found]


class RunProgressView(RunMixin, View):
    """The run's state as JSON, for the page's progress polling."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        run = self.get_run()
        return JsonResponse(
            {
                "status": run.status,
                "status_label": run.get_status_display(),
                "progress": run.progress if run.status == Status.FETCHING else APPLYING,
                "error": run.error,
                "working": _working(run),
                "next": first_step_url(run) if _ready_for_steps(run) else run_url(run),
            }
        )


class HistoryView(SchoolAdminRequiredMixin, TemplateView):
    """Every sync of the school, newest first."""

    template_name = "wizard/history.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        runs = SyncRun.objects.filter(school=self.school).select_related("started_by")
        page = Paginator(runs, 50).get_page(self.request.GET.get("page"))
        context["page"] = page
        context["runs"] = [(run, SummaryCounts.of(run.counts)) for run in page]
        return context


class RunChangesView(RunMixin, TemplateView):
    """A run's change rows, filterable by category (its people)."""

    template_name = "wizard/changes.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = self.get_run()
        kind = self.request.GET.get("kind", "")
        role = self.request.GET.get("role", "")
        rows = self._rows(run, kind, role)
        context.update(
            run=run,
            kind=kind,
            role=role,
            kinds=[(k, label) for k, label in CATEGORY_LABELS.items()],
            page=Paginator(rows, PER_PAGE).get_page(self.request.GET.get("page")),
            waiting=_ready_for_steps(run),
            grace_days=sync_settings_of(self.school).leaver_grace_days,
            new_pupil_count=new_pupils_of(run).count() if run.status == Status.APPLIED else 0,
        )
        return context

    def _rows(self, run: SyncRun, kind: str, role: str) -> QuerySet[SyncChange]:
        rows = run.changes.filter(target=SyncChange.Target.ACCOUNT).select_related("account")
        if kind in {str(c) for c in Category}:
            rows = rows.filter(kind=kind)
        if role in (Role.PUPIL, Role.STAFF):
            rows = rows.filter(role=role)
        return rows.order_by("role", "name")


class UndoView(RunMixin, TemplateView):
    """A confirmation page that says what undo will do, then undo."""

    template_name = "wizard/undo.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        run = self.get_run()
        context.update(run=run, counts=SummaryCounts.of(run.counts))
        try:
            context["will_keep"] = undo.sync_run_undo_preview(run=run)
        except SyncError as error:
            context["refused"] = str(error)
        context["classes_made"] = run.changes.filter(
            target=SyncChange.Target.CLASS, kind=ClassCategory.NEW
        ).count()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = self.get_run()
        try:
            undo.sync_run_undo(run=run)
        except SyncError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, UNDONE.format(run=run.pk))
        return redirect(run_url(run))
