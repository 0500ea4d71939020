"""Fixtures for signing in (loaded by tests/conftest.py): a class 1AB with a picture-PIN
pupil and their teacher, and a teacher of another class."""

from __future__ import annotations

import pytest

from tests.users.factories import SchoolClassFactory, UserFactory
from users import crypto
from users.credentials import PIN2, hash_pupil_password
from users.models import ClassMembership, School, SchoolClass, User

PIN = "07"  # ball, then boat


def make_pin_pupil(school: School, username: str, pin: str = PIN, **fields: object) -> User:
    """A pupil whose password is a picture PIN, hashed and encrypted as the sync does."""
    pupil = UserFactory.create(
        school=school, role=User.Role.PUPIL, username=username, password_format=PIN2, **fields
    )
    pupil.password = hash_pupil_password(pin)
    pupil.printable_password = crypto.encrypt(pin)
    pupil.save(update_fields=["password", "printable_password"])
    return pupil


def add_to_class(user: User, school_class: SchoolClass, role: str = "pupil") -> None:
    ClassMembership.objects.create(school_class=school_class, user=user, role=role)


@pytest.fixture
def class_1ab(page_school: School) -> SchoolClass:
    return SchoolClassFactory.create(school=page_school, name="1AB")


@pytest.fixture
def pin_pupil(page_school: School, class_1ab: SchoolClass) -> User:
    pupil = make_pin_pupil(page_school, "AvaS", forename="Ava", surname="Stone")
    add_to_class(pupil, class_1ab)
    return pupil


@pytest.fixture
def teacher(page_school: School, class_1ab: SchoolClass) -> User:
    """Staff who teach 1AB (they sign in with tests.fixtures_pages.PASSWORD)."""
    staff = UserFactory.create(
        school=page_school,
        role=User.Role.STAFF,
        forename="Tess",
        surname="Teach",
        username="TTeach",
    )
    add_to_class(staff, class_1ab, ClassMembership.Role.TEACHER)
    return staff


@pytest.fixture
def other_teacher(page_school: School) -> User:
    """Staff who teach 2CD, not 1AB."""
    staff = UserFactory.create(school=page_school, role=User.Role.STAFF, username="OOther")
    add_to_class(staff, SchoolClassFactory.create(school=page_school, name="2CD"), "teacher")
    return staff
