"""The snapshot as the planner reads it: one `Person` per record, the classes to import,
and the errors that can be told from the feed alone.

Records whose MIS status says they are no longer (or not yet) on roll are treated as
absent from the feed. Staff outside the school's staff scope are kept with
`in_scope=False`: they are never imported, but their accounts are not leavers either.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from misclient.snapshot import (
    GROUP_REGISTRATION,
    GROUP_TEACHING,
    MisGroup,
    MisPupil,
    MisSnapshot,
    MisStaff,
)
from wizard.planner import reasons
from wizard.planner.types import STAFF_ALL, PlanSettings
from wizard.planner.years import nc_year_position, year_key

PUPIL = "pupil"
STAFF = "staff"

_NOT_ON_ROLL = frozenset({"leaver", "left", "previous", "preadmission"})
_PROBLEM_ROLES = {"students": PUPIL, "pupils": PUPIL, "staff": STAFF}


@dataclass
class Person:
    """One MIS record, pupil or staff, as the planner compares it with accounts."""

    role: str
    mis_id: str
    external_id: str = ""
    upn: str = ""
    former_upn: str = ""
    forename: str = ""
    surname: str = ""
    email: str = ""
    year: str = ""  # NC code, "" when unmapped
    mis_year: str = ""
    registration: MisGroup | None = None
    class_mis_ids: tuple[str, ...] = ()
    error: str = ""
    in_scope: bool = True
    index: int = 0  # position in `Feed.people`, the planner's handle on a person

    def sort_key(self) -> tuple[int, int, str, str, tuple[int, int, str]]:
        """Pupils by year, then everyone by surname, forename and MIS id; the sort is
        stable, so records alike in all of these keep the feed's order."""
        return (
            0 if self.role == PUPIL else 1,
            nc_year_position(self.year) if self.role == PUPIL else 0,
            self.surname.casefold(),
            self.forename.casefold(),
            id_sort_key(self.mis_id),
        )


@dataclass
class Feed:
    people: list[Person]  # sorted by `Person.sort_key`; `person.index` is its position
    groups: dict[str, MisGroup]  # the classes to import, by MIS id
    class_years: dict[str, str]  # registration group MIS id -> its pupils' commonest NC year


def id_sort_key(mis_id: str) -> tuple[int, int, str]:
    """Numeric ids in numeric order ("9" before "10"), then the others as text."""
    if mis_id.isascii() and mis_id.isdigit():
        return (0, int(mis_id), "")
    return (1, 0, mis_id)


def on_roll(status: str) -> bool:
    return status.casefold().replace(" ", "").replace("-", "") not in _NOT_ON_ROLL


def imported_groups(snapshot: MisSnapshot, subject_groups: Iterable[str]) -> dict[str, MisGroup]:
    """Registration groups always, teaching groups when selected; the first of a repeated id."""
    selected = set(subject_groups)
    groups: dict[str, MisGroup] = {}
    for group in snapshot.groups:
        wanted = group.kind == GROUP_REGISTRATION or (
            group.kind == GROUP_TEACHING and group.mis_id in selected
        )
        if wanted and group.mis_id and group.mis_id not in groups:
            groups[group.mis_id] = group
    return groups


def read_feed(snapshot: MisSnapshot, settings: PlanSettings) -> Feed:
    """Every on-roll record as a Person with its year, classes and feed-level error."""
    groups = imported_groups(snapshot, settings.subject_groups)
    pupils = [p for p in snapshot.pupils if on_roll(p.status)]
    staff = [s for s in snapshot.staff if on_roll(s.status)]
    people = _pupils(pupils, groups, settings) + _staff(staff, groups, settings)
    _mark_repeated_ids(people)
    people += _apply_problems(snapshot, people)
    people.sort(key=Person.sort_key)
    for index, person in enumerate(people):
        person.index = index
    return Feed(people, groups, _class_years(people))


def _pupils(
    pupils: list[MisPupil], groups: dict[str, MisGroup], settings: PlanSettings
) -> list[Person]:
    year_mapping = {year_key(name): code for name, code in settings.year_mapping.items() if code}
    registration_by_name: dict[str, MisGroup] = {}
    for group in sorted(groups.values(), key=lambda g: id_sort_key(g.mis_id)):
        if group.kind == GROUP_REGISTRATION:
            registration_by_name.setdefault(group.name, group)
    teaching = _teaching_memberships(pupils, groups)
    people = []
    for pupil in pupils:
        registration = groups.get(pupil.registration_group_id)
        if registration is None or registration.kind != GROUP_REGISTRATION:
            registration = registration_by_name.get(pupil.registration_group)
        person = Person(
            role=PUPIL,
            mis_id=pupil.mis_id.strip(),
            external_id=pupil.external_id.strip(),
            upn=pupil.upn.strip().upper(),
            former_upn=pupil.former_upn.strip().upper(),
            forename=pupil.forename.strip(),
            surname=pupil.surname.strip(),
            year=year_mapping.get(year_key(pupil.year_group), ""),
            mis_year=year_key(pupil.year_group),
            registration=registration,
        )
        own = {registration.mis_id} if registration else set()
        person.class_mis_ids = tuple(sorted(own | teaching.get(pupil.mis_id, set())))
        person.error = _pupil_error(person, pupil)
        people.append(person)
    return people


