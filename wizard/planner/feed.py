"""The snapshot as the planner reads it: one `Person` per record, the classes to import,
and the errors that can be told from the feed alone.

Records whose MIS status says they are no longer (or not yet) on roll are treated as
absent from the feed. Staff outside the school's staff scope are kept with
`in_scope=False`: they are never imported, but their accounts are not leavers either.

Every value the sync writes must fit its database column (users/models.py), or the whole
apply fails on PostgreSQL, so values that do not fit are caught here, one record at a
time: a person whose Id or ExternalId is over 64 characters, whose forename or surname is
over 100, whose UPN is not a valid UPN (shape and check letter: it is an identity key, so
a mistyped one must not be written or matched on), or whose work email is not one valid
address, is an error. A FormerUPN is only compared, never written, so it is taken as sent.
A group whose MIS Id is over 64 characters is not imported (its pupils are errors); a
class name or subject over 100 characters is cut to 100, which harms nothing.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from misclient.parse import has_visible_letter
from misclient.snapshot import (
    GROUP_REGISTRATION,
    GROUP_TEACHING,
    MisGroup,
    MisPupil,
    MisSnapshot,
    MisStaff,
)
from misclient.upn import is_valid_upn
from users.vocabulary import Role
from wizard.planner import reasons
from wizard.planner.types import STAFF_ALL, PlanSettings
from wizard.planner.years import nc_year_position, year_key

PUPIL = Role.PUPIL
STAFF = Role.STAFF

# Column sizes (users/models.py, wizard/models.py).
MAX_ID_LENGTH = 64  # User.mis_id and mis_external_id, SchoolClass.mis_id, SyncChange.mis_id
MAX_NAME_LENGTH = 100  # User.forename and surname, SchoolClass.name and subject
MAX_EMAIL_LENGTH = 254  # User.email

_NOT_ON_ROLL = frozenset({"leaver", "left", "previous", "preadmission"})
_PROBLEM_ROLES = {"students": PUPIL, "pupils": PUPIL, "staff": STAFF}
ROW_OF_FEED = "(record {row} of {endpoint} as the MIS sent them)"


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
    """Registration groups always, teaching groups when selected; the first of a repeated
    id. Groups whose id is too long to store are left out."""
    selected = set(subject_groups)
    groups: dict[str, MisGroup] = {}
    for group in snapshot.groups:
        wanted = group.kind == GROUP_REGISTRATION or (
            group.kind == GROUP_TEACHING and group.mis_id in selected
        )
        if wanted and _fits_id(group.mis_id) and group.mis_id not in groups:
            groups[group.mis_id] = group
    return groups


def _fits_id(mis_id: str) -> bool:
    return 0 < len(mis_id) <= MAX_ID_LENGTH


@dataclass
class _LongIdGroups:
    """Registration groups left out because their id is too long, by id and by name, so
    that their pupils can be told why."""

    by_id: dict[str, MisGroup]
    by_name: dict[str, MisGroup]

    @classmethod
    def of(cls, snapshot: MisSnapshot) -> _LongIdGroups:
        found = [
            g
            for g in snapshot.groups
            if g.kind == GROUP_REGISTRATION and len(g.mis_id) > MAX_ID_LENGTH
        ]
        by_name = {g.name: g for g in reversed(found) if g.name}
        return cls({g.mis_id: g for g in found}, by_name)

    def get(self, pupil: MisPupil) -> MisGroup | None:
        return self.by_id.get(pupil.registration_group_id) or self.by_name.get(
            pupil.registration_group
        )


def read_feed(snapshot: MisSnapshot, settings: PlanSettings) -> Feed:
    """Every on-roll record as a Person with its year, classes and feed-level error."""
    groups = imported_groups(snapshot, settings.subject_groups)
    pupils = [p for p in snapshot.pupils if on_roll(p.status)]
    staff = [s for s in snapshot.staff if on_roll(s.status)]
    long_ids = _LongIdGroups.of(snapshot)
    people = _pupils(pupils, groups, long_ids, settings) + _staff(staff, groups, settings)
    _mark_repeated_ids(people)
    people += _apply_problems(snapshot, people)
    people.sort(key=Person.sort_key)
    for index, person in enumerate(people):
        person.index = index
    return Feed(people, groups, _class_years(people))


def _pupils(
    pupils: list[MisPupil],
    groups: dict[str, MisGroup],
    long_ids: _LongIdGroups,
    settings: PlanSettings,
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
        person.error = _pupil_error(person, pupil, long_ids)
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


def _pupil_error(person: Person, pupil: MisPupil, long_ids: _LongIdGroups) -> str:
    if error := _common_error(person):
        return error
    if person.upn and not is_valid_upn(person.upn):
        return reasons.INVALID_UPN.format(upn=shown(person.upn))
    if not person.mis_year:
        return reasons.NO_YEAR_GROUP
    if not person.year:
        return reasons.YEAR_NOT_MAPPED.format(name=person.mis_year)
    if person.registration is None:
        if (left_out := long_ids.get(pupil)) is not None:
            name = left_out.name.strip() or left_out.code.strip() or shown(left_out.mis_id)
            return reasons.REGISTRATION_GROUP_ID_TOO_LONG.format(name=shown(name))
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
    for label, value in (
        (reasons.LABEL_MIS_ID, person.mis_id),
        (reasons.LABEL_EXTERNAL_ID, person.external_id),
    ):
        if len(value) > MAX_ID_LENGTH:
            return reasons.ID_TOO_LONG.format(label=label)
    if not has_visible_letter(person.forename) or not has_visible_letter(person.surname):
        return reasons.EMPTY_NAME
    if max(len(person.forename), len(person.surname)) > MAX_NAME_LENGTH:
        return reasons.NAME_TOO_LONG
    return ""


def _staff_error(person: Person) -> str:
    if error := _common_error(person):
        return error
    if person.email and not is_email(person.email):
        return reasons.INVALID_EMAIL.format(email=shown(person.email))
    # A missing email only matters for staff who would get a new account: see build.
    return ""


# Characters that never appear in a plain address: spaces, list separators, quoting and
# the brackets of "Name <address>".
_NOT_IN_EMAIL = re.compile(r"""[\s\x00-\x1f\x7f,;:<>()\[\]"\\]""")


