"""Runs the fake XoD server until stopped (Ctrl-C).

python manage.py fake_xod --port 8765 --dataset school.json [--dataset second-school.json]
python manage.py fake_xod --generate pupils=300,staff=40,seed=1
python manage.py fake_xod --dataset school.json --partner-app-id demo-app --partner-secret ...
python manage.py fake_xod --generate pupils=300,staff=40 --no-secret   # not authorised yet

The partner options (or FAKE_XOD_PARTNER_APP_ID / FAKE_XOD_PARTNER_SECRET) are the
application id and management secret its invitation API accepts.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from misclient.fake.generate import generate_dataset
from misclient.fake.server import FakeXodServer
from misclient.management.commands.fake_xod_dataset import read_dataset

GENERATE_INTS = ("pupils", "staff", "seed", "academic_year")
GENERATE_TEXTS = ("phase", "estab", "secret", "relying_party")


def parse_generate(spec: str) -> dict[str, Any]:
    """ "pupils=300,staff=40,seed=1" -> generate_dataset keyword arguments."""
    options: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        name = name.strip().replace("-", "_")
        if name in GENERATE_INTS and value.strip().isdigit():
            options[name] = int(value)
        elif name in GENERATE_TEXTS and value.strip():
            options[name] = value.strip()
        else:
            known = ", ".join(GENERATE_INTS + GENERATE_TEXTS)
            raise CommandError(f"--generate: cannot use {part!r} (known: {known})")
    return options


def dataset_to_serve(options: dict[str, Any]) -> dict[str, Any]:
    """The dataset the options name: a file, or a generated school; without secrets if
    `no_secret`."""
    if options.get("dataset"):
        dataset = _together([read_dataset(path) for path in options["dataset"]])
    else:
        try:
            dataset = generate_dataset(**parse_generate(options.get("generate") or ""))
        except ValueError as exc:
            raise CommandError(f"--generate: {exc}") from exc
    if options.get("no_secret"):
        for school in dataset["schools"]:
            school["secret"] = None
    return dataset


class Command(BaseCommand):
    help = "Serve a fake Groupcall Xporter on Demand (XoD) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--dataset",
            metavar="FILE",
            action="append",
            help="a dataset JSON file; repeat it to serve the schools of several files",
        )
        source.add_argument(
            "--generate",
            metavar="SPEC",
            help="a generated school, e.g. pupils=300,staff=40,seed=1,phase=primary",
        )
        parser.add_argument(
            "--no-secret",
            "--unauthorised",
            action="store_true",
            help="serve the schools as not yet authorised (no secret) until they consent",
        )
        parser.add_argument("--token-lifetime-hours", type=float, default=120.0)
        parser.add_argument(
            "--partner-app-id",
            default=os.environ.get("FAKE_XOD_PARTNER_APP_ID") or None,
            help="the partner application id the invitation API accepts "
            "(default: FAKE_XOD_PARTNER_APP_ID, else the dataset's)",
        )
        parser.add_argument(
            "--partner-secret",
            default=os.environ.get("FAKE_XOD_PARTNER_SECRET") or None,
            help="the partner's management secret (default: FAKE_XOD_PARTNER_SECRET, "
            "else the dataset's)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dataset = dataset_to_serve(options)
        lifetime = timedelta(hours=options["token_lifetime_hours"])
        try:
            server = FakeXodServer(
                dataset,
                host=options["host"],
                port=options["port"],
                token_lifetime=lifetime,
                partner_application_id=options["partner_app_id"],
                partner_management_secret=options["partner_secret"],
            )
        except OSError as exc:
            message = f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            raise CommandError(message) from exc
        self._announce(server)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _announce(self, server: FakeXodServer) -> None:
        lines = [
            f"Fake XoD serving at {server.root_url}",
            f"  XOD_BASE_URL={server.base_url}",
            f"  XOD_TOKEN_URL={server.token_url}",
            f"  legacy token URL: {server.legacy_token_url}",
            f"  XOD_RELYING_PARTY={server.app.dataset.relying_party or '(any)'}",
        ]
        dataset = server.app.dataset
        if dataset.partner_application_id and dataset.partner_management_secret:
            lines += [
                f"  invitation API: {server.register_url}",
                f"    for partner application id {dataset.partner_application_id}",
                f"  consent page (Groupcall's email, for the school): {server.consent_page_url}",
            ]
        else:
            lines.append("  invitation API: refuses all (no --partner-app-id/--partner-secret)")
        for school in dataset.schools.values():
            name = school.school_info.get("Name", "")
            secret = school.secret or "none yet (not authorised: invite the school)"
            lines.append(f"  school {name}: estab {school.estab}, secret {secret}")
        lines.append("Press Ctrl-C to stop.")
        self.stdout.write("\n".join(lines))
        self.stdout.flush()


def _together(datasets: list[dict[str, Any]]) -> dict[str, Any]:
    """One dataset serving every file's schools; the first file's other keys win."""
    merged = {**datasets[0], "schools": [s for data in datasets for s in data["schools"]]}
    estabs = [str(school["estab"]) for school in merged["schools"]]
    if len(set(estabs)) != len(estabs):
        raise CommandError("Two datasets hold a school with the same estab.")
    return merged
