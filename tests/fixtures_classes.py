"""Fixtures for teachers' pages (loaded by tests/conftest.py): at the page school, two
classes, each with its teacher and pupils who have real generated passwords."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.users.factories import SchoolClassFactory, UserFactory, YearGroupFactory
from users import services
from users.credentials import PIN2, WORD_DIGITS
from users.models import ClassMembership, School, SchoolClass, User


@dataclass
class Classes:
    robins: SchoolClass  # Reception: teacher Tess, pupils Ada and Ben (two-digit PINs)
    wrens: SchoolClass  # Year 6: teacher Will, pupil Cal (word and digits)
    tess: User
    will: User
    ada: User
    ben: User
    cal: User


def pupil(school: School, school_class: SchoolClass, forename: str, password_format: str) -> User:
    return services.account_create(
        school=school,
        role=User.Role.PUPIL,
        forename=forename,
        surname="Pupil",
        username_format="forename_surname_initial",
        password_format=password_format,
        year_group=school_class.year_group,
        school_class=school_class,
    )


def teacher(school: School, school_class: SchoolClass, forename: str) -> User:
    person = UserFactory.create(
        school=school, role=User.Role.STAFF, forename=forename, surname="Teach"
    )
    ClassMembership.objects.create(
        user=person, school_class=school_class, role=ClassMembership.Role.TEACHER
    )
    return person


@pytest.fixture
def classes(page_school: School) -> Classes:
    reception = YearGroupFactory.create(school=page_school, code="R", name="Reception")
    year6 = YearGroupFactory.create(school=page_school, code="6", name="Year 6", position=9)
    robins = SchoolClassFactory.create(school=page_school, name="Robins", year_group=reception)
    wrens = SchoolClassFactory.create(school=page_school, name="Wrens", year_group=year6)
    return Classes(
        robins=robins,
        wrens=wrens,
        tess=teacher(page_school, robins, "Tess"),
        will=teacher(page_school, wrens, "Will"),
        ada=pupil(page_school, robins, "Ada", PIN2),
        ben=pupil(page_school, robins, "Ben", PIN2),
        cal=pupil(page_school, wrens, "Cal", WORD_DIGITS),
    )


@pytest.fixture
def tess_client(client: Client, classes: Classes) -> Client:
    """A browser signed in as Tess, who teaches Robins (not Wrens)."""
    client.force_login(classes.tess)
    return client
