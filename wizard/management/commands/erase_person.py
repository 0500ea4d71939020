"""Erases one person's data on request (see wizard/services/erase.py):

    manage.py erase_person --school oakfield --username AdaP
    manage.py erase_person --school oakfield --mis-id 3116 --role pupil

Prints what was removed, in words. Exit status 1, with the reason, when the school or
the person is not found (nothing is changed then)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from users.models import School
from wizard.services import erase


class Command(BaseCommand):
    help = "Erase one person's account and every mention of them in the school's sync runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="the school's slug (its address)")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--username", default="", help="the account's username at the school")
        who.add_argument("--mis-id", default="", help="the person's id in the MIS")
        parser.add_argument(
            "--role", choices=["pupil", "staff"], default="", help="with --mis-id: whose id it is"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(slug=options["school"]).first()
        if school is None:
            raise CommandError(f"No school has the address {options['school']}.")
        if options["mis_id"] and not options["role"]:
            raise CommandError("An MIS id needs --role pupil or --role staff.")
        try:
            person = erase.person_find(
                school=school,
                username=options["username"],
                mis_id=options["mis_id"],
                role=options["role"],
            )
        except erase.NoSuchPerson as error:
            raise CommandError(str(error)) from error
        report = erase.person_erase(school=school, person=person)
        self.stdout.write(report.in_words())
