"""Writes a generated fake-XoD dataset (JSON) to stdout or a file.

python manage.py fake_xod_dataset --pupils 300 --staff 40 --phase primary --seed 1 > school.json
python manage.py fake_xod_dataset --rollover-from school.json --seed 1 > next-year.json
python manage.py fake_xod_dataset --no-secret > not-yet-authorised.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from misclient.fake.generate import (
    DEFAULT_ACADEMIC_YEAR,
    DEFAULT_ESTAB,
    DEFAULT_RELYING_PARTY,
    generate_dataset,
)
from misclient.fake.generate.rollover import rollover_dataset
from misclient.fake.server.dataset import DatasetError, load_dataset


def read_dataset(path: str) -> dict[str, Any]:
    """A dataset document from a file, checked by the server's own loader.
    Raises CommandError in words if it cannot be used."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        load_dataset(data)
    except (OSError, json.JSONDecodeError, DatasetError) as exc:
        raise CommandError(f"Cannot use the dataset {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise CommandError(f"Cannot use the dataset {path}: not a JSON object")
    return data


class Command(BaseCommand):
    help = "Generate a realistic made-up school as a fake XoD dataset (deterministic by seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, default=300)
        parser.add_argument("--staff", type=int, default=40)
        parser.add_argument("--phase", choices=["primary", "secondary"], default="primary")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--estab", default=DEFAULT_ESTAB, help="7-digit establishment number")
        parser.add_argument("--secret", default="", help="default: derived from estab and seed")
        parser.add_argument(
            "--no-secret",
            "--unauthorised",
            action="store_true",
            help="the school has not authorised the app yet (secret null): tokens are "
            "refused until it consents to an invitation",
        )
        parser.add_argument("--academic-year", type=int, default=DEFAULT_ACADEMIC_YEAR)
        parser.add_argument("--relying-party", default=DEFAULT_RELYING_PARTY)
        parser.add_argument(
            "--rollover-from",
            metavar="FILE",
            help="instead of a new school: FILE's schools one academic year later",
        )
        parser.add_argument("--output", "-o", metavar="FILE", help="default: standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rollover_from"]:
            data = rollover_dataset(read_dataset(options["rollover_from"]), seed=options["seed"])
        else:
            data = _generate(options)
        if options["no_secret"]:
            for school in data["schools"]:
                school["secret"] = None
        text = json.dumps(data, ensure_ascii=False, indent=1)
        if options["output"]:
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)


def _generate(options: dict[str, Any]) -> dict[str, Any]:
    if not (options["estab"].isdigit() and len(options["estab"]) == 7):
        raise CommandError("--estab must be 7 digits (LA code and DfE number)")
    if options["pupils"] < 0 or options["staff"] < 0:
        raise CommandError("--pupils and --staff cannot be negative")
    return generate_dataset(
        pupils=options["pupils"],
        staff=options["staff"],
        phase=options["phase"],
        seed=options["seed"],
        estab=options["estab"],
        secret=options["secret"],
        academic_year=options["academic_year"],
        relying_party=options["relying_party"],
    )