def _teaching_memberships(
    pupils: list[MisPupil], groups: dict[str, MisGroup]
) -> dict[str, set[str]]:
    """Pupil MIS id -> imported teaching groups, from either side of the membership."""
    members: dict[str, set[str]] = defaultdict(set)
    teaching = {gid: g for gid, g in groups.items() if g.kind == GROUP_TEACHING}
    for group in teaching.values():
        for pupil_id in group.pupil_ids:
            members[pupil_id].add(group.mis_id)
    for pupil in pupils:
        members[pupil.mis_id].update(gid for gid in pupil.group_ids if gid in teaching)
    return members


def _pupil_error(person: Person, pupil: MisPupil) -> str:
    if error := _common_error(person):
        return error
    if not person.mis_year:
        return reasons.NO_YEAR_GROUP
    if not person.year:
        return reasons.YEAR_NOT_MAPPED.format(name=person.mis_year)
    if person.registration is None:
        name = pupil.registration_group.strip()
        if name or pupil.registration_group_id.strip():
            return reasons.REGISTRATION_GROUP_NOT_SENT.format(
                name=name or pupil.registration_group_id.strip()
            )
        return reasons.NO_REGISTRATION_GROUP
    return ""


def _common_error(person: Person) -> str:
    if not person.mis_id:
        return reasons.NO_MIS_ID
    if not person.forename or not person.surname:
        return reasons.EMPTY_NAME
    return ""


def _staff(
    staff: list[MisStaff], groups: dict[str, MisGroup], settings: PlanSettings
) -> list[Person]:
    classes: dict[str, set[str]] = defaultdict(set)
    for group in groups.values():
        for staff_id in group.staff_ids:
            classes[staff_id].add(group.mis_id)
    people = []
    for member in staff:
        person = Person(
            role=STAFF,
            mis_id=member.mis_id.strip(),
            external_id=member.external_id.strip(),
            forename=member.forename.strip(),
            surname=member.surname.strip(),
            email=member.email.strip(),
            class_mis_ids=tuple(sorted(classes.get(member.mis_id, ()))),
            in_scope=settings.staff_scope == STAFF_ALL or member.is_teacher,
        )
        # A missing email only matters for staff who would get a new account: see build.
        person.error = _common_error(person)
        people.append(person)
    return people


def _mark_repeated_ids(people: list[Person]) -> None:
    """Every copy of a repeated Id, ExternalId or UPN is an error: no copy can be trusted."""
    checks: list[tuple[str, Callable[[Person], str]]] = [
        (reasons.LABEL_MIS_ID, lambda p: p.mis_id),
        (reasons.LABEL_EXTERNAL_ID, lambda p: p.external_id),
        (reasons.LABEL_UPN, lambda p: p.upn),
    ]
    for label, value_of in checks:
        counts = Counter((p.role, value_of(p)) for p in people if value_of(p))
        for person in people:
            value = value_of(person)
            if value and counts[(person.role, value)] > 1 and not _repeat_error(person.error):
                person.error = reasons.REPEATED_ID.format(label=label, value=value)


def _repeat_error(error: str) -> bool:
    prefix = reasons.REPEATED_ID.split("{", 1)[0]
    return error.startswith(prefix)


def _apply_problems(snapshot: MisSnapshot, people: list[Person]) -> list[Person]:
    """Parse problems that name a person become that record's error, or (when the record
    could not be read at all) an error record of their own, so its account is not taken
    for a leaver."""
    messages: dict[tuple[str, str], list[str]] = defaultdict(list)
    for problem in snapshot.problems:
        role = _PROBLEM_ROLES.get(problem.endpoint.casefold())
        if role and problem.mis_id.strip():
            messages[(role, problem.mis_id.strip())].append(problem.reason)
    for person in people:
        found = messages.pop((person.role, person.mis_id), None)
        if found:
            person.error = "; ".join(dict.fromkeys(found))
    return [
        Person(role=role, mis_id=mis_id, error="; ".join(dict.fromkeys(found)))
        for (role, mis_id), found in sorted(messages.items())
    ]


def _class_years(people: list[Person]) -> dict[str, str]:
    """Each registration group's commonest NC year among its pupils (ties: the youngest)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for person in people:
        if person.registration is not None and person.year:
            counts[person.registration.mis_id][person.year] += 1
    return {
        group_id: min(years, key=lambda y: (-years[y], nc_year_position(y), y))
        for group_id, years in counts.items()
    }
