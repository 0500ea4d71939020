"""Creates the demo school, its school administrator and a support login, and prints both
logins.

The first time, it also types in by hand what a school has before its first sync, taken
from the fake MIS's dataset: a class named as in the MIS (matched by name), two pupils and
a teacher whose accounts already exist (possible duplicates), and a pupil whose surname
has changed since (to match by hand).

Safe to run again: the school and its accounts are kept, and both logins get a fresh
password (printed) unless DEMO_ADMIN_PASSWORD fixes one.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.text import slugify

from users.credentials import WORD_DIGITS, generate_password, hash_pupil_password
from users.models import School, SchoolClass, User


class Command(BaseCommand):
    help = "Create the demo school, its administrator and a support login; print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--estab", default="8231234")
        parser.add_argument("--name", help="default: the dataset's, else Demo Primary School")
        parser.add_argument("--slug", help="default: demo, or for --school-only from the name")
        parser.add_argument("--username", default="admin", help="the support login")
        parser.add_argument("--school-admin", default="office", help="the school's login")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the site's address")
        parser.add_argument("--dataset", help="the fake MIS's dataset, for hand-made accounts")
        parser.add_argument(
            "--school-only",
            action="store_true",
            help="only the school and its administrator (a second demo school)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mis = _first_school(options["dataset"]) if options["dataset"] else {}
        # The MIS's own name, so that Groupcall's answer names the same school.
        name = options["name"] or mis.get("SchoolInfo", {}).get("Name") or "Demo Primary School"
        slug = options["slug"] or (slugify(name.split()[0]) if options["school_only"] else "demo")
        school, created = School.objects.get_or_create(
            estab=options["estab"], defaults={"name": name, "slug": slug}
        )
        if created and mis and not options["school_only"]:
            with transaction.atomic():
                _typed_in_by_hand(school, mis)
        fixed = os.environ.get("DEMO_ADMIN_PASSWORD")
        office_password = fixed or secrets.token_urlsafe(12)
        office = _login(school, options["school_admin"], office_password)
        url = options["url"].rstrip("/")
        self.stdout.write(
            f"\nDemo school: {school}\n"
            f"School administrator: sign in at {url}/s/{school.slug}/\n"
            f"  username: {office.username}\n"
            f"  password: {office_password}\n"
        )
        if options["school_only"]:
            return
        support_password = fixed or secrets.token_urlsafe(12)
        support = _login(None, options["username"], support_password, superuser=True)
        self.stdout.write(
            f"Support staff (Django admin): sign in at {url}/admin/\n"
            f"  username: {support.username}\n"
            f"  password: {support_password}\n"
        )


def _login(school: School | None, username: str, password: str, superuser: bool = False) -> User:
    user = User.objects.filter(school=school, username__iexact=username).first()
    if user is None and superuser:
        return User.objects.create_superuser(username, password=password)
    if user is None:
        user = User(school=school, username=username, role=User.Role.ADMIN)
        user.forename, user.surname = "School", "Office"
    user.set_password(password)
    user.save()
    return user


def _first_school(path: str) -> dict[str, Any]:
    schools: list[dict[str, Any]] = json.loads(Path(path).read_text(encoding="utf-8"))["schools"]
    return schools[0]


def _typed_in_by_hand(school: School, mis: dict[str, Any]) -> None:
    """What the school had before its first sync (see the module's docstring)."""
    groups = [g for g in mis.get("Groups", []) if g.get("Type") == "RegGrp"]
    if groups:
        SchoolClass.objects.create(school=school, name=groups[0]["Name"])
    pupils = mis.get("Students", [])[:3]
    for number, row in enumerate(pupils):
        surname = row["Surname"] if number < 2 else "Renamed"
        _pupil(school, row["Forename"], surname, f"{row['Forename']}{surname[:1]}".lower())
    teachers = [s for s in mis.get("Staff", []) if s.get("IsTeacher") and s.get("WorkEmail")]
    if teachers:
        teacher = teachers[0]
        User.objects.create(
            school=school,
            role=User.Role.STAFF,
            username=f"{teacher['Forename'][:1]}{teacher['Surname']}".lower(),
            forename=teacher["Forename"],
            surname=teacher["Surname"],
            email=teacher["WorkEmail"],
        )


def _pupil(school: School, forename: str, surname: str, username: str) -> None:
    password = generate_password(WORD_DIGITS)
    User.objects.create(
        school=school,
        username=username,
        forename=forename,
        surname=surname,
        password=hash_pupil_password(password),
        password_format=WORD_DIGITS,
    )
