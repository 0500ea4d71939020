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


def test_the_hashing_threads_follow_the_setting(monkeypatch, settings):
    """One per core unless SYNC_HASHING_THREADS says otherwise (a server running a sync
    worker per core gives each task one)."""
    used = []

    class Pool:
        def __init__(self, max_workers):
            used.append(max_workers)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def map(self, work, chunks):
            return [work(chunk) for chunk in chunks]

    monkeypatch.setattr(accounts, "ThreadPoolExecutor", Pool)
    monkeypatch.setattr(accounts, "HASHING_THREADS", 4)
    passwords = [f"secret{n}" for n in range(400)]
    settings.SYNC_HASHING_THREADS = 0
    assert len(accounts.passwords_hashed(passwords)) == 400
    settings.SYNC_HASHING_THREADS = 2
    accounts.passwords_hashed(passwords)
    settings.SYNC_HASHING_THREADS = 1
    hashed = accounts.passwords_hashed(passwords)
    assert used == [4, 2]  # one thread: no pool at all
    assert check_password("secret7", hashed[7])
