"""The MIS Sync Wizard's five steps, one URL each, for one run:

    usernames -> passwords -> years -> subjects (only when the MIS has teaching groups)
    -> summary ("check your answers", then Finish)

The session keeps only the choices (formtools' storage, one per run); the snapshot and
the plan stay on the run in the database. The summary plans the sync with the choices
made (`sync_review`) every time it is shown, and Finish applies only a plan whose
fingerprint matches the one the administrator saw: a sync applied in between, or an
account changed by hand, sends them back to the summary instead.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from formtools.wizard.views import NamedUrlSessionWizardView

from users.access import SchoolAdminRequiredMixin
from users.models import User
from users.pictures import pictures_of
from users.vocabulary import Role
from wizard.forms import (
    PasswordsForm,
    SubjectsForm,
    SummaryForm,
    UsernamesForm,
    YearsForm,
    answers_to_decisions,
)
from wizard.models import SyncRun
from wizard.planner.types import (
    LINK,
    AccountChange,
    Decisions,
    PlanSettings,
    SyncPlan,
    decision_key,
)
from wizard.services import background
from wizard.services.choices import RunChoices, username_examples
from wizard.services.lifecycle import SyncError
from wizard.services.runs import run_settings
from wizard.services.selectors import sync_settings_of
from wizard.services.sync import sync_review
from wizard.views.match import LINKS
from wizard.views.runs import run_url
from wizard.views.summary import PlanView, SummaryCounts, choices_made

STEPS = [
    ("usernames", UsernamesForm),
    ("passwords", PasswordsForm),
    ("years", YearsForm),
    ("subjects", SubjectsForm),
    ("summary", SummaryForm),
]
TITLES = {
    "usernames": "Usernames",
    "passwords": "Passwords",
    "years": "Year groups",
    "subjects": "Subject groups",
    "summary": "Check the changes",
}
CHANGED_SINCE = (
    "Nothing has been changed yet: the changes are not quite the ones you checked (because "
    "of your answers, another sync or a change by hand). Check them below, then finish."
)
NOT_READY = "This sync is not waiting for your choices any more."
CHOICES_NOT_KEPT = (
    "Your choices for this sync were not kept (you signed out, or opened it in another "
    "browser), so nothing has been changed: check each step again, then finish."
)
ANSWERS = ("duplicate_", "resolve_all", "confirm_brake")  # the summary's own answers


def _has_subjects(wizard: SyncWizard) -> bool:
    return bool(wizard.choices.subjects)


class SyncWizard(SchoolAdminRequiredMixin, NamedUrlSessionWizardView):
    form_list = STEPS
    condition_dict = {"subjects": _has_subjects}
    template_name = "wizard/step.html"

    run: SyncRun
    choices: RunChoices
    _finished: bool

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        # One set of answers per run: two runs (or two tabs) never mix their choices.
        self.run = get_object_or_404(SyncRun, pk=kwargs["run_id"], school=self.school)
        if self.run.status not in (SyncRun.Status.PLANNED, SyncRun.Status.HELD):
            self.choices = RunChoices(saved=sync_settings_of(self.school))
        else:
            self.choices = RunChoices.of(self.run)
        return f"sync_{self.run.pk}"

    def _not_waiting(self) -> HttpResponse | None:
        """A run already handed to the worker (Finish in another tab), applied, failed or
        undone is not waiting for choices any more: its page says what became of it."""
        if self.run.apply_requested_at or self.run.status not in (
            SyncRun.Status.PLANNED,
            SyncRun.Status.HELD,
        ):
            messages.info(self.request, NOT_READY)
            return redirect(run_url(self.run))
        return None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._not_waiting() or self._unless_refused(super().get, request, *args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._not_waiting() or self._unless_refused(self._post, *args, **kwargs)

    def _unless_refused(self, page: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        """A page that plans the run again (the summary, Finish) may find that it stopped
        waiting in the meantime (Finish pressed at the same moment in another tab, or by
        another administrator): its page says what became of it, never an error page."""
        try:
            response: HttpResponse = page(*args, **kwargs)
        except SyncError as error:
            self.run.refresh_from_db()
            if answer := self._not_waiting():
                return answer
            messages.error(self.request, str(error))
            return redirect(run_url(self.run))
        return response

    def _post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        if "preview" in self.request.POST or "recheck" in self.request.POST:
            return self._render_unsaved()
        if self.request.POST.get("wizard_goto_step"):
            self._keep_current_step()
        if "unmatch" in self.request.POST:
            links = dict(self.storage.extra_data.get(LINKS, {}))
            links.pop(self.request.POST["unmatch"], None)
            self.storage.extra_data = {**self.storage.extra_data, LINKS: links}
            return redirect(self.get_step_url("summary"))
        return super().post(*args, **kwargs)

    def _keep_current_step(self) -> None:
        """ "Back" keeps what was chosen on this step, when it is valid (formtools would
        drop it), so that Continue brings it back."""
        form = self.get_form(data=self.request.POST)
        if form.is_valid():
            self.storage.set_step_data(self.steps.current, self.process_step(form))

    def _render_unsaved(self) -> HttpResponse:
        """ "Preview" (usernames) and "Update the summary": show the step again with what
        was posted, saving nothing (so a half-made answer is never finished by mistake)."""
        if self.steps.current == "summary":
            self._keep_answers(self.request.POST)
            return redirect(self.get_step_url("summary"))
        return self.render(self.get_form(data=self.request.POST))

    def _keep_answers(self, posted: Any) -> None:
        """Keeps the summary's answers (duplicates, the brake's tick) as last posted."""
        answers = {
            key.removeprefix("summary-"): value
            for key, value in posted.items()
            if key.removeprefix("summary-").startswith(ANSWERS)
        }
        if answers.get("resolve_all"):
            # "Use the existing account for every one" is an answer for each person.
            for line in self._duplicate_lines(self._plan()):
                key = f"duplicate_{decision_key(line.role, line.mis_id)}"
                answers[key] = answers.get(key) or LINK
        self.storage.extra_data = {**self.storage.extra_data, "answers": answers}

    def get_step_url(self, step: str) -> str:
        return reverse(self.url_name, args=[self.school.slug, self.run.pk, step])

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        step = step or self.steps.current
        if step in ("passwords", "years", "subjects"):
            return {"choices": self.choices}
        if step == "summary":
            plan = self._plan()
            return {
                "duplicates": [
                    (c.role, c.mis_id, c.name, c.candidate_username)
                    for c in self._duplicate_lines(plan)
                ],
                "held": bool(plan.hold_reasons),
            }
        return {}

    def _duplicate_lines(self, plan: SyncPlan) -> list[AccountChange]:
        """The possible duplicates, answered or not (so that an answer can be changed),
        but not the people matched by hand."""
        by_hand = self.storage.extra_data.get(LINKS, {})
        return [
            line
            for line in plan.accounts
            if line.candidate_account_id and decision_key(line.role, line.mis_id) not in by_hand
        ]

    def get_form_initial(self, step: str) -> dict[str, Any]:
        if step == "usernames":
            return UsernamesForm.initial_from(self.choices.saved)
        if step == "summary":
            self._plan()  # stores the plan's digest on the run
            initial: dict[str, Any] = {"fingerprint": self.run.plan_digest}
            return initial | self.storage.extra_data.get("answers", {})
        return {}

    # -- The plan the choices make --------------------------------------------------------

    def _settings(self) -> PlanSettings:
        settings = run_settings(self.run)
        usernames = self._valid("usernames")
        passwords = self._valid("passwords")
        years = self._valid("years")
        subjects = self._valid("subjects") if _has_subjects(self) else None
        if usernames is not None:
            settings = replace(
                settings,
                pupil_username_format=usernames.username_format("pupil"),
                staff_username_format=usernames.username_format("staff"),
                staff_scope=usernames.cleaned_data["staff_scope"],
            )
        if passwords is not None:
            settings = replace(settings, password_formats=passwords.password_formats())
        if years is not None:
            settings = replace(settings, year_mapping=years.year_mapping())
        return replace(
            settings,
            subject_groups=frozenset(subjects.subject_groups() if subjects else ()),
        )

    def _valid(self, step: str) -> Any:
        data = self.storage.get_step_data(step)
        if data is None:
            return None
        form = super().get_form(step, data)
        return form if form.is_valid() else None

    def _decisions(self) -> Decisions:
        """The answers as last posted on the summary, and the matches made by hand."""
        answers = self.storage.extra_data.get("answers", {})
        keys = [key.removeprefix("duplicate_") for key in answers if key.startswith("duplicate_")]
        return answers_to_decisions(answers, keys, dict(self.storage.extra_data.get(LINKS, {})))

    def _plan(self) -> SyncPlan:
        """The plan of the choices made so far, stored on the run (once per request)."""
        if not hasattr(self, "_shown_plan"):
            self._shown_plan = sync_review(
                run=self.run, decisions=self._decisions(), settings=self._settings()
            )
        return self._shown_plan

    # -- Pages ----------------------------------------------------------------------------

    def get_context_data(self, form: Any = None, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(form=form, **kwargs)
        step = self.steps.current
        context.update(run=self.run, step_title=TITLES[step], titles=TITLES)
        if step == "usernames":
            context["examples"] = self._username_examples(form)
        elif step == "passwords":
            context["pin_example"] = pictures_of("37")
        elif step == "years":
            context["unmapped"] = form.unmapped()
        elif step == "summary":
            context.update(self._summary_context())
        return context

    def _username_examples(self, form: UsernamesForm) -> dict[str, Any]:
        formats = {"pupil": form["pupil_format"].value(), "staff": form["staff_format"].value()}
        examples: dict[str, Any] = {}
        for role, names in (
            ("pupil", self.choices.pupil_names),
            ("staff", self.choices.staff_names),
        ):
            # What was posted, whatever it is (a format left out comes back as None).
            chosen = str(formats[role] or "")
            if chosen == "custom":
                chosen = (form[f"{role}_template"].value() or "").strip()
            try:
                examples[role] = username_examples(chosen, names, Role(role))
            except ValueError:
                examples[role] = []
        return examples

    def _summary_context(self) -> dict[str, Any]:
        plan = self._plan()
        self.run.refresh_from_db()
        grace = sync_settings_of(self.school).leaver_grace_days
        links = self.storage.extra_data.get(LINKS, {})
        return {
            "plan": plan,
            "view": PlanView.of(plan, today=timezone.localdate(), grace_days=grace),
            "duplicates": self._duplicate_lines(plan),
            "counts": SummaryCounts.of(plan.counts()),
            "choices_made": choices_made(self._settings(), _has_subjects(self)),
            "matched": _matched(links, plan),
            "can_match": User.objects.filter(
                school=self.school, archived_at__isnull=True, mis_id="", mis_external_id=""
            )
            .exclude(role=Role.ADMIN)
            .exists(),
        }

    def done(self, form_list: Any, form_dict: dict[str, Any], **kwargs: Any) -> HttpResponse:
        """Finish: hands the run to a worker, if the plan is still the one shown."""
        summary = form_dict["summary"]
        decisions = summary.decisions(dict(self.storage.extra_data.get(LINKS, {})))
        try:
            plan = sync_review(run=self.run, decisions=decisions, settings=self._settings())
            if self.run.plan_digest != summary.cleaned_data["fingerprint"] or plan.held:
                messages.warning(self.request, CHANGED_SINCE)
                self._keep_answers(self.storage.get_step_data("summary") or {})
                # The page shown next is the new plan's: its fingerprint, not the one
                # posted (the answers are kept above and come back as its initial values).
                self.storage.set_step_data("summary", None)
                return redirect(self.get_step_url("summary"))
            background.sync_finish_later(run=self.run)
        except SyncError as error:
            self.run.refresh_from_db()
            if self.run.apply_requested_at is not None:
                # Finish pressed twice at once (two tabs, two administrators): the
                # other press handed it to a worker, and the run's page says how it went.
                messages.info(self.request, NOT_READY)
            else:
                messages.error(self.request, str(error))
        self._finished = True
        return redirect(run_url(self.run))

    def render_revalidation_failure(
        self, failed_step: str, form: Any, **kwargs: Any
    ) -> HttpResponse:
        # Finish checks every step's answers again; a step with none was never answered
        # in this session (the wizard keeps its answers in the session).
        if self.storage.get_step_data(failed_step) is None:
            messages.warning(self.request, CHOICES_NOT_KEPT)
        response: HttpResponse = super().render_revalidation_failure(failed_step, form, **kwargs)
        return response

    def render_done(self, form: Any, **kwargs: Any) -> HttpResponse:
        # As formtools' own (every step validated again, then done), except that the
        # answers are forgotten only once the run is finished: when Finish sends the
        # administrator back to the summary, every choice is still there.
        if kwargs.get("step") != self.done_step_name:
            return redirect(self.get_step_url(self.done_step_name))
        forms = {}
        for step in self.get_form_list():
            step_form = self.get_form(step=step, data=self.storage.get_step_data(step))
            if not step_form.is_valid():
                return self.render_revalidation_failure(step, step_form, **kwargs)
            forms[step] = step_form
        self._finished = False
        response = self.done(list(forms.values()), form_dict=forms, **kwargs)
        if self._finished:
            self.storage.reset()
        return response


def _matched(links: dict[str, int], plan: SyncPlan) -> list[tuple[str, str, User, bool]]:
    """(key, the person's name, the account, whether the plan could use it) of each match
    made by hand; a match the plan could not use (the account was taken since) says so."""
    accounts = User.objects.in_bulk(list(links.values()))
    lines = {decision_key(line.role, line.mis_id): line for line in plan.accounts}
    found = []
    for key, pk in links.items():
        line = lines.get(key)
        if pk in accounts and line is not None:
            found.append((key, line.name, accounts[pk], line.account_id == pk))
    return found
