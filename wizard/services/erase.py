"""Erasing one person on request (a subject's right to erasure): their account, class
memberships, sign-in records, the sync change rows about them, and every mention of them
in the stored sync runs (the MIS snapshot a run read, the answers given about possible
duplicates, undo's report), each run rewritten without their rows.

Called by `manage.py erase_person` and by Django admin's action "Erase this person's
data"; both print the report (`ErasureReport.in_words`). The wizard owns runs, changes and
snapshots, so the orchestration is here; the account itself is the users app's.

A person is found by their username at the school, or by their MIS id (and role: an MIS
numbers pupils and staff separately). By MIS id, a person the MIS sent who never got an
account is erased from the runs too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from users.models import AccountLock, ClassMembership, School, SignInAttempt, User
from wizard.models import NotDuplicate, SyncChange, SyncRun
from wizard.planner.types import decision_key


class NoSuchPerson(Exception):
    """Nobody at the school has this username or MIS id, in an account or a sync run."""


@dataclass(frozen=True)
class Person:
    """What identifies one person in the stored data."""

    role: str  # "pupil" or "staff" (a school administrator is staff in the MIS)
    account: User | None
    username: str = ""
    mis_ids: frozenset[str] = frozenset()  # MIS id and external id
    upn: str = ""


@dataclass
class ErasureReport:
    accounts: int = 0
    memberships: int = 0
    change_rows: int = 0
    change_rows_mentioning: int = 0
    runs_rewritten: int = 0
    sign_in_records: int = 0
    locks: int = 0
    duplicate_answers: int = 0
    who: str = ""
    details: list[str] = field(default_factory=list)

    def in_words(self) -> str:
        parts = [
            _count(self.accounts, "account"),
            _count(self.memberships, "class membership"),
            _count(self.change_rows, "sync change row"),
            _count(self.runs_rewritten, "sync run", " rewritten without them"),
            _count(self.change_rows_mentioning, "other change row", " no longer naming them"),
            _count(self.sign_in_records, "sign-in record"),
            _count(self.locks, "lock"),
            _count(self.duplicate_answers, "answer about a possible duplicate"),
        ]
        return f"Erased {self.who}: " + ", ".join(parts) + "."


def _count(number: int, thing: str, tail: str = "") -> str:
    words = {0: "no", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    plural = "" if number == 1 else ("es" if thing.endswith("ch") else "s")
    if thing.startswith("answer about"):
        plural, thing = "", (thing if number == 1 else "answers about possible duplicates")
    return f"{words.get(number, str(number))} {thing}{plural}{tail}"


def person_find(*, school: School, username: str = "", mis_id: str = "", role: str = "") -> Person:
    """The person with `username` at `school`, or with MIS id `mis_id` (and `role`);
    NoSuchPerson if neither an account nor a sync run of the school knows them."""
    if username:
        account = User.objects.filter(school=school, username__iexact=username).first()
        if account is None:
            raise NoSuchPerson(f"{school.name} has no account with the username {username}.")
        return _person_of(account)
    if not mis_id or role not in {"pupil", "staff"}:
        raise NoSuchPerson("Give a username, or an MIS id with its role (pupil or staff).")
    roles = [User.Role.PUPIL] if role == "pupil" else [User.Role.STAFF, User.Role.ADMIN]
    account = (
        User.objects.filter(school=school, role__in=roles)
        .filter(Q(mis_id=mis_id) | Q(mis_external_id=mis_id))
        .first()
    )
    if account is not None:
        return _person_of(account)
    person = Person(role=role, account=None, mis_ids=frozenset({mis_id}))
    if not _runs_naming(school, person).exists():
        raise NoSuchPerson(f"Nothing at {school.name} has the {role} MIS id {mis_id}.")
    return person


def _person_of(account: User) -> Person:
    ids = frozenset(value for value in (account.mis_id, account.mis_external_id) if value)
    role = "pupil" if account.role == User.Role.PUPIL else "staff"
    return Person(
        role=role, account=account, username=account.username, mis_ids=ids, upn=account.upn
    )


def person_erase(*, school: School, person: Person) -> ErasureReport:
    """Erases `person` from everything the school's data holds, in one transaction."""
    label = person.username or f"{person.role} {', '.join(sorted(person.mis_ids))}"
    report = ErasureReport(who=label)
    with transaction.atomic():
        report.change_rows = _change_rows_about(school, person).delete()[0]
        report.change_rows_mentioning = _forget_as_candidate(school, person)
        for run in _runs_naming(school, person).select_for_update():
            if _rewrite_run(run, person):
                report.runs_rewritten += 1
        if person.username:
            records = SignInAttempt.objects.filter(school=school, username__iexact=person.username)
            report.sign_in_records = records.delete()[0]
            report.locks = AccountLock.objects.filter(
                school=school, username__iexact=person.username
            ).delete()[0]
        if person.account is not None:
            report.memberships = ClassMembership.objects.filter(user=person.account).delete()[0]
            report.duplicate_answers = NotDuplicate.objects.filter(account=person.account).delete()[
                0
            ]
            _, deleted = User.objects.filter(pk=person.account.pk).delete()
            report.accounts = deleted.get(User._meta.label, 0)
    return report


