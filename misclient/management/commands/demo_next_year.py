"""Moves the demo's fake MIS on to the next academic year, so that a rollover can be
run in the wizard: pupils move up a year (Year 6 leave, a new Reception joins), classes
are regrouped, some staff leave and join.

    python manage.py demo_next_year [--dataset var/demo-school.json] [--port 8765]

The dataset file is rolled over in place (so a restarted fake serves the new year too),
and the running fake XoD is told over its control endpoint to serve it now.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from misclient.fake.generate.rollover import rollover_dataset
from misclient.fake.server.control import ROW_SETS
from misclient.management.commands.fake_xod_dataset import read_dataset

NOT_RUNNING = (
    "The dataset was moved on a year, but the fake XoD at {url} did not answer ({error}). "
    "Restart it (bin/start) to serve the new year."
)


class Command(BaseCommand):
    help = "Move the demo's fake MIS on to the next academic year (for a rollover)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", default=str(Path(settings.VAR_DIR) / "demo-school.json"))
        parser.add_argument("--port", type=int, default=8765, help="the fake XoD's port")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["dataset"])
        if not path.exists():
            raise CommandError(f"There is no demo dataset at {path}: run bin/start first.")
        dataset = rollover_dataset(read_dataset(str(path)), seed=options["seed"])
        path.write_text(json.dumps(dataset, ensure_ascii=False, indent=1), encoding="utf-8")
        base = f"http://127.0.0.1:{options['port']}/_fake"
        for school in dataset["schools"]:
            rows = {name: school[name] for name in ROW_SETS if name in school}
            try:
                answer = requests.post(f"{base}/{school['estab']}/rows", json=rows, timeout=10)
                answer.raise_for_status()
            except requests.RequestException as error:
                raise CommandError(NOT_RUNNING.format(url=base, error=error)) from None
        year = dataset["schools"][0].get("SchoolInfo", {}).get("CurrentAcademicYear", "")
        self.stdout.write(f"The fake MIS is now in the academic year {year}. Run the wizard.")
