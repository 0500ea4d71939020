"""Creates the demo school and a support login, and prints the login.

Safe to run again: the school is kept, and the support account gets a fresh password
(printed) unless DEMO_ADMIN_PASSWORD fixes one.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from users.models import School, User


class Command(BaseCommand):
    help = "Create the demo school and a support (Django admin) login, and print the login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--estab", default="8231234")
        parser.add_argument("--name", default="Demo Primary School")
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args: Any, **options: Any) -> None:
        school, _ = School.objects.get_or_create(
            estab=options["estab"],
            defaults={"name": options["name"], "slug": f"school-{options['estab']}"},
        )
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        admin = User.objects.filter(school=None, username__iexact=options["username"]).first()
        if admin is None:
            admin = User.objects.create_superuser(options["username"], password=password)
        else:
            admin.set_password(password)
            admin.save(update_fields=["password"])
        self.stdout.write(
            f"\nDemo school: {school}\n"
            f"Sign in at {options['url']}\n"
            f"  username: {admin.username}\n"
            f"  password: {password}\n"
        )
