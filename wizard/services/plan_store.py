"""A plan kept as a run's change rows, so that what the administrator saw is exactly
what is applied, and each line can later show its before and after."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from wizard.models import SyncChange, SyncRun
from wizard.planner.types import (
    AccountChange,
    Category,
    ClassCategory,
    ClassChange,
    Decisions,
    SyncPlan,
)
from wizard.services.bulk import bulk_insert_rows


def _json(change: AccountChange | ClassChange) -> dict[str, Any]:
    """A plan line as JSON. Its fields hold text, numbers, tuples and flat mappings, so a
    shallow copy does (dataclasses.asdict's deep copy cost a second for 8,000 lines)."""
    data = {}
    for item in fields(change):
        value = getattr(change, item.name)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        data[item.name] = value
    return data


# The fields of each kind of plan line (a row's JSON may hold keys of older versions).
_NAMES = {cls: frozenset(item.name for item in fields(cls)) for cls in (AccountChange, ClassChange)}


def _from_json(cls: type[Any], data: dict[str, Any]) -> Any:
    names = _NAMES[cls]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    return cls(**kwargs)


def plan_digest(plan: SyncPlan) -> str:
    """A short digest of everything a plan would do: the summary carries the one it
    showed, and "Finish" applies only a plan with the same digest, so nothing is applied
    that the administrator has not seen (another sync, or a change by hand, since). The
    run keeps the digest of the plan its change rows hold, so the same plan is not
    written twice."""
    # The lines' repr names every field of every line; the planner is deterministic, so
    # the same plan gives the same text (and it is much quicker than JSON of asdict).
    text = repr((plan.accounts, plan.classes, plan.hold_reasons))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def plan_save(*, run: SyncRun, plan: SyncPlan) -> None:
    """Replaces the run's change rows by `plan` (unchanged lines are not kept)."""
    run.changes.all().delete()
    rows = [
        SyncChange(
            run=run,
            target=SyncChange.Target.ACCOUNT,
            kind=change.category,
            role=change.role,
            mis_id=change.mis_id,
            name=change.name[:200],
            username=change.username,
            reason=change.reason,
            account_id=change.account_id or change.candidate_account_id,
            planned=_json(change),
        )
        for change in plan.accounts
        if change.category != Category.UNCHANGED
    ]
    rows += [
        SyncChange(
            run=run,
            target=SyncChange.Target.CLASS,
            kind=change.category,
            mis_id=change.mis_id,
            name=change.name[:200],
            school_class_id=change.class_id,
            planned=_json(change),
        )
        for change in plan.classes
        if change.category != ClassCategory.UNCHANGED
    ]
    bulk_insert_rows(rows)


@dataclass
class StoredPlan:
    """A run's plan with each line beside its change row (to record what was done)."""

    accounts: list[tuple[SyncChange, AccountChange]]
    classes: list[tuple[SyncChange, ClassChange]]
    plan: SyncPlan

    def accounts_of(self, *categories: Category) -> list[tuple[SyncChange, AccountChange]]:
        return [(row, c) for row, c in self.accounts if c.category in categories]

    def classes_of(self, *categories: ClassCategory) -> list[tuple[SyncChange, ClassChange]]:
        return [(row, c) for row, c in self.classes if c.category in categories]

    def rows(self) -> list[SyncChange]:
        return [row for row, _ in self.accounts] + [row for row, _ in self.classes]


def plan_load(run: SyncRun) -> StoredPlan:
    """The plan as stored on `run` (without its unchanged lines)."""
    accounts, classes = [], []
    for row in run.changes.order_by("id"):
        if row.target == SyncChange.Target.ACCOUNT:
            accounts.append((row, _from_json(AccountChange, _account_line(row))))
        else:
            data = {**row.planned, "category": ClassCategory(row.kind)}
            classes.append((row, _from_json(ClassChange, data)))
    plan = SyncPlan(
        accounts=tuple(change for _, change in accounts),
        classes=tuple(change for _, change in classes),
        hold_reasons=tuple(run.hold_reasons),
        brake_confirmed=bool(run.decisions.get("confirm_brake")),
    )
    return StoredPlan(accounts=accounts, classes=classes, plan=plan)


def _account_line(row: SyncChange) -> dict[str, Any]:
    """The row's plan line; a row forgotten since (see purge.py) keeps only its kind,
    role and username."""
    defaults = {"role": row.role, "mis_id": row.mis_id, "forename": "", "surname": ""}
    return {**defaults, "username": row.username, **row.planned, "category": Category(row.kind)}


def decisions_to_json(decisions: Decisions) -> dict[str, Any]:
    return {
        "duplicates": dict(decisions.duplicates),
        "all_duplicates": decisions.all_duplicates,
        "not_duplicates": sorted(
            [mis_id, account_id] for mis_id, account_id in decisions.not_duplicates
        ),
        "confirm_brake": decisions.confirm_brake,
        "links": dict(decisions.links),
    }


def decisions_from_json(data: dict[str, Any]) -> Decisions:
    return Decisions(
        duplicates=dict(data.get("duplicates", {})),
        all_duplicates=data.get("all_duplicates", ""),
        not_duplicates=frozenset(
            (mis_id, account_id) for mis_id, account_id in data.get("not_duplicates", [])
        ),
        confirm_brake=bool(data.get("confirm_brake")),
        links={key: int(account_id) for key, account_id in data.get("links", {}).items()},
    )
