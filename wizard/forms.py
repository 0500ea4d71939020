"""The wizard's steps as forms. They check the shape of the choices only: the choices
offered come from the run's snapshot (`RunChoices`), never from the MIS itself."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe

from users.credentials import PASSWORD_FORMATS
from users.usernames import PRESETS, validate_template
from wizard.models import SyncSettings
from wizard.planner.types import CREATE_NEW, LINK, STAFF_SCOPE_LABELS, Decisions, decision_key
from wizard.planner.years import NC_YEARS
from wizard.services.choices import RunChoices

CUSTOM = "custom"
NO_TEMPLATE = "Enter a template for the custom format, for example {forename}{surname:1}"
NOT_CONFIRMED = (
    "Tick the box to confirm you have checked the changes above, or change your answers."
)
CHOOSE_YEAR = "Choose the National Curriculum year, or \u201cDo not import\u201d"


class UsernamesForm(forms.Form):
    pupil_format = forms.ChoiceField(
        label="Username format for new pupils",
        choices=[*PRESETS.items(), (CUSTOM, "A custom format")],
        widget=forms.RadioSelect,
    )
    pupil_template = forms.CharField(
        label="Custom format for pupils", required=False, max_length=100
    )
    staff_format = forms.ChoiceField(
        label="Username format for new staff",
        choices=[*PRESETS.items(), (CUSTOM, "A custom format")],
        widget=forms.RadioSelect,
    )
    staff_template = forms.CharField(
        label="Custom format for staff", required=False, max_length=100
    )
    staff_scope = forms.ChoiceField(
        label="Which staff to sync",
        choices=list(STAFF_SCOPE_LABELS.items()),
        widget=forms.RadioSelect,
    )

    @staticmethod
    def initial_from(saved: SyncSettings) -> dict[str, str]:
        initial = {"staff_scope": saved.staff_scope}
        for role in ("pupil", "staff"):
            value = getattr(saved, f"{role}_username_format")
            if value in PRESETS:
                initial[f"{role}_format"] = value
            else:
                initial[f"{role}_format"], initial[f"{role}_template"] = CUSTOM, value
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for role in ("pupil", "staff"):
            if data.get(f"{role}_format") != CUSTOM:
                continue
            template = (data.get(f"{role}_template") or "").strip()
            try:
                if not template:
                    raise ValueError(NO_TEMPLATE)
                validate_template(template)
            except ValueError as error:
                self.add_error(f"{role}_template", str(error))
        return data

    def username_format(self, role: str) -> str:
        """The preset key or the custom template chosen for `role`."""
        chosen = self.cleaned_data[f"{role}_format"]
        return self.cleaned_data[f"{role}_template"].strip() if chosen == CUSTOM else chosen


class PasswordsForm(forms.Form):
    """A password format per NC year of the pupils in the MIS (new pupils only)."""

    def __init__(self, *args: Any, choices: RunChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = choices.nc_years(choices.suggested_mapping())
        for code, name, pupils in self.years:
            self.fields[f"year_{code}"] = forms.ChoiceField(
                label=f"{name} ({pupils} pupil{'s' if pupils != 1 else ''})",
                choices=list(PASSWORD_FORMATS.items()),
                initial=choices.password_format_of(code),
            )

    def password_formats(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"year_{code}"] for code, _, _ in self.years}


class YearsForm(forms.Form):
    """The NC year of each MIS year group, suggested or as saved last time."""

    def __init__(self, *args: Any, choices: RunChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = choices.years
        options = [("", "Do not import"), *((y.code, y.name) for y in NC_YEARS)]
        for index, year in enumerate(self.years):
            self.fields[f"mis_year_{index}"] = forms.ChoiceField(
                label=f"{year.name} ({year.pupils} pupil{'s' if year.pupils != 1 else ''})",
                choices=options,
                required=False,
                initial=year.suggested,
            )

    def year_mapping(self) -> dict[str, str]:
        """MIS year name -> NC code ("" for a year not to import, kept so next time too)."""
        return {
            year.name: self.cleaned_data[f"mis_year_{index}"]
            for index, year in enumerate(self.years)
        }

    def unmapped(self) -> list[tuple[str, int]]:
        """(MIS year name, pupils) of the years not mapped, as the form shows them now."""
        return [
            (year.name, year.pupils)
            for index, year in enumerate(self.years)
            if not self[f"mis_year_{index}"].value()
        ]


@dataclass(frozen=True)
class SubjectChoices:
    """One subject's part of the subject groups step: its "all groups" box and its
    groups' boxes."""

    name: str
    all_groups: forms.BoundField
    groups: forms.BoundField
    options: list[tuple[str, str, bool]]  # (MIS id, label, ticked) of each group

    @property
    def chosen(self) -> int:
        return sum(ticked for _, _, ticked in self.options)

    @property
    def partly_chosen(self) -> bool:
        """Some groups but not all: the list is shown open, to see which."""
        return 0 < self.chosen < len(self.options)

    def boxes(self) -> SafeString:
        """A labelled box per group, as HTML. Built here rather than by Django's
        CheckboxSelectMultiple, which renders a template per option, by a template loop
        (six variables per option) or by format_html (its lazy-aware escaping): for 2,400
        groups of an 8,000-pupil school, each cost most of the page's time. Python's
        html.escape is Django's escaping without the laziness."""
        name = escape(self.groups.html_name)
        boxes = "\n".join(
            f'<li><label><input type="checkbox" name="{name}" value="{escape(value)}"'
            f"{' checked' if ticked else ''}> {escape(label)}</label></li>"
            for value, label, ticked in self.options
        )
        return mark_safe(boxes)  # every value and label escaped just above


