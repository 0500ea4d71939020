"""Fixtures for the school administrator's pages (loaded by tests/conftest.py): a school
with an administrator, a pupil, a member of staff, another school and support staff."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from tests.users.factories import SchoolFactory, UserFactory
from users.models import School, User

PASSWORD = "correct horse battery"


@pytest.fixture
def page_school(db) -> School:
    return SchoolFactory.create(name="Oakfield Primary School", slug="oakfield")


@pytest.fixture
def other_school(db) -> School:
    return SchoolFactory.create(name="Birchwood Academy", slug="birchwood")


@pytest.fixture
def school_admin(page_school: School) -> User:
    return UserFactory.create(
        school=page_school, role=User.Role.ADMIN, forename="Alex", surname="Admin", username="AlexA"
    )


@pytest.fixture
def admin_page_client(client: Client, school_admin: User) -> Client:
    """A browser signed in as the school's administrator."""
    client.force_login(school_admin)
    return client


@pytest.fixture
def other_admin(other_school: School) -> User:
    return UserFactory.create(school=other_school, role=User.Role.ADMIN, username="AlexA")


@pytest.fixture
def support_user(db) -> User:
    return User.objects.create_superuser("support", password=PASSWORD)


def page_text(response) -> str:
    """The page's HTML with entities decoded, so messages can be asserted as written."""
    return html.unescape(response.content.decode())
