"""New accounts' credentials, hashed on several threads, each belong to their pupil."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password

from users import crypto
from users.models import School, User
from wizard.planner.types import AccountChange, Category
from wizard.services import accounts


@pytest.mark.django_db
def test_every_new_pupil_signs_in_with_the_password_printed_on_their_card(monkeypatch):
    monkeypatch.setattr(accounts, "HASHING_THREADS", 3)
    school = School.objects.create(name="Hashing School", estab="8230001", slug="hashing")
    lines = [
        AccountChange(
            category=Category.NEW,
            role="staff" if n % 10 == 0 else "pupil",
            mis_id=str(n),
            forename=f"Pupil{n}",
            surname="Hash",
            username=f"PupilH{n}",
            password_format="word_digits" if n % 2 else "pin4",
        )
        for n in range(160)
    ]
    users = accounts.new_accounts(school, lines, years={}, source="xod")

    assert [u.username for u in users] == [line.username for line in lines]
    for user, line in zip(users, lines, strict=True):
        if line.role == "staff":
            assert not user.has_usable_password()
            assert user.printable_password == ""
            continue
        printed = crypto.decrypt(user.printable_password)
        assert check_password(printed, user.password), user.username
        assert user.password_format == line.password_format
    pupils = [u for u in users if u.role == User.Role.PUPIL]
    assert len({u.password for u in pupils}) == len(pupils)  # salted, each its own