class GroupsField(forms.MultipleChoiceField):
    """Some of a subject's groups, by MIS id: each id posted is looked up in a set.
    (MultipleChoiceField looks through every choice for each value posted: 90 ms to
    check 1,300 groups chosen, again on every later step, which re-validates this one.)
    The boxes are drawn by SubjectChoices, so the field needs no choices of its own."""

    def __init__(self, *, ids: frozenset[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ids = ids

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.ids


class SubjectsForm(forms.Form):
    """The teaching groups to import, by subject."""

    def __init__(self, *args: Any, choices: RunChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subjects = choices.subjects
        saved = set(choices.saved.subject_groups)
        for index, subject in enumerate(self.subjects):
            chosen = [g.mis_id for g in subject.groups if g.mis_id in saved]
            self.fields[f"all_{index}"] = forms.BooleanField(
                label=f"Select all {subject.name} groups",
                required=False,
                initial=len(chosen) == len(subject.groups),
            )
            self.fields[f"subject_{index}"] = GroupsField(
                label=f"{subject.name} groups",
                ids=frozenset(g.mis_id for g in subject.groups),
                required=False,
                initial=chosen,
            )

    def by_subject(self) -> list[SubjectChoices]:
        """Each subject's boxes, ticked as posted (or as saved last time)."""
        found = []
        for index, subject in enumerate(self.subjects):
            groups = self[f"subject_{index}"]
            chosen = {str(value) for value in groups.value() or ()}
            options = [
                (g.mis_id, _group_label(g.name, len(g.pupil_ids)), g.mis_id in chosen)
                for g in subject.groups
            ]
            found.append(SubjectChoices(subject.name, self[f"all_{index}"], groups, options))
        return found

    def subject_groups(self) -> list[str]:
        chosen: list[str] = []
        for index, subject in enumerate(self.subjects):
            if self.cleaned_data[f"all_{index}"]:
                chosen += [group.mis_id for group in subject.groups]
            else:
                chosen += self.cleaned_data[f"subject_{index}"]
        return sorted(set(chosen))


def _group_label(name: str, pupils: int) -> str:
    return f"{name} ({pupils} pupil{'s' if pupils != 1 else ''})"


class SummaryForm(forms.Form):
    """The answers the summary asks for: possible duplicates, and the brake's tick."""

    fingerprint = forms.CharField(widget=forms.HiddenInput)
    resolve_all = forms.BooleanField(
        label="Use the existing account for every possible duplicate", required=False
    )
    confirm_brake = forms.BooleanField(
        label="I have checked these changes and want to apply them", required=False
    )

    def __init__(
        self, *args: Any, duplicates: list[tuple[str, str, str, str]], held: bool, **kwargs: Any
    ) -> None:
        """`duplicates`: (role, MIS id, name, the candidate's username) of each possible
        duplicate."""
        super().__init__(*args, **kwargs)
        self.held = held
        self.duplicate_keys = []
        for role, mis_id, name, username in duplicates:
            key = decision_key(role, mis_id)
            self.duplicate_keys.append(key)
            self.fields[f"duplicate_{key}"] = forms.ChoiceField(
                label=f"{name} (MIS id {mis_id})",
                choices=[
                    (LINK, f"Use the existing account {username}"),
                    (CREATE_NEW, "Create a new account"),
                    ("", "Decide later (not imported this time)"),
                ],
                widget=forms.RadioSelect,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.held and not data.get("confirm_brake"):
            self.add_error("confirm_brake", NOT_CONFIRMED)
        return data

    def decisions(self, links: dict[str, int]) -> Decisions:
        return answers_to_decisions(self.cleaned_data, self.duplicate_keys, links)


def answers_to_decisions(
    answers: dict[str, Any], duplicate_keys: list[str], links: dict[str, int]
) -> Decisions:
    """The planner's Decisions from the summary's answers (cleaned, or as last posted)."""
    chosen = {key: answers.get(f"duplicate_{key}") or "" for key in duplicate_keys}
    return Decisions(
        duplicates={key: answer for key, answer in chosen.items() if answer},
        all_duplicates=LINK if answers.get("resolve_all") else "",
        confirm_brake=bool(answers.get("confirm_brake")),
        links=links,
    )
