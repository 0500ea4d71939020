"""The words of a summary: what each category of change is called, the counts as a
school administrator reads them, and a plan's people grouped for the summary page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from users.credentials import PASSWORD_FORMATS
from users.usernames import PRESETS
from users.vocabulary import Role
from wizard.planner.types import (
    STAFF_SCOPE_LABELS,
    AccountChange,
    Category,
    ClassCategory,
    ClassChange,
    PlanSettings,
    StaffScope,
    SyncPlan,
)
from wizard.planner.years import nc_year_name, nc_year_position

# In the order the summary lists them; the keys are the run's counts (SyncPlan.counts).
COUNT_LABELS = {
    "new_pupils": "New pupils",
    "new_staff": "New staff",
    "updated": "Updated",
    "moved": "Moved class or year",
    "leavers": "Leavers (archived)",
    "returning": "Returning (reactivated)",
    "duplicates": "Possible duplicates (not imported until you answer)",
    "errors": "Not imported due to errors",
    "unchanged": "Unchanged",
}
CATEGORY_LABELS = {
    Category.NEW: "New accounts",
    Category.UPDATED: "Updated",
    Category.MOVED: "Moved class or year",
    Category.LEAVER: "Leavers (archived)",
    Category.RETURNING: "Returning (reactivated)",
    Category.DUPLICATE: "Possible duplicates",
    Category.ERROR: "Not imported due to errors",
}
CLASS_LABELS = {
    ClassCategory.NEW: "Classes created",
    ClassCategory.LINKED: "Classes matched by name",
    ClassCategory.UPDATED: "Classes renamed or changed",
    ClassCategory.ARCHIVED: "Classes archived",
}


@dataclass
class SummaryCounts:
    """A run's counts as labelled lines, and what "Finish" will do in words."""

    lines: list[tuple[str, str, int]]  # (key, label, count)
    created: int = 0
    changed: int = 0
    archived: int = 0

    @classmethod
    def of(cls, counts: dict[str, int]) -> SummaryCounts:
        lines = [(key, label, counts.get(key, 0)) for key, label in COUNT_LABELS.items()]
        return cls(
            lines=lines,
            created=counts.get("new_pupils", 0) + counts.get("new_staff", 0),
            changed=sum(counts.get(key, 0) for key in ("updated", "moved", "returning")),
            archived=counts.get("leavers", 0),
        )

    @property
    def finish_label(self) -> str:
        """The Finish button's words: "Create 43 accounts, update 12 and archive 3"."""
        parts = []
        if self.created:
            parts.append(f"create {_accounts(self.created)}")
        if self.changed:
            parts.append(f"update {self.changed}")
        if self.archived:
            parts.append(f"archive {self.archived}")
        if not parts:
            return "Finish: there is nothing to change"
        text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return text[0].upper() + text[1:]


def _accounts(number: int) -> str:
    return f"{number} account{'s' if number != 1 else ''}"


# How many people each line of the summary lists: a big school's first sync would
# otherwise ship every one of thousands of people in one page. The rest are on the run's
# changes page, one category at a time, in pages.
SHOWN = 100
# A summary line -> the filter of the run's changes page that lists all its people.
CHANGES_FILTER = {
    "new_pupils": "kind=new&role=pupil",
    "new_staff": "kind=new&role=staff",
    "updated": "kind=updated",
    "moved": "kind=moved",
    "leavers": "kind=leaver",
    "returning": "kind=returning",
    "errors": "kind=error",
}


@dataclass
class Group:
    """One expandable line of the summary: a label, its count, and its first people (the
    changes page has them all: `more` is its filter; unchanged people are not kept)."""

    key: str
    label: str
    people: list[AccountChange] = field(default_factory=list)
    total: int = 0
    more: str = ""

    @classmethod
    def of(cls, key: str, people: list[AccountChange]) -> Group:
        # Possible duplicates are all shown: each one is a question on the page.
        limit = len(people) if key == "duplicates" else SHOWN
        return cls(
            key,
            COUNT_LABELS[key],
            people[:limit],
            total=len(people),
            more=CHANGES_FILTER.get(key, ""),
        )

    @property
    def hidden(self) -> int:
        return self.total - len(self.people)


