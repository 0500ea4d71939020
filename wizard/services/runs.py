"""The steps of one sync run before it is applied: create it, read the MIS into it, plan
it, confirm a held plan. The use cases in `sync.py` put them together."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, fields, replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from misclient.snapshot import MisSnapshot, snapshot_from_dict, snapshot_to_dict
from misclient.tokens import TokenCache
from misclient.xod import FetchProgress, XodClient
from users.models import School, User
from wizard.models import MisConnection, SyncRun
from wizard.planner import build_plan
from wizard.planner.types import Decisions, PlanSettings, SyncPlan
from wizard.planner.years import suggest_mapping
from wizard.services import connection, plan_store, selectors
from wizard.services.lifecycle import SyncError, may_move, run_move

NOT_CONNECTED = "This school is not connected to its MIS yet: add its XoD estab and secret first."
NOT_FETCHED = "This sync has no MIS data yet."
NOT_PLANNABLE = "This sync can no longer be planned (it is {status}): please start a new one."
BAD_USERNAME_FORMAT = "The username format cannot be used: {error}"
NOT_HELD = "Only a held sync needs confirming (this one is {status})."
HANDED_TO_WORKER = (
    "This sync is being applied already: Finish was pressed for it before (in another tab, "
    "or by another administrator). Its page shows how it went."
)

Status = SyncRun.Status

# XoD tokens live for days: one cache per worker process saves a token request per run.
_TOKENS = TokenCache()


def sync_run_create(*, school: School, started_by: User | None = None) -> SyncRun:
    if not MisConnection.objects.filter(school=school).exists():
        raise SyncError(NOT_CONNECTED)
    return SyncRun.objects.create(school=school, started_by=started_by)


def mis_client_for(school: School) -> XodClient:
    """The school's MIS client for a sync, sharing this process's token cache."""
    return connection.mis_client_for(school, token_cache=_TOKENS)


def sync_run_read(
    *, run: SyncRun, progress: Callable[[FetchProgress], None] | None = None
) -> MisSnapshot:
    """Reads the school's MIS into `run.snapshot`, reporting pages read on the run. No
    transaction is open during the HTTP calls. Raises the client's XodError."""

    def report(step: FetchProgress) -> None:
        text = f"Read {step.pages_fetched} pages ({step.endpoint})"
        SyncRun.objects.filter(pk=run.pk).update(progress=text[:200])
        if progress:
            progress(step)

    with mis_client_for(run.school) as client:
        snapshot = client.fetch_snapshot(progress=report)
    run.snapshot = snapshot_to_dict(snapshot)
    run.fetched_at = timezone.now()
    run.progress = f"Read {len(snapshot.pupils)} pupils and {len(snapshot.staff)} staff"
    run.save(update_fields=["snapshot", "fetched_at", "progress"])
    _keep_parsed((run.pk, run.fetched_at), snapshot)
    return snapshot


# The last snapshots read, parsed, by (run, when it was read): every page of the wizard
# plans from its run's snapshot, which for a big school is megabytes to read and parse,
# and a snapshot never changes once read (a new read has a new time).
_PARSED: OrderedDict[tuple[int, datetime], MisSnapshot] = OrderedDict()
PARSED_KEPT = 2


def run_snapshot(run: SyncRun) -> MisSnapshot:
    key = (run.pk, run.fetched_at) if run.fetched_at else None
    if key is not None and key in _PARSED:
        return _PARSED[key]
    if not run.snapshot:
        raise SyncError(NOT_FETCHED)
    snapshot = snapshot_from_dict(run.snapshot)
    if key is not None:
        _keep_parsed(key, snapshot)
    return snapshot


def _keep_parsed(key: tuple[int, datetime], snapshot: MisSnapshot) -> None:
    _PARSED[key] = snapshot
    while len(_PARSED) > PARSED_KEPT:
        _PARSED.popitem(last=False)


def settings_for_run(run: SyncRun, snapshot: MisSnapshot) -> PlanSettings:
    """The school's saved settings, with suggested year mappings for MIS year names not
    mapped yet (a saved mapping always wins over a suggestion)."""
    saved = selectors.sync_settings_of(run.school)
    settings = selectors.plan_settings(saved, source=snapshot.source)
    mis_years = {pupil.year_group for pupil in snapshot.pupils if pupil.year_group}
    mapping = suggest_mapping(sorted(mis_years), settings.year_mapping)
    return replace(settings, year_mapping=mapping)


