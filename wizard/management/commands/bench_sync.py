"""The sync benchmark: each phase of a sync, timed, for generated schools of several sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_sync_bench \\
        python manage.py bench_sync --pupils 500,2000,8000 [--staff-ratio 0.075] \\
        [--phase secondary] [--repeat 3] [--json]

For each size, from an empty school each time, against a fake XoD serving the school in
its own process and the configured database:

    fetch      reading the MIS over HTTP into a run
    plan       planning the first sync (change rows stored)
    summary    the wizard's "check the changes" page, as an administrator's browser asks
               for it first (the sync planned with the wizard's choices)
    summary_again  the same page shown again, the plan kept (an answer given, a reload)
    apply      applying the first sync (passwords hashed and encrypted included)
    cards      the login cards (PDF) of the sync's new pupils
    resync     an unchanged re-sync, fetch to applied
    rollover   the generator's next academic year, fetch to applied

Prints, per phase, the median and spread of --repeat runs, the time per pupil, the SQL
queries and the process's peak memory. The schools it makes are deleted afterwards.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.urls import reverse

from users.models import School, User
from wizard.bench import (
    RUNS_LOADED,
    FakeXodProcess,
    Phase,
    measured,
    next_year,
    pages_timed,
    school_connect,
    school_dataset,
    school_delete,
)
from wizard.models import SyncRun
from wizard.planner.types import Decisions
from wizard.services import runs, sync
from wizard.services.apply import sync_run_apply

ESTAB = "9990001"
NEEDED = {"fetch", "plan", "apply"}
# summary: the first view of the summary, which plans with the wizard's choices;
# summary_again: the same page shown again (an answer given, a reload), the plan kept.
PHASES = ["fetch", "plan", "summary", "summary_again", "apply", "cards", "resync", "rollover"]
TARGETS = "first sync 2,000 pupils within 10 s, 8,000 within 40 s; rollover of 4,000 within 15 s"


def sizes(text: str) -> list[int]:
    try:
        found = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--pupils: give numbers separated by commas, not {text!r}") from None
    if not found or min(found) < 1:
        raise CommandError("--pupils: give at least one size of 1 pupil or more")
    return found


class Command(BaseCommand):
    help = "Time each phase of a sync for generated schools of several sizes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", default="500,2000,8000", help="sizes, e.g. 500,2000")
        parser.add_argument("--staff-ratio", type=float, default=0.075, help="staff per pupil")
        parser.add_argument("--phase", default="secondary", choices=["primary", "secondary"])
        parser.add_argument("--repeat", type=int, default=3, help="runs of each size")
        parser.add_argument("--json", action="store_true", help="one JSON object")
        parser.add_argument(
            "--compare",
            action="store_true",
            help="the same pupils through django-import-export and a bare bulk_create",
        )
        parser.add_argument(
            "--pages",
            action="store_true",
            help=f"time every admin, Manage users and wizard page at the largest size, "
            f"with {RUNS_LOADED} runs loaded",
        )
        parser.add_argument(
            "--profile",
            default="",
            metavar="PHASE",
            help="print where PHASE spends its time (pyinstrument, of the largest size)",
        )
        parser.add_argument(
            "--skip", default="", help=f"phases not to measure, e.g. cards ({', '.join(PHASES)})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.XOD_RELYING_PARTY = "benchmark.localhost"
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        skip = {name.strip() for name in options["skip"].split(",") if name.strip()}
        results = []
        try:
            for pupils in sizes(options["pupils"]):
                profiled = options["profile"] if pupils == max(sizes(options["pupils"])) else ""
                staff = max(1, round(pupils * options["staff_ratio"]))
                phases = {name: Phase(name, pupils) for name in PHASES if name not in skip}
                repeat = max(1, options["repeat"])
                for n in range(repeat):
                    pages = repeat if options["pages"] and n == repeat - 1 else 0
                    if pupils != max(sizes(options["pupils"])):
                        pages = 0
                    school_run = SchoolRun(phases, skip, pages=pages)
                    school_run(pupils, staff, options["phase"])
                if profiled:
                    self.stderr.write(_profile(pupils, staff, options["phase"], profiled))
                results.append(
                    {
                        "pupils": pupils,
                        "staff": staff,
                        "phases": [p.summary() for p in phases.values()],
                        "pages": school_run.page_results,
                    }
                )
                if options["compare"]:
                    results[-1]["compare"] = _compared(pupils, staff, options["phase"], phases)
                    results[-1]["ratios"] = _ratios(phases, results[-1]["compare"])
                if not options["json"]:
                    self._print_size(results[-1])
        finally:
            school_delete(ESTAB)
        if options["json"]:
            self.stdout.write(json.dumps(_report(results, options)))
        else:
            self.stdout.write(f"Targets: {TARGETS}.")

    def _print_size(self, result: dict[str, Any]) -> None:
        self.stdout.write(
            f"{result['pupils']} pupils, {result['staff']} staff ({connection.vendor}):"
        )
        self.stdout.write(
            f"  {'phase':<14}{'median s':>10}{'min-max s':>16}{'ms/pupil':>10}"
            f"{'queries':>9}{'peak MB':>9}{'cpu s':>8}"
        )
        for p in result["phases"]:
            spread = f"{p['min_s']:.2f}-{p['max_s']:.2f}"
            self.stdout.write(
                f"  {p['phase']:<14}{p['median_s']:>10.2f}{spread:>16}{p['ms_per_pupil']:>10.2f}"
                f"{p['queries']:>9}{p['peak_mb']:>9.0f}{p['cpu_median_s']:>8.2f}"
            )
        if result.get("compare"):
            self.stdout.write("  The same pupils, into an empty school (ratio to plan + apply):")
        for name, found in result.get("compare", {}).items():
            self.stdout.write(f"  {name:<34}{found['seconds']:>8.2f} s{found['ratio']:>7.1f}x")
        for line in result.get("ratios", []):
            met = "met" if line["met"] else "NOT met"
            self.stdout.write(f"  {line['ratio']:<58}{line['value']:>6.1f}  ({met})")
        if result["pages"]:
            self.stdout.write(f"  Pages, with {RUNS_LOADED} runs of this school loaded:")
            self.stdout.write(
                f"  {'page':<22}{'median ms':>10}{'max ms':>8}{'queries':>9}{'KiB':>6}"
            )
        for page in result["pages"]:
            self.stdout.write(
                f"  {page['page']:<22}{page['median_ms']:>10.0f}{page['max_ms']:>8.0f}"
                f"{page['queries']:>9}{page['kib']:>6}"
            )


def _report(results: list[dict[str, Any]], options: dict[str, Any]) -> dict[str, Any]:
    return {
        "database": connection.vendor,
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "phase_of_school": options["phase"],
        "repeat": options["repeat"],
        "sizes": results,
    }


# The targets against the yardsticks: (words, numerator, denominator, the bound,
# whether the ratio must be at least the bound, else at most).
RATIO_TARGETS = [
    (
        "import-export dry run / our plan, at least 20",
        "import-export preview (dry run)",
        "plan",
        20,
        True,
    ),
    ("import-export import / our apply, at least 3", "import-export import", "apply", 3, True),
    (
        "import-export import, use_bulk / our apply, at least 3",
        "import-export import, use_bulk",
        "apply",
        3,
        True,
    ),
    (
        "our apply / bulk_create + credentials, at most 1.5",
        "apply",
        "bulk_create + credentials",
        1.5,
        False,
    ),
]


def _ratios(
    phases: dict[str, Phase], compared: dict[str, dict[str, float]]
) -> list[dict[str, Any]]:
    seconds = {name: found["seconds"] for name, found in compared.items()}
    seconds |= {name: phases[name].summary()["median_s"] for name in ("plan", "apply")}
    lines = []
    for words, top, bottom, bound, at_least in RATIO_TARGETS:
        value = seconds[top] / seconds[bottom]
        met = value >= bound if at_least else value <= bound
        lines.append({"ratio": words, "value": round(value, 2), "met": met})
    return lines


def _compared(
    pupils: int, staff: int, mis_phase: str, phases: dict[str, Phase]
) -> dict[str, dict[str, float]]:
    """The yardsticks for this size, beside this engine's plan and apply (medians)."""
    from wizard.bench_compare import pupil_rows, yardsticks

    def school_empty() -> School:
        school_delete(ESTAB)
        return School.objects.create(name="Benchmark", estab=ESTAB, slug=f"school-{ESTAB}")

    engine = sum(phases[name].summary()["median_s"] for name in ("plan", "apply"))
    rows = pupil_rows(school_dataset(pupils, staff, mis_phase, ESTAB))
    found = {"this engine: plan + apply": engine, **yardsticks(school_empty, rows)}
    return {
        name: {"seconds": round(seconds, 3), "ratio": round(seconds / engine, 2)}
        for name, seconds in found.items()
    }


