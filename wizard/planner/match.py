"""Which MIS record is which existing account (DESIGN.md, "Identity").

Only accounts linked to the plan's source, and of the record's own role, are matched.
Keys are tried strongest first: pupils by ExternalId, then UPN (the record's UPN or
FormerUPN equal to the account's UPN), then MIS Id; staff by ExternalId, then MIS Id,
then work email (any case). Each key is tried for every record before the next key, so a
record that reaches an account by a stronger key has it before one that reaches it by a
weaker key; between equals, the first record in the planner's order wins. An account is
matched to at most one record: two MIS records are never merged into one account.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wizard.planner import reasons
from wizard.planner.feed import PUPIL, STAFF, Person
from wizard.planner.types import LocalAccount

_PersonKeys = Callable[[Person], tuple[str, ...]]
_AccountKey = Callable[[LocalAccount], str]

_EXTERNAL_ID: tuple[_PersonKeys, _AccountKey] = (
    lambda p: (p.external_id,),
    lambda a: a.mis_external_id,
)
_UPN: tuple[_PersonKeys, _AccountKey] = (
    lambda p: (p.upn, p.former_upn),
    lambda a: a.upn.strip().upper(),
)
_MIS_ID: tuple[_PersonKeys, _AccountKey] = (lambda p: (p.mis_id,), lambda a: a.mis_id)
_EMAIL: tuple[_PersonKeys, _AccountKey] = (
    lambda p: (p.email.casefold(),),
    lambda a: a.email.strip().casefold(),
)

_KEYS = {PUPIL: (_EXTERNAL_ID, _UPN, _MIS_ID), STAFF: (_EXTERNAL_ID, _MIS_ID, _EMAIL)}


def linked_accounts(accounts: Sequence[LocalAccount], source: str) -> list[LocalAccount]:
    """Pupil and staff accounts linked to `source`; active ones before archived, then by id."""
    return sorted(
        (a for a in accounts if a.role in _KEYS and a.is_linked and a.mis_source == source),
        key=lambda a: (a.archived, a.id),
    )


def match_people(
    people: Sequence[Person], linked: Sequence[LocalAccount]
) -> dict[int, LocalAccount]:
    """Person index -> the linked account that person is, for those that have one.

    `people` in the planner's order; `linked` as `linked_accounts` gives them. Records in
    error are matched too, so that their accounts are not mistaken for leavers.
    """
    matches: dict[int, LocalAccount] = {}
    claimed: set[int] = set()
    for role, keys in _KEYS.items():
        role_people = [p for p in people if p.role == role]
        role_accounts = [a for a in linked if a.role == role]
        for person_keys, account_key in keys:
            index = _index(role_accounts, account_key)
            for person in role_people:
                if person.index in matches:
                    continue
                account = _first_free(person_keys(person), index, claimed)
                if account is not None:
                    matches[person.index] = account
                    claimed.add(account.id)
    return matches


def _index(accounts: Sequence[LocalAccount], key: _AccountKey) -> dict[str, list[LocalAccount]]:
    index: dict[str, list[LocalAccount]] = {}
    for account in accounts:
        if value := key(account):
            index.setdefault(value, []).append(account)
    return index


def _first_free(
    values: tuple[str, ...], index: dict[str, list[LocalAccount]], claimed: set[int]
) -> LocalAccount | None:
    for value in values:
        for account in index.get(value, ()) if value else ():
            if account.id not in claimed:
                return account
    return None


def link_id_errors(
    people: Sequence[Person], matches: dict[int, LocalAccount], linked: Sequence[LocalAccount]
) -> dict[int, tuple[str, LocalAccount]]:
    """Person index -> (error, the account holding the id), for records whose Id or
    ExternalId is already linked to an account other than their own match.

    That happens only when the MIS's ids disagree with each other (a record matched by
    ExternalId whose Id belongs to another account). Writing it would break "one MIS
    record, one account", so the record is not imported, and neither account is changed
    (nor archived) until the MIS is put right.
    """
    holders: dict[tuple[str, str, str], LocalAccount] = {}
    for account in linked:
        holders.setdefault((account.role, reasons.LABEL_MIS_ID, account.mis_id), account)
        holders.setdefault(
            (account.role, reasons.LABEL_EXTERNAL_ID, account.mis_external_id), account
        )
    errors: dict[int, tuple[str, LocalAccount]] = {}
    for person in people:
        own = matches.get(person.index)
        for label, value in (
            (reasons.LABEL_MIS_ID, person.mis_id),
            (reasons.LABEL_EXTERNAL_ID, person.external_id),
        ):
            holder = holders.get((person.role, label, value)) if value else None
            if holder is None or (own is not None and holder.id == own.id):
                continue
            error = reasons.LINK_ID_TAKEN.format(label=label, value=value, username=holder.username)
            errors.setdefault(person.index, (error, holder))
    return errors