def sync_run_plan(
    *, run: SyncRun, decisions: Decisions | None = None, settings: PlanSettings | None = None
) -> SyncPlan:
    """Plans `run` from its snapshot and the school's accounts now, and stores the plan as
    its change rows. The run becomes PLANNED, or HELD when the brake holds it. Raises
    SyncError for a run already applied, undone or failed, or a format it cannot use."""
    # Stamped before the accounts are read: a sync applied after this moment makes the
    # plan stale (see apply's check).
    planned_at = timezone.now()
    snapshot = run_snapshot(run)
    decisions = decisions or Decisions()
    remembered = selectors.not_duplicate_pairs(run.school)
    decisions = replace(decisions, not_duplicates=decisions.not_duplicates | remembered)
    settings = settings or settings_for_run(run, snapshot)
    try:
        plan, digest = _plan_of(run, snapshot, settings, decisions)
    except ValueError as error:  # the planner's word for a username format it cannot use
        raise SyncError(BAD_USERNAME_FORMAT.format(error=error)) from None
    with transaction.atomic():
        stored = _lock_plannable(run, Status.HELD if plan.held else Status.PLANNED)
        if stored.plan_digest != digest:
            plan_store.plan_save(run=run, plan=plan)
        run_move(
            run,
            Status.HELD if plan.held else Status.PLANNED,
            planned_at=planned_at,
            counts=plan.counts(),
            hold_reasons=list(plan.hold_reasons),
            settings_used=settings_json(settings),
            decisions=plan_store.decisions_to_json(decisions),
            error="",
            plan_digest=digest,
        )
    return plan


# The last plans made, with everything each was made from. The summary is shown again
# (an answer given, a reload, Finish) far more often than its inputs change, and a big
# school's plan takes a second to make. The school's accounts and classes are read every
# time and compared, so a change by hand or by another sync always makes a new plan; the
# planner is deterministic and its plans immutable, so a kept plan is the plan.
_PLANNED: list[tuple[tuple[object, ...], SyncPlan, str]] = []
PLANS_KEPT = 2


def _plan_of(
    run: SyncRun, snapshot: MisSnapshot, settings: PlanSettings, decisions: Decisions
) -> tuple[SyncPlan, str]:
    """The plan and its digest; raises the planner's ValueError."""
    accounts = selectors.local_accounts(run.school)
    classes = selectors.local_classes(run.school)
    # A snapshot is known by its run and when it was read (it never changes after); one
    # with no time of reading is not known, and its plan is not kept.
    inputs = (run.pk, run.fetched_at, settings, decisions, accounts, classes)
    keep = run.fetched_at is not None
    found = next(((plan, digest) for kept, plan, digest in _PLANNED if kept == inputs), None)
    if keep and found:
        return found
    plan = build_plan(snapshot, accounts, settings, decisions, classes=classes)
    digest = plan_store.plan_digest(plan)
    if keep:
        _PLANNED.insert(0, (inputs, plan, digest))
        del _PLANNED[PLANS_KEPT:]
    return plan, digest


def plans_forget(*, snapshots: bool = True) -> None:
    """Forgets the plans this process keeps, and its parsed snapshots unless told not to
    (between tests; the benchmark, to time a summary whose plan must be made)."""
    _PLANNED.clear()
    if snapshots:
        _PARSED.clear()


def _lock_plannable(run: SyncRun, to: str) -> SyncRun:
    """Locks the run's row and returns it as stored; a re-plan replaces the change rows,
    which once applied hold what undo restores, so only a run that may still move to `to`
    is planned."""
    fields = ("status", "plan_digest", "apply_requested_at")
    locked = SyncRun.objects.select_for_update().only(*fields).get(pk=run.pk)
    if locked.apply_requested_at is not None and locked.status == Status.PLANNED:
        # Its change rows are what a worker is about to apply: never rewritten under it.
        raise SyncError(HANDED_TO_WORKER)
    if not may_move(locked.status, to):
        raise SyncError(NOT_PLANNABLE.format(status=locked.get_status_display().lower()))
    return locked


def settings_json(settings: PlanSettings) -> dict[str, object]:
    data = asdict(settings)
    data["password_formats"] = dict(settings.password_formats)
    data["year_mapping"] = dict(settings.year_mapping)
    data["subject_groups"] = sorted(settings.subject_groups)
    return data


def run_settings(run: SyncRun) -> PlanSettings:
    """The settings `run` was last planned with (see `settings_json`)."""
    if not run.settings_used:
        return settings_for_run(run, run_snapshot(run))
    data = dict(run.settings_used)
    data["subject_groups"] = frozenset(data.get("subject_groups", ()))
    names = {f.name for f in fields(PlanSettings)}
    return PlanSettings(**{key: value for key, value in data.items() if key in names})


def sync_run_confirm_brake(*, run: SyncRun) -> SyncRun:
    """An administrator's explicit "yes, apply it anyway" to a plan the brake held."""
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=run.pk)
        if run.status != Status.HELD:
            raise SyncError(NOT_HELD.format(status=run.get_status_display().lower()))
        run_move(run, Status.PLANNED, decisions={**run.decisions, "confirm_brake": True})
    return run
