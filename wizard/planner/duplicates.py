"""Possible duplicates: an MIS record with no linked account, and an unlinked account
(made by hand, not archived, of the same role) that looks like the same person.

"Looks like" is the same normalised name (transliterated, case-folded, letters only) and,
for pupils, the same NC year when the account has one; for staff also the same work email.
The administrator answers per record (LINK: the record takes the account over and keeps its
login; CREATE_NEW: it gets an account of its own), keyed by role and MIS id
(`types.decision_key`: pupil 19 and staff 19 are different people), or for all at once;
a "not a duplicate" answer from an earlier run rules that pair out for good.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from users.usernames import ascii_name
from wizard.planner.feed import PUPIL, STAFF, Person
from wizard.planner.types import CREATE_NEW, LINK, Decisions, LocalAccount, decision_key

_NOT_LETTER = re.compile(r"[^a-z]+")


def name_key(forename: str, surname: str) -> str:
    """ "Zoë O'Brien" and "zoe obrien" give the same key; "" if either name has no letters."""
    parts = [_NOT_LETTER.sub("", ascii_name(name).casefold()) for name in (forename, surname)]
    return " ".join(parts) if all(parts) else ""


def find_duplicates(
    people: Sequence[Person], accounts: Iterable[LocalAccount], decisions: Decisions
) -> dict[int, tuple[LocalAccount, str]]:
    """Person index -> (candidate account, the answer: LINK, CREATE_NEW or "" for none yet).

    `people` are the records that could have a duplicate (in scope, not in error, not
    matched), in the planner's order. A candidate is offered to one record only, so no two
    records can be linked to one account: records the administrator has answered LINK for
    choose first, then the rest in order; a record answered CREATE_NEW takes none (its
    account is not the one), which leaves a twin free to be offered it, but its candidate
    is still named so that the answer can be remembered. A record whose candidates are
    all taken gets a new account of its own.
    """
    unlinked = sorted(
        (a for a in accounts if a.role in (PUPIL, STAFF) and not a.is_linked and not a.archived),
        key=lambda a: a.id,
    )
    finder = _Finder(unlinked, decisions.not_duplicates)
    found = _matched_by_hand(people, unlinked, decisions, finder)
    people = [p for p in people if p.index not in found]
    answers = {
        person.index: answer
        for person in people
        if (answer := decisions.duplicates.get(decision_key(person.role, person.mis_id)))
        in (LINK, CREATE_NEW)
    }
    linking_first = [p for p in people if answers.get(p.index) == LINK]
    the_rest = [p for p in people if p.index not in answers]
    default = decisions.all_duplicates if decisions.all_duplicates in (LINK, CREATE_NEW) else ""
    for person in linking_first + the_rest:
        candidate = finder.claim(person)
        if candidate is not None:
            found[person.index] = (candidate, answers.get(person.index, default))
    for person in people:
        if answers.get(person.index) == CREATE_NEW and (candidate := finder.peek(person)):
            found[person.index] = (candidate, CREATE_NEW)
    return found


def _matched_by_hand(
    people: Sequence[Person],
    unlinked: Sequence[LocalAccount],
    decisions: Decisions,
    finder: _Finder,
) -> dict[int, tuple[LocalAccount, str]]:
    """Records the administrator matched to an account by hand (`Decisions.links`), as
    LINK answers. A link to an account that is not unlinked, is of another role, or is
    already taken by an earlier record is ignored: the record is planned as usual."""
    accounts = {account.id: account for account in unlinked}
    found: dict[int, tuple[LocalAccount, str]] = {}
    for person in people:
        account = accounts.get(decisions.links.get(decision_key(person.role, person.mis_id), 0))
        if account is not None and account.role == person.role and finder.take(account):
            found[person.index] = (account, LINK)
    return found


class _Finder:
    def __init__(
        self, unlinked: Sequence[LocalAccount], not_duplicates: frozenset[tuple[str, int]]
    ) -> None:
        self._by_name: dict[tuple[str, str], list[LocalAccount]] = {}
        self._by_email: dict[str, list[LocalAccount]] = {}
        for account in unlinked:
            if key := name_key(account.forename, account.surname):
                self._by_name.setdefault((account.role, key), []).append(account)
            if account.role == STAFF and (email := account.email.strip().casefold()):
                self._by_email.setdefault(email, []).append(account)
        self._not_duplicates = not_duplicates
        self._taken: set[int] = set()

    def take(self, account: LocalAccount) -> bool:
        """Takes `account` for a record matched by hand; False if already taken."""
        if account.id in self._taken:
            return False
        self._taken.add(account.id)
        return True

    def claim(self, person: Person) -> LocalAccount | None:
        """The first free candidate for `person` (same email first, then same name)."""
        for account in self._options(person):
            if account.id not in self._taken and (
                (person.mis_id, account.id) not in self._not_duplicates
            ):
                self._taken.add(account.id)
                return account
        return None

    def peek(self, person: Person) -> LocalAccount | None:
        """The candidate `person` would be offered, taken or not, without taking it."""
        for account in self._options(person):
            if (person.mis_id, account.id) not in self._not_duplicates:
                return account
        return None

    def _options(self, person: Person) -> list[LocalAccount]:
        options: list[LocalAccount] = []
        if person.role == STAFF and person.email:
            options += self._by_email.get(person.email.casefold(), [])
        key = name_key(person.forename, person.surname)
        for account in self._by_name.get((person.role, key), []) if key else []:
            if person.role != PUPIL or not account.year or account.year == person.year:
                options.append(account)
        return options
