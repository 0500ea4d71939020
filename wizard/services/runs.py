"""Starting a sync run, reading the MIS into it, and planning it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.utils import timezone

from misclient import errors as mis_errors
from misclient.snapshot import MisSnapshot, snapshot_from_dict, snapshot_to_dict
from misclient.xod import FetchProgress, XodClient
from users.models import School, User
from wizard.models import MisConnection, SyncRun, SyncSettings
from wizard.planner import build_plan
from wizard.planner.types import Decisions, PlanSettings, SyncPlan
from wizard.planner.years import suggest_mapping
from wizard.services import plan_store, selectors

NOT_CONNECTED = "This school is not connected to its MIS yet: add its XoD estab and secret first."
NOT_FETCHED = "This sync has no MIS data yet."


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
        _fail(run, str(error))
        raise
    run.snapshot = snapshot_to_dict(snapshot)
    run.fetched_at = timezone.now()
    run.progress = f"Read {len(snapshot.pupils)} pupils and {len(snapshot.staff)} staff"
    run.save(update_fields=["snapshot", "fetched_at", "progress"])
    return snapshot


def _fail(run: SyncRun, message: str) -> None:
    run.status = SyncRun.Status.FAILED
    run.error = message
    run.save(update_fields=["status", "error"])


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
    return PlanSettings(**{**settings.__dict__, "year_mapping": mapping})


def sync_run_plan(
    *, run: SyncRun, decisions: Decisions | None = None, settings: PlanSettings | None = None
) -> SyncPlan:
    """Plans `run` from its snapshot and the school's accounts now, and stores the plan as
    its change rows. The run becomes PLANNED, or HELD when the brake holds it."""
    snapshot = run_snapshot(run)
    decisions = decisions or Decisions()
    decisions = Decisions(
        **{
            **decisions.__dict__,
            "not_duplicates": decisions.not_duplicates | selectors.not_duplicate_pairs(run.school),
        }
    )
    settings = settings or settings_for_run(run, snapshot)
    plan = build_plan(
        snapshot,
        selectors.local_accounts(run.school),
        settings,
        decisions,
        classes=selectors.local_classes(run.school),
    )
    with transaction.atomic():
        plan_store.plan_store(run=run, plan=plan)
        run.status = SyncRun.Status.HELD if plan.held else SyncRun.Status.PLANNED
        run.planned_at = timezone.now()
        run.counts = plan.counts()
        run.hold_reasons = list(plan.hold_reasons)
        run.settings_used = _settings_json(settings)
        run.decisions = plan_store.decisions_to_json(decisions)
        run.error = ""
        run.save()
    return plan


def _settings_json(settings: PlanSettings) -> dict[str, object]:
    data = dict(settings.__dict__)
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


NOT_HELD = "Only a held sync needs confirming (this one is {status})."


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


def sync_run_start(*, school: School, started_by: User | None = None) -> SyncRun:
    """Creates a run and, once the transaction commits, has a worker read the MIS and
    plan it (the page polls the run's status)."""
    from wizard.tasks import fetch_snapshot  # the tasks import these services

    run = sync_run_create(school=school, started_by=started_by)
    transaction.on_commit(partial(fetch_snapshot.delay, run.pk))
    return run


def sync_run_enqueue_apply(*, run: SyncRun) -> None:
    """Has a worker apply the run once the transaction commits ("Finish")."""
    from wizard.tasks import apply_sync_run

    if run.status != SyncRun.Status.PLANNED:
        raise SyncError(NOT_PLANNED_TO_APPLY.format(status=run.get_status_display().lower()))
    transaction.on_commit(partial(apply_sync_run.delay, run.pk))


NOT_PLANNED_TO_APPLY = "Only a planned sync can be applied (this one is {status})."
