"""Creating a sync run, reading the MIS into it, and planning it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace

from django.db import transaction
from django.utils import timezone

from misclient import errors as mis_errors
from misclient.snapshot import MisSnapshot, snapshot_from_dict, snapshot_to_dict
from misclient.tokens import TokenCache
from misclient.xod import FetchProgress, XodClient
from users.models import School, User
from wizard.models import MisConnection, SyncRun, SyncSettings
from wizard.planner import build_plan
from wizard.planner.types import Decisions, PlanSettings, SyncPlan
from wizard.planner.years import suggest_mapping
from wizard.services import plan_store, selectors

NOT_CONNECTED = "This school is not connected to its MIS yet: add its XoD estab and secret first."
NOT_FETCHED = "This sync has no MIS data yet."
NOT_PLANNABLE = "This sync can no longer be planned (it is {status}): please start a new one."
BAD_USERNAME_FORMAT = "The username format cannot be used: {error}"
NOT_HELD = "Only a held sync needs confirming (this one is {status})."

# Runs that may be (re)planned: a re-plan replaces the change rows, which once applied
# hold what undo restores, so an applied or undone run is never planned again.
_PLANNABLE = (SyncRun.Status.FETCHING, SyncRun.Status.PLANNED, SyncRun.Status.HELD)

# XoD tokens live for days: one cache per worker process saves a token request per run.
_TOKENS = TokenCache()


class SyncError(Exception):
    """A sync step refused, with the reason in words for the page or the command."""


def sync_run_create(*, school: School, started_by: User | None = None) -> SyncRun:
    if not MisConnection.objects.filter(school=school).exists():
        raise SyncError(NOT_CONNECTED)
    return SyncRun.objects.create(school=school, started_by=started_by)


def mis_client_for(school: School) -> XodClient:
    connection = school.mis_connection
    overrides = {"base_url": connection.base_url, "token_url": connection.token_url}
    return XodClient.from_settings(
        estab=school.estab,
        secret=connection.secret,
        token_cache=_TOKENS,
        **{name: url for name, url in overrides.items() if url},
    )


def sync_run_fetch(
    *, run: SyncRun, progress: Callable[[FetchProgress], None] | None = None
) -> MisSnapshot:
    """Reads the school's MIS into `run.snapshot`. No transaction is open during the HTTP
    calls. On an XoD error the run is marked failed with the message in words and the
    error is raised again (the task retries the transient ones)."""

    def report(step: FetchProgress) -> None:
        text = f"Read {step.pages_fetched} pages ({step.endpoint})"
        SyncRun.objects.filter(pk=run.pk).update(progress=text[:200])
        if progress:
            progress(step)

    try:
        with mis_client_for(run.school) as client:
            snapshot = client.fetch_snapshot(progress=report)
    except mis_errors.XodError as error:
        sync_run_fail(run=run, message=str(error))
        raise
    run.snapshot = snapshot_to_dict(snapshot)
    run.fetched_at = timezone.now()
    run.progress = f"Read {len(snapshot.pupils)} pupils and {len(snapshot.staff)} staff"
    run.save(update_fields=["snapshot", "fetched_at", "progress"])
    return snapshot


def sync_run_fail(*, run: SyncRun, message: str) -> None:
    """Marks a run that has not been applied as failed, with the reason in words."""
    SyncRun.objects.filter(pk=run.pk, status__in=_PLANNABLE).update(
        status=SyncRun.Status.FAILED, error=message
    )
    run.refresh_from_db(fields=["status", "error"])


def run_snapshot(run: SyncRun) -> MisSnapshot:
    if not run.snapshot:
        raise SyncError(NOT_FETCHED)
    return snapshot_from_dict(run.snapshot)


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
    SyncError for a run already applied, undone or failed."""
    # Stamped before the accounts are read: a sync applied after this moment makes the
    # plan stale (see apply's check).
    planned_at = timezone.now()
    snapshot = run_snapshot(run)
    decisions = decisions or Decisions()
    remembered = selectors.not_duplicate_pairs(run.school)
    decisions = replace(decisions, not_duplicates=decisions.not_duplicates | remembered)
    settings = settings or settings_for_run(run, snapshot)
    try:
        plan = build_plan(
            snapshot,
            selectors.local_accounts(run.school),
            settings,
            decisions,
            classes=selectors.local_classes(run.school),
        )
    except ValueError as error:  # the planner's word for a username format it cannot use
        raise SyncError(BAD_USERNAME_FORMAT.format(error=error)) from None
    with transaction.atomic():
        locked = SyncRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in _PLANNABLE:
            raise SyncError(NOT_PLANNABLE.format(status=locked.get_status_display().lower()))
        plan_store.plan_store(run=run, plan=plan)
        run.status = SyncRun.Status.HELD if plan.held else SyncRun.Status.PLANNED
        run.planned_at = planned_at
        run.counts = plan.counts()
        run.hold_reasons = list(plan.hold_reasons)
        run.settings_used = _settings_json(settings)
        run.decisions = plan_store.decisions_to_json(decisions)
        run.error = ""
        run.save()
    return plan


def _settings_json(settings: PlanSettings) -> dict[str, object]:
    data = asdict(settings)
    data["password_formats"] = dict(settings.password_formats)
    data["year_mapping"] = dict(settings.year_mapping)
    data["subject_groups"] = sorted(settings.subject_groups)
    return data


def year_mapping_save(*, school: School, mapping: dict[str, str]) -> SyncSettings:
    """Keeps `mapping` (MIS year name -> NC year) for the school's next runs."""
    saved, _ = SyncSettings.objects.get_or_create(school=school)
    saved.year_mapping = {**saved.year_mapping, **mapping}
    saved.save(update_fields=["year_mapping", "updated_at"])
    return saved


def sync_run_confirm_brake(*, run: SyncRun) -> SyncRun:
    """An administrator's explicit "yes, apply it anyway" to a plan the brake held."""
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=run.pk)
        if run.status != SyncRun.Status.HELD:
            raise SyncError(NOT_HELD.format(status=run.get_status_display().lower()))
        run.decisions = {**run.decisions, "confirm_brake": True}
        run.status = SyncRun.Status.PLANNED
        run.save(update_fields=["decisions", "status"])
    return run
