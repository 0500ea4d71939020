"""Creates or updates a school and its XoD connection (the secret is encrypted at rest)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from users.models import School, estab_validator
from wizard.models import MisConnection

TOKEN_PATH = "/api/oauth/GetToken"


class Command(BaseCommand):
    help = "Create or update a school and its Groupcall XoD connection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--estab", required=True, help="7-digit establishment number")
        parser.add_argument("--secret", required=True, help="the school's XoD secret")
        parser.add_argument("--name", help="the school's name (kept if not given)")
        parser.add_argument("--base-url", default="", help="XoD data API, e.g. a fake server")
        parser.add_argument(
            "--token-url", default="", help=f"token address (default: {TOKEN_PATH} at --base-url)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        estab = options["estab"].strip()
        try:
            estab_validator(estab)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None
        base_url = options["base_url"]
        token_url = options["token_url"] or (urljoin(base_url, TOKEN_PATH) if base_url else "")
        with transaction.atomic():
            school, created = School.objects.get_or_create(
                estab=estab,
                defaults={"name": options["name"] or f"School {estab}", "slug": f"school-{estab}"},
            )
            if options["name"] and school.name != options["name"]:
                school.name = options["name"]
                school.save(update_fields=["name"])
            connection = MisConnection.objects.filter(school=school).first() or MisConnection(
                school=school
            )
            connection.secret = options["secret"]
            connection.base_url, connection.token_url = base_url, token_url
            connection.save()
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {school} with its XoD connection.")