@dataclass
class PlanView:
    """A plan as the summary shows it."""

    groups: list[Group]
    classes: list[tuple[str, list[ClassChange]]]
    purge_on: date

    @classmethod
    def of(cls, plan: SyncPlan, *, today: date, grace_days: int) -> PlanView:
        groups = [
            Group.of("new_pupils", plan.of(Category.NEW, Role.PUPIL)),
            Group.of("new_staff", plan.of(Category.NEW, Role.STAFF)),
            *(
                Group.of(key, plan.of(category))
                for key, category in (
                    ("updated", Category.UPDATED),
                    ("moved", Category.MOVED),
                    ("leavers", Category.LEAVER),
                    ("returning", Category.RETURNING),
                    ("duplicates", Category.DUPLICATE),
                    ("errors", Category.ERROR),
                    ("unchanged", Category.UNCHANGED),
                )
            ),
        ]
        classes = [
            (label, [c for c in plan.classes if c.category == kind])
            for kind, label in CLASS_LABELS.items()
        ]
        return cls(
            groups=groups,
            classes=classes,
            purge_on=today + timedelta(days=grace_days),
        )


def choices_made(settings: PlanSettings, subjects: bool) -> list[tuple[str, str, str]]:
    """(what, the choice in words, the step that changes it) for "check your answers"."""
    scope = STAFF_SCOPE_LABELS[StaffScope(settings.staff_scope)].lower()
    lines = [
        ("Pupil usernames", format_words(settings.pupil_username_format), "usernames"),
        (
            "Staff usernames",
            f"{format_words(settings.staff_username_format)}; {scope}",
            "usernames",
        ),
        (
            "Passwords",
            "; ".join(
                f"{nc_year_name(code)}: {PASSWORD_FORMATS.get(fmt, fmt)}"
                for code, fmt in sorted(
                    settings.password_formats.items(), key=lambda item: nc_year_position(item[0])
                )
            )
            or "the usual formats",
            "passwords",
        ),
        (
            "Year groups",
            "; ".join(
                f"{name} \u2192 {nc_year_name(code) if code else 'not imported'}"
                for name, code in settings.year_mapping.items()
            ),
            "years",
        ),
    ]
    if subjects:
        count = len(settings.subject_groups)
        lines.append(
            ("Subject groups", f"{count} teaching group{'s' if count != 1 else ''}", "subjects")
        )
    return lines


def format_words(username_format: str) -> str:
    return PRESETS.get(username_format) or f"Custom: {username_format}"


# The fields of a change shown to the school, in its words (ids and UPNs are not).
_CHANGED = {
    "forename": "Forename",
    "surname": "Surname",
    "year": "Year",
    "registration_group": "Class",
    "email": "Email",
}


def change_words(planned: dict[str, Any]) -> list[str]:
    """What a plan line (as a change row keeps it) does to its account, in words:
    "Class: 3AB → 4ES", "Surname: Jones → Haddad", "Linked to the MIS"."""
    category = planned.get("category")
    before, after = planned.get("before") or {}, planned.get("after") or {}
    if category == Category.ERROR:
        return [planned.get("reason", "")]
    if category == Category.LEAVER:
        return ["Archived: no longer in the MIS"]
    if category == Category.NEW:
        year = _year(after.get("year", ""))
        group = after.get("registration_group", "")
        return [", ".join(part for part in (year, f"class {group}" if group else "") if part)]
    words = ["Reactivated: back in the MIS"] if category == Category.RETURNING else []
    for key, label in _CHANGED.items():
        if key in after:
            old, new = before.get(key, ""), after[key]
            if key == "year":
                old, new = _year(old), _year(new)
            words.append(f"{label}: {old or 'none'} \u2192 {new or 'none'}")
    if "classes" in after and "registration_group" not in after:
        words.append("Teaching groups changed")
    if "mis_id" in after and not before.get("mis_id"):
        words.append("Linked to the MIS")
    return words


def _year(code: str) -> str:
    return nc_year_name(code) if code else ""
