"""Reads a school's MIS, plans the sync and (without --dry-run) applies it, through the
same services as the wizard. Exit status: 0 done, 3 held by the brake, 1 failed."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from misclient import errors as mis_errors
from users.models import School
from wizard.models import SyncRun
from wizard.planner.types import CREATE_NEW, LINK, Category, Decisions, SyncPlan
from wizard.services import apply, runs

EXIT_HELD = 3
NO_SCHOOL = "No school has estab {estab}. Connect it first with school_connect."


class Command(BaseCommand):
    help = "Sync a school's accounts and classes with its MIS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--estab", required=True)
        parser.add_argument("--dry-run", action="store_true", help="plan only; change nothing")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--confirm-brake", action="store_true", help="apply even a plan the brake holds"
        )
        parser.add_argument(
            "--resolve-duplicates",
            choices=[LINK, CREATE_NEW],
            help="link possible duplicates to the existing account, or create new accounts",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(estab=options["estab"]).first()
        if school is None:
            raise CommandError(NO_SCHOOL.format(estab=options["estab"]))
        run = self._fetch(school)
        decisions = Decisions(
            all_duplicates=options["resolve_duplicates"] or "",
            confirm_brake=options["confirm_brake"],
        )
        try:
            plan = runs.sync_run_plan(run=run, decisions=decisions)
        except runs.SyncError as error:
            runs.sync_run_fail(run=run, message=str(error))
            raise CommandError(str(error)) from None
        if not plan.held and not options["dry_run"]:
            self._apply(run)
        run.refresh_from_db()
        self._report(run, plan, as_json=options["json"])
        if plan.held:
            sys.exit(EXIT_HELD)

    def _fetch(self, school: School) -> SyncRun:
        try:
            run = runs.sync_run_create(school=school)
            runs.sync_run_fetch(run=run)
        except (runs.SyncError, mis_errors.XodError) as error:
            raise CommandError(f"The MIS could not be read: {error}") from None
        return run

    def _apply(self, run: SyncRun) -> None:
        try:
            apply.sync_run_apply(run=run)
        except runs.SyncError as error:
            raise CommandError(str(error)) from None
        except Exception:  # logged by the service; the database is as it was
            raise CommandError(apply.CRASHED) from None
        # Year mappings suggested for this run are kept only once it has been applied.
        runs.year_mapping_save(school=run.school, mapping=run.settings_used["year_mapping"])

    def _report(self, run: SyncRun, plan: SyncPlan, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(plan_json(run, plan), ensure_ascii=False))
        else:
            self.stdout.write(plan_text(run, plan))


def plan_json(run: SyncRun, plan: SyncPlan) -> dict[str, Any]:
    """The `--json` shape (a contract for scripts: keep its keys)."""
    not_imported = (Category.ERROR, Category.DUPLICATE)
    return {
        "run_id": run.pk,
        "status": run.status,
        "counts": plan.counts(),
        "accounts": [
            {
                "mis_id": c.mis_id,
                "role": c.role,
                "forename": c.forename,
                "surname": c.surname,
                "username": c.username,
                "year": c.year,
                "class": c.registration_group,
                "action": str(c.category),
            }
            for c in plan.accounts
            if c.category not in not_imported
        ],
        "errors": [
            {"mis_id": c.mis_id, "name": c.name, "reason": c.reason}
            for c in plan.of(Category.ERROR)
        ],
        "duplicates": [
            {"mis_id": c.mis_id, "name": c.name, "candidate_username": c.candidate_username}
            for c in plan.of(Category.DUPLICATE)
        ],
    }


_LABELS = {
    "new_pupils": "New pupils",
    "new_staff": "New staff",
    "updated": "Updated",
    "moved": "Moved class",
    "leavers": "Leavers (archive)",
    "returning": "Returning (reactivate)",
    "duplicates": "Possible duplicates (not imported until resolved)",
    "errors": "Not imported due to errors",
    "unchanged": "Unchanged",
}


def plan_text(run: SyncRun, plan: SyncPlan) -> str:
    lines = [f"Sync #{run.pk} of {run.school}: {run.get_status_display()}"]
    lines += [f"  {_LABELS[key]}: {count}" for key, count in plan.counts().items()]
    lines += [f"  Held: {reason}" for reason in plan.hold_reasons if plan.held]
    lines += [
        f"  Not imported: {c.name or c.mis_id} ({c.mis_id}): {c.reason}"
        for c in plan.of(Category.ERROR)
    ]
    lines += [
        f"  Possible duplicate: {c.name} ({c.mis_id}) and account {c.candidate_username}"
        for c in plan.of(Category.DUPLICATE)
    ]
    if run.error:
        lines.append(f"  Error: {run.error}")
    return "\n".join(lines)