class SchoolRun:
    """One run of every phase (but those skipped) for an empty school, its samples added
    to `phases`; the phase `watched` runs under `profiler` instead of being measured."""

    def __init__(
        self,
        phases: dict[str, Phase],
        skip: set[str],
        watched: str = "",
        profiler: Any = None,
        pages: int = 0,
    ) -> None:
        self.phases, self.skip = phases, skip
        self.watched, self.profiler = watched, profiler
        self.pages = pages  # times to ask for each page afterwards (0: none)
        self.page_results: list[dict[str, Any]] = []

    def __call__(self, pupils: int, staff: int, mis_phase: str) -> None:
        school_delete(ESTAB)
        dataset = school_dataset(pupils, staff, mis_phase, ESTAB)
        with FakeXodProcess(dataset) as xod:
            school = school_connect(ESTAB, xod.base_url)
            run = self._time("fetch", lambda: _fetched_run(school))
            self._time("plan", lambda: runs.sync_run_plan(run=run))
            client = _admin_client(school)
            runs.plans_forget(snapshots=False)  # as if the wizard's choices had changed
            self._time("summary", lambda: _summary_page(client, run))
            self._time("summary_again", lambda: _summary_page(client, run))
            self._time("apply", lambda: _confirmed_apply(run))
            self._time("cards", lambda: _cards(client, run))
            self._time("resync", lambda: _full_sync(school))
            if "rollover" not in self.skip:
                xod.serve_rows(ESTAB, next_year(dataset)["schools"][0])
                self._time("rollover", lambda: _full_sync(school))
            if self.pages:
                self.page_results = pages_timed(school, repeat=self.pages)

    def _time(self, name: str, work: Callable[[], Any]) -> Any:
        if name == self.watched:
            with self.profiler:
                return work()
        if name in self.phases:
            with measured() as sample:
                result = work()
            self.phases[name].samples.extend(sample)
            return result
        if name in NEEDED:  # the later phases need a fetched, planned and applied run
            return work()
        return None


