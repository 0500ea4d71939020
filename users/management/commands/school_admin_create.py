"""Creates a school's administrator and prints a one-time password (shown only here:
only its hash is kept). Run again for the same administrator, it prints a new password."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from users.models import School, User

NO_SCHOOL = "No school has the estab number {estab}: create it in Django admin first."
USERNAME_TAKEN = "{username} is already a {role} account at {school}: choose another username."


class Command(BaseCommand):
    help = "Create a school administrator (or give an existing one a new password)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--estab", required=True, help="the school's 7-digit estab number")
        parser.add_argument("--username", required=True)
        parser.add_argument("--forename", default="")
        parser.add_argument("--surname", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(estab=options["estab"].strip()).first()
        if school is None:
            raise CommandError(NO_SCHOOL.format(estab=options["estab"]))
        username = options["username"].strip()
        password = secrets.token_urlsafe(12)
        admin = User.objects.filter(school=school, username__iexact=username).first()
        if admin is not None and admin.role != User.Role.ADMIN:
            role = admin.get_role_display().lower()
            raise CommandError(USERNAME_TAKEN.format(username=username, role=role, school=school))
        if admin is None:
            admin = User.objects.create_user(
                username,
                password,
                school=school,
                role=User.Role.ADMIN,
                forename=options["forename"],
                surname=options["surname"],
                email=options["email"],
            )
        else:
            admin.set_password(password)
            admin.save(update_fields=["password"])
        sign_in = settings.SITE_URL + reverse("users:sign_in", args=[school.slug])
        self.stdout.write(
            f"Administrator of {school}\n"
            f"Sign in at {sign_in}\n"
            f"  username: {admin.username}\n"
            f"  password: {password}  (shown once: note it now)\n"
        )