def _change_rows_about(school: School, person: Person) -> Any:
    about = Q(pk__in=[])
    if person.account is not None:
        about |= Q(account=person.account)
    if person.mis_ids:
        about |= Q(role=person.role, mis_id__in=person.mis_ids)
    if person.username:
        # A row whose account was purged keeps only its username (see purge.py).
        about |= Q(account__isnull=True, role=person.role, username__iexact=person.username)
    return SyncChange.objects.filter(run__school=school, target=SyncChange.Target.ACCOUNT).filter(
        about
    )


def _forget_as_candidate(school: School, person: Person) -> int:
    """Other people's lines that offered this account as a possible duplicate keep
    their own data but no longer name it."""
    if person.account is None:
        return 0
    rows = SyncChange.objects.filter(
        run__school=school, planned__candidate_account_id=person.account.pk
    )
    changed = []
    for row in rows:
        row.planned = {**row.planned, "candidate_account_id": None, "candidate_username": ""}
        changed.append(row)
    SyncChange.objects.bulk_update(changed, ["planned"])
    return len(changed)


def _runs_naming(school: School, person: Person) -> Any:
    """The school's runs whose stored JSON may name the person (a cheap text test; the
    rewrite then removes exactly their rows)."""
    words = [*person.mis_ids, person.username, person.upn]
    if person.account is not None:
        words.append(str(person.account.pk))
    mentions = Q(pk__in=[])
    for word in filter(None, words):
        for field_name in ("snapshot", "decisions", "undo_report"):
            mentions |= Q(**{f"{field_name}__icontains": word})
    return SyncRun.objects.filter(school=school).filter(mentions)


def _rewrite_run(run: SyncRun, person: Person) -> bool:
    snapshot = _snapshot_without(run.snapshot, person)
    decisions = _decisions_without(run.decisions, person)
    undo_report = _undo_report_without(run.undo_report, person)
    if (snapshot, decisions, undo_report) == (run.snapshot, run.decisions, run.undo_report):
        return False
    run.snapshot, run.decisions, run.undo_report = snapshot, decisions, undo_report
    run.save(update_fields=["snapshot", "decisions", "undo_report"])
    return True


def _is_them(row: dict[str, Any], person: Person) -> bool:
    ids = {row.get("mis_id"), row.get("external_id")} - {None, ""}
    return bool(ids & person.mis_ids) or bool(person.upn and row.get("upn") == person.upn)


def _snapshot_without(snapshot: dict[str, Any] | None, person: Person) -> dict[str, Any] | None:
    if not snapshot:
        return snapshot
    people_key, member_key = (
        ("pupils", "pupil_ids") if person.role == "pupil" else ("staff", "staff_ids")
    )
    # Whatever ids the snapshot itself knows them by (an account linked by UPN only).
    ids = set(person.mis_ids)
    ids |= {row["mis_id"] for row in snapshot.get(people_key, []) if _is_them(row, person)}
    return {
        **snapshot,
        people_key: [row for row in snapshot.get(people_key, []) if row.get("mis_id") not in ids],
        "groups": [
            {**group, member_key: [i for i in group.get(member_key, []) if i not in ids]}
            for group in snapshot.get("groups", [])
        ],
        "problems": [row for row in snapshot.get("problems", []) if row.get("mis_id") not in ids],
    }


def _decisions_without(decisions: dict[str, Any], person: Person) -> dict[str, Any]:
    if not decisions:
        return decisions
    keys = {decision_key(person.role, mis_id) for mis_id in person.mis_ids}
    account_id = person.account.pk if person.account else None
    return {
        **decisions,
        "duplicates": {k: v for k, v in decisions.get("duplicates", {}).items() if k not in keys},
        "links": {
            k: v for k, v in decisions.get("links", {}).items() if k not in keys and v != account_id
        },
        "not_duplicates": [
            pair
            for pair in decisions.get("not_duplicates", [])
            if pair[0] not in person.mis_ids and pair[1] != account_id
        ],
    }


def _undo_report_without(report: dict[str, Any], person: Person) -> dict[str, Any]:
    if not report or not person.username:
        return report
    name = person.username.lower()
    return {
        **report,
        "kept": [k for k in report.get("kept", []) if k.get("username", "").lower() != name],
        "missing": [m for m in report.get("missing", []) if str(m).lower() != name],
    }
