"""`build_plan`: an MIS snapshot and the school's accounts in, the sync plan out.

Pure: no ORM, no network, no clock, no randomness; the same inputs give the same plan,
in the same order. Every step is a dict or set lookup per record, so a school of a few
thousand plans in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from misclient.snapshot import MisSnapshot
from users.credentials import default_password_format
from users.usernames import UsernameAllocator, template_for
from wizard.planner import reasons
from wizard.planner.brake import hold_reasons
from wizard.planner.classes import ClassPlan, plan_classes
from wizard.planner.duplicates import find_duplicates
from wizard.planner.feed import PUPIL, STAFF, Person, id_sort_key, read_feed
from wizard.planner.lines import duplicate_line, error_line, leaver_line, matched_line, new_line
from wizard.planner.match import link_id_errors, linked_accounts, match_people
from wizard.planner.types import (
    CREATE_NEW,
    LINK,
    AccountChange,
    Decisions,
    LocalAccount,
    LocalClass,
    PlanSettings,
    SyncPlan,
)
from wizard.planner.years import nc_year_position


@dataclass
class _Context:
    settings: PlanSettings
    classes: ClassPlan
    matches: dict[int, LocalAccount]
    duplicates: dict[int, tuple[LocalAccount, str]]
    usernames: UsernameAllocator


def build_plan(
    snapshot: MisSnapshot,
    accounts: Sequence[LocalAccount],
    settings: PlanSettings,
    decisions: Decisions | None = None,
    *,
    classes: Sequence[LocalClass] = (),
) -> SyncPlan:
    """The plan that brings the school's accounts and classes in line with `snapshot`.

    `accounts` must be every account of the school, archived ones included (their
    usernames are never reused, and a returning pupil gets theirs back); `classes` every
    class of the school, archived ones included. Every on-roll pupil and in-scope staff
    record gets exactly one line; linked active accounts whose record has gone get a
    LEAVER line. Raises ValueError if a username format is neither a preset nor a valid
    template; bad records never raise, they become ERROR lines.
    """
    decisions = decisions or Decisions()
    template_for(settings.pupil_username_format)
    template_for(settings.staff_username_format)
    feed = read_feed(snapshot, settings)
    linked = linked_accounts(accounts, settings.source)
    matches = match_people(feed.people, linked)
    held = _add_link_id_errors(feed.people, matches, linked)
    context = _Context(
        settings=settings,
        classes=plan_classes(feed.groups, feed.class_years, classes),
        matches=matches,
        duplicates=find_duplicates(_unmatched(feed.people, matches), accounts, decisions),
        usernames=UsernameAllocator(account.username for account in accounts),
    )
    lines = [_line(person, context) for person in feed.people if person.in_scope]
    lines += _leavers(linked, {a.id for a in matches.values()} | held)
    lines.sort(key=_line_order)
    return SyncPlan(
        accounts=tuple(lines),
        classes=context.classes.changes,
        hold_reasons=hold_reasons(lines, accounts, linked, context.classes, settings.brake_percent),
        brake_confirmed=decisions.confirm_brake,
    )


def _add_link_id_errors(
    people: list[Person], matches: dict[int, LocalAccount], linked: list[LocalAccount]
) -> set[int]:
    """Mark records whose ids are linked to another account; the ids of those accounts."""
    candidates = [p for p in people if p.in_scope and not p.error]
    held: set[int] = set()
    for index, (error, holder) in link_id_errors(candidates, matches, linked).items():
        people[index].error = error
        held.add(holder.id)
    return held


def _unmatched(people: list[Person], matches: dict[int, LocalAccount]) -> list[Person]:
    return [p for p in people if p.in_scope and not p.error and p.index not in matches]


def _line(person: Person, context: _Context) -> AccountChange:
    """The one line of a record, by precedence: error > duplicate > new > (matched)."""
    account = context.matches.get(person.index)
    if person.error:
        return error_line(person, account)
    if account is not None:
        return matched_line(person, account, context.classes)
    candidate, answer = context.duplicates.get(person.index, (None, ""))
    if candidate is not None and answer == LINK:
        return matched_line(person, candidate, context.classes, linking=True)
    if candidate is not None and answer != CREATE_NEW:
        return duplicate_line(person, candidate)
    return _new(person, context, candidate)


def _new(person: Person, context: _Context, not_this: LocalAccount | None) -> AccountChange:
    """A new account; `not_this` is the candidate the administrator said is someone else
    (carried on the line so the answer can be remembered)."""
    settings = context.settings
    if person.role == STAFF and not person.email:
        # Staff set their own password from an activation email, so without an address
        # a new account could never be used. Existing staff are still updated without one.
        return error_line(person, None, reasons.NO_EMAIL)
    username_format = (
        settings.pupil_username_format if person.role == PUPIL else settings.staff_username_format
    )
    username = context.usernames.allocate_for(
        username_format,
        forename=person.forename,
        surname=person.surname,
        role=person.role,
        mis_id=person.mis_id,
    )
    password_format = ""
    if person.role == PUPIL:
        password_format = settings.password_formats.get(person.year) or default_password_format(
            person.year
        )
    return new_line(person, username, password_format, not_this)


def _leavers(linked: list[LocalAccount], present: set[int]) -> list[AccountChange]:
    """Active linked accounts whose record is not in the feed (`present`: the ids of
    accounts it names). Archived accounts missing from the feed are left alone."""
    return [leaver_line(a) for a in linked if not a.archived and a.id not in present]


def _line_order(line: AccountChange) -> tuple[int, int, str, str, tuple[int, int, str]]:
    return (
        0 if line.role == PUPIL else 1,
        nc_year_position(line.year) if line.role == PUPIL else 0,
        line.surname.casefold(),
        line.forename.casefold(),
        id_sort_key(line.mis_id),
    )
