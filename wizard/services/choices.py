"""What the wizard's steps offer, read from a run's snapshot (never from the network):
sample names for the username examples, the year groups and their pupils, the teaching
groups by subject, and the school's saved choices to start from."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice

from misclient.snapshot import GROUP_TEACHING, MisGroup, MisPupil, MisSnapshot, MisStaff
from users.credentials import default_password_format
from users.usernames import UsernameAllocator
from users.vocabulary import Role
from wizard.models import SyncRun, SyncSettings
from wizard.planner.feed import on_roll
from wizard.planner.types import Category
from wizard.planner.years import nc_year_name, nc_year_position, suggest_mapping, year_key
from wizard.services.runs import run_snapshot
from wizard.services.selectors import sync_settings_of

SAMPLES = 4  # people shown in the username examples, per role


@dataclass(frozen=True)
class MisYear:
    name: str  # as the MIS says it, whitespace collapsed: "Year 4"
    pupils: int
    suggested: str  # NC code, or "" when nothing is recognised or saved


@dataclass(frozen=True)
class Subject:
    name: str
    groups: tuple[MisGroup, ...]


@dataclass
class RunChoices:
    """The choices one run's wizard offers, and the school's saved ones. The sample names
    and the year groups are worked out when a step first asks for them: the subject
    groups step needs neither (nor 8,000 pupils counted by year)."""

    saved: SyncSettings
    subjects: list[Subject] = field(default_factory=list)
    run: SyncRun | None = None
    snapshot: MisSnapshot | None = None

    @classmethod
    def of(cls, run: SyncRun) -> RunChoices:
        snapshot = run_snapshot(run)
        saved = sync_settings_of(run.school)
        return cls(saved=saved, subjects=_subjects(snapshot), run=run, snapshot=snapshot)

    @cached_property
    def pupil_names(self) -> list[tuple[str, str]]:
        if self.run is None or self.snapshot is None:
            return []
        return _new_people(self.run, Role.PUPIL) or _first_on_roll(self.snapshot.pupils)

    @cached_property
    def staff_names(self) -> list[tuple[str, str]]:
        if self.run is None or self.snapshot is None:
            return []
        teachers = (person for person in self.snapshot.staff if person.is_teacher)
        return _new_people(self.run, Role.STAFF) or _first_on_roll(teachers)

    @cached_property
    def years(self) -> list[MisYear]:
        return _years(self.snapshot, self.saved) if self.snapshot is not None else []

    def nc_years(self, mapping: dict[str, str]) -> list[tuple[str, str, int]]:
        """(NC code, its name, pupils) of every NC year `mapping` gives the MIS's years."""
        counts: Counter[str] = Counter()
        for year in self.years:
            if code := mapping.get(year.name):
                counts[code] += year.pupils
        ordered = sorted(counts, key=nc_year_position)
        return [(code, nc_year_name(code), counts[code]) for code in ordered]

    def password_format_of(self, code: str) -> str:
        return self.saved.password_formats.get(code) or default_password_format(code)

    def suggested_mapping(self) -> dict[str, str]:
        return {year.name: year.suggested for year in self.years if year.suggested}


def _new_people(run: SyncRun, role: Role) -> list[tuple[str, str]]:
    """(forename, surname) of the first people who would get a new account: the formats
    are for them (existing accounts keep their usernames)."""
    lines = run.changes.filter(kind=Category.NEW, role=role).order_by("id")[:SAMPLES]
    return [(line.planned.get("forename", ""), line.planned.get("surname", "")) for line in lines]


def _first_on_roll(people: Iterable[MisPupil | MisStaff]) -> list[tuple[str, str]]:
    """(forename, surname) of the first people on roll (without reading all 8,000)."""
    on = (person for person in people if on_roll(person.status))
    return [(person.forename, person.surname) for person in islice(on, SAMPLES)]


def _years(snapshot: MisSnapshot, saved: SyncSettings) -> list[MisYear]:
    counts = Counter(year_key(p.year_group) for p in snapshot.pupils if on_roll(p.status))
    counts.pop("", None)
    mapping = suggest_mapping(list(counts), saved.year_mapping)
    names = sorted(counts, key=lambda name: (nc_year_position(mapping.get(name, "99")), name))
    return [MisYear(name, counts[name], mapping.get(name, "")) for name in names]


def _subjects(snapshot: MisSnapshot) -> list[Subject]:
    by_subject: dict[str, list[MisGroup]] = {}
    for group in snapshot.groups:
        if group.kind == GROUP_TEACHING:
            subject = group.subject_name or group.subject_code or "Other"
            by_subject.setdefault(subject, []).append(group)
    return [
        Subject(name, tuple(sorted(groups, key=lambda g: _in_number_order(g.name))))
        for name, groups in sorted(by_subject.items())
    ]


def _in_number_order(name: str) -> tuple[str | int, ...]:
    """A sort key that puts "7X1/Ma" before "10X1/Ma" and "9A2" before "9A10": every
    other part of re.split's answer is a run of digits."""
    return tuple(
        int(part) if index % 2 else part.casefold()
        for index, part in enumerate(re.split(r"(\d+)", name))
    )


def username_examples(
    username_format: str, names: list[tuple[str, str]], role: Role
) -> list[tuple[str, str]]:
    """(full name, the username it would get) for each of `names`; raises ValueError for a
    format that cannot be used."""
    allocator = UsernameAllocator(())
    return [
        (
            f"{forename} {surname}",
            allocator.allocate_for(
                username_format, forename=forename, surname=surname, role=role, mis_id=str(n)
            ),
        )
        for n, (forename, surname) in enumerate(names, start=1)
    ]