def is_email(value: str) -> bool:
    """True if `value` is one plain email address that fits the column: one "@", no
    spaces, commas or the like, something before the "@", and a domain with a dot whose
    labels are not empty. Stricter than the standard, on purpose: an address that reads
    oddly is more likely a typing slip than a real mailbox."""
    if len(value) > MAX_EMAIL_LENGTH or value.count("@") != 1 or _NOT_IN_EMAIL.search(value):
        return False
    local, domain = value.split("@")
    if not local or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    return len(labels) > 1 and all(
        label and not label.startswith("-") and not label.endswith("-") for label in labels
    )


def shown(value: str, limit: int = 40) -> str:
    """`value` for a reason: cut short, with an ellipsis, when it is long."""
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


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
        person.error = _staff_error(person)
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
                person.error = reasons.REPEATED_ID.format(label=label, value=shown(value))


def _repeat_error(error: str) -> bool:
    return reasons.code_of(error) == reasons.REPEATED_ID.code


def _apply_problems(snapshot: MisSnapshot, people: list[Person]) -> list[Person]:
    """Parse problems that name a person become that record's error, or (when the record
    could not be read at all) an error record of their own, so its account is not taken
    for a leaver."""
    messages: dict[tuple[str, str], list[str]] = defaultdict(list)
    without_id: list[Person] = []
    for problem in snapshot.problems:
        role = _PROBLEM_ROLES.get(problem.endpoint.casefold())
        if role and problem.mis_id.strip():
            messages[(role, problem.mis_id.strip())].append(problem.reason)
        elif role:
            # A record with no usable Id (none sent, or only characters the reader drops)
            # is still listed, by its place in the feed, so that someone can fix it.
            where = ROW_OF_FEED.format(row=problem.row_number, endpoint=problem.endpoint)
            without_id.append(Person(role=role, mis_id="", error=f"{problem.reason} {where}"))
    for person in people:
        found = messages.pop((person.role, person.mis_id), None)
        if found:
            person.error = "; ".join(dict.fromkeys(found))
    return [
        Person(role=role, mis_id=mis_id, error="; ".join(dict.fromkeys(found)))
        for (role, mis_id), found in sorted(messages.items())
    ] + without_id


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
