"""Reads a school's MIS, plans the sync and (without --dry-run) applies it, or undoes a
run, through the same use cases as the wizard. Exit status: 0 done, 3 held by the brake,
1 failed or refused (the reason in words on stderr)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from users.models import School
from wizard.models import SyncRun
from wizard.planner.types import CREATE_NEW, LINK, Category, Decisions, SyncPlan
from wizard.services import sync, undo
from wizard.services.lifecycle import SyncError

logger = logging.getLogger(__name__)

EXIT_HELD = 3
NO_SCHOOL = "No school has estab {estab}. Connect it first with school_connect."
NO_RUN = "School {estab} has no sync #{run_id}."
CRASHED = "Something went wrong, so nothing was changed: {error}. Please try again."


class Command(BaseCommand):
    help = "Sync a school's accounts and classes with its MIS, or undo a sync."

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
        parser.add_argument("--undo", type=int, metavar="RUN_ID", help="undo an applied sync")

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(estab=options["estab"]).first()
        if school is None:
            raise CommandError(NO_SCHOOL.format(estab=options["estab"]))
        try:
            if options["undo"]:
                self._undo(school, options["undo"], as_json=options["json"])
            else:
                self._sync(school, options)
        except SyncError as error:
            raise CommandError(str(error)) from None
        except CommandError:
            raise
        except Exception as error:  # whatever it was, in words, and exit 1
            logger.exception("mis_sync failed for %s", school.estab)
            raise CommandError(CRASHED.format(error=type(error).__name__)) from None

    def _sync(self, school: School, options: dict[str, Any]) -> None:
        run = sync.sync_prepare(school=school)
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(run.error)
        decisions = Decisions(
            all_duplicates=options["resolve_duplicates"] or "",
            confirm_brake=options["confirm_brake"],
        )
        plan = sync.sync_review(run=run, decisions=decisions)
        if not options["dry_run"]:
            sync.sync_finish(run=run)
        run.refresh_from_db()
        self._write(plan_json(run, plan) if options["json"] else plan_text(run, plan))
        if plan.held:
            sys.exit(EXIT_HELD)

    def _undo(self, school: School, run_id: int, *, as_json: bool) -> None:
        run = SyncRun.objects.filter(school=school, pk=run_id).first()
        if run is None:
            raise CommandError(NO_RUN.format(estab=school.estab, run_id=run_id))
        report = undo.sync_run_undo(run=run)
        if as_json:
            self._write({"run_id": run.pk, "status": run.status, **report.as_json()})
            return
        lines = [f"Sync #{run.pk} of {school} was undone."]
        lines += [
            f"  Kept (changed since the sync): {kept['username']}: {', '.join(kept['fields'])}"
            for kept in report.kept
        ]
        lines += [
            f"  Kept (changed since the sync): class {kept['class']}: {', '.join(kept['fields'])}"
            for kept in report.kept_classes
        ]
        lines += [f"  Not found (deleted since): {name or 'an account'}" for name in report.missing]
        self._write("\n".join(lines))

    def _write(self, output: str | dict[str, Any]) -> None:
        if isinstance(output, dict):
            output = json.dumps(output, ensure_ascii=False)
        self.stdout.write(output)


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