def _profile(pupils: int, staff: int, mis_phase: str, name: str) -> str:
    """One more run of every phase, with pyinstrument watching the phase `name`."""
    from pyinstrument import Profiler  # a development requirement only

    profiler = Profiler(interval=0.005)
    SchoolRun({}, set(PHASES) - NEEDED - {name}, name, profiler)(pupils, staff, mis_phase)
    return str(profiler.output_text(unicode=False, color=False, show_all=False))


def _fetched_run(school: School) -> SyncRun:
    run = runs.sync_run_create(school=school)
    runs.sync_run_read(run=run)
    return run


def _confirmed_apply(run: SyncRun) -> SyncRun:
    run.refresh_from_db()
    if run.status == SyncRun.Status.HELD:
        runs.sync_run_confirm_brake(run=run)
    return sync_run_apply(run=run)


def _full_sync(school: School) -> SyncRun:
    """Fetch to applied, as `mis_sync --confirm-brake` does."""
    run = sync.sync_prepare(school=school)
    if run.status == SyncRun.Status.HELD:
        sync.sync_review(run=run, decisions=Decisions(confirm_brake=True))
    if run.status == SyncRun.Status.FAILED:
        raise CommandError(f"The benchmark's sync failed: {run.error}")
    return sync.sync_finish(run=run)


def _admin_client(school: School) -> Client:
    admin, _ = User.objects.get_or_create(
        school=school, username="bench-admin", defaults={"role": User.Role.ADMIN}
    )
    client = Client()
    client.force_login(admin)
    return client


def _summary_page(client: Client, run: SyncRun) -> None:
    url = reverse("wizard:step", args=[run.school.slug, run.pk, "summary"])
    response = client.get(url)
    if response.status_code != 200:
        raise CommandError(f"The summary page answered {response.status_code}.")


def _cards(client: Client, run: SyncRun) -> None:
    url = reverse("wizard:run_cards", args=[run.school.slug, run.pk])
    response = client.get(url)
    if response.status_code != 200 or not response.content.startswith(b"%PDF"):
        raise CommandError(f"The login cards answered {response.status_code}.")
