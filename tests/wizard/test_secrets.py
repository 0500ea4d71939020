"""Credentials and secrets (issue 11, item 6): the XoD secret and pupils' passwords are
encrypted (and hashed) at rest: neither the raw database columns nor a dump of the whole
database holds them. And nothing a school does in the app puts a password, PIN, secret
or activation link in the logs (every logger at DEBUG), in the Celery tasks' arguments,
or in the JSON stored on sync runs and change rows."""

from __future__ import annotations

import json
import logging
import re
import subprocess
from typing import Any

import pytest
from celery.signals import task_prerun
from django.core import mail
from django.db import connection
from django.urls import reverse

from tests.users.factories import UserFactory
from tests.wizard.conftest import school_connected
from tests.wizard.school_data import ESTAB, mis_sync
from tests.wizard.test_wizard_views import finish, walk_to_summary
from users import crypto
from users.credentials import PIN4, hash_pupil_password
from users.models import School, User
from wizard.models import MisConnection, SyncChange, SyncRun, SyncSettings


def pupils_passwords() -> dict[str, str]:
    """Each pupil's password as printed on their card (decrypted)."""
    return {
        pupil.username: crypto.decrypt(pupil.printable_password)
        for pupil in User.objects.filter(role=User.Role.PUPIL)
    }


# The synced pupils get word-and-digits and random passwords (distinctive text); one more
# pupil has a four-digit picture PIN chosen so that no other number in a dump is it.
FORMATS = {"3": "word_digits", "4": "random"}
PIN = "7391"


def found(secret: str, text: str) -> bool:
    """Whether `secret` is in `text`. A short one (a PIN, a password) counts only on its
    own, outside the long encoded strings (hashes, Fernet tokens, ids) where a few letters
    and digits turn up by chance; a secret, link or token counts anywhere."""
    if len(secret) >= 12:
        return secret in text
    text = re.sub(r"[A-Za-z0-9_\-+/]{20,}", " ", text)
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text) is not None


def school_with_formats_and_a_pin_pupil(xod: Any) -> School:
    """The school connected, its password formats chosen, and a picture-PIN pupil stored
    as the app stores one (hashed to sign in, encrypted for cards)."""
    school = school_connected(xod)
    SyncSettings.objects.update_or_create(school=school, defaults={"password_formats": FORMATS})
    User.objects.create(
        school=school,
        role=User.Role.PUPIL,
        username="PinP",
        forename="Pia",
        surname="Pinner",
        password_format=PIN4,
        password=hash_pupil_password(PIN),
        printable_password=crypto.encrypt(PIN),
    )
    return school


def activation_links() -> list[str]:
    links = []
    for message in mail.outbox:
        links += re.findall(r"https?://\S+/activate/\S+", str(message.body))
    return links


def database_dump() -> str:
    """The whole test database as text: pg_dump on PostgreSQL, the SQL dump on SQLite."""
    if connection.vendor != "postgresql":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    db = connection.settings_dict
    command = ["pg_dump", "--data-only", "-h", db["HOST"] or "127.0.0.1", "-p"]
    command += [str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", db["NAME"]]
    env = {"PGPASSWORD": db["PASSWORD"] or "", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_secrets_and_passwords_are_not_in_the_database_in_clear(xod):
    school = school_with_formats_and_a_pin_pupil(xod)
    assert mis_sync()["status"] == "applied"
    passwords = pupils_passwords()
    assert len(passwords) == 7
    assert passwords["PinP"] == PIN
    others = [password for username, password in passwords.items() if username != "PinP"]
    assert not any(password.isdigit() for password in others)  # words and random text
    assert MisConnection.objects.get(school=school).secret == xod.secret

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM wizard_misconnection")
        connections = repr(cursor.fetchall())
        cursor.execute("SELECT username, password, printable_password FROM users_user")
        accounts = cursor.fetchall()
    assert xod.secret not in connections
    for username, hashed, printable in accounts:
        if username in passwords:
            assert hashed.startswith("pupil_pbkdf2_sha256$")
            assert printable.startswith("gAAAAA")  # a Fernet token
            assert not found(passwords[username], f"{hashed} {printable}")

    dump = database_dump()
    assert "Amira" in dump  # the dump has the data (it was committed)
    assert xod.secret not in dump
    for password in passwords.values():
        assert not found(password, dump), "a pupil's password or PIN is in the database dump"


@pytest.mark.django_db
def test_logs_tasks_and_stored_runs_hold_no_passwords_secrets_or_links(
    xod, client, caplog, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    tasks: list[Any] = []

    def record_task(sender: Any = None, args: Any = (), kwargs: Any = None, **_: Any) -> None:
        tasks.append([sender.name, list(args or ()), kwargs or {}])

    task_prerun.connect(record_task, weak=False)
    try:
        school = school_with_formats_and_a_pin_pupil(xod)
        admin = UserFactory.create(school=school, role=User.Role.ADMIN, username="HeadA")
        client.force_login(admin)
        # The administrator's sync, through the wizard's pages and a Celery task.
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("wizard:start", args=[school.slug]))
        run = SyncRun.objects.get()
        assert run.status == SyncRun.Status.PLANNED
        summary = walk_to_summary(client, run)
        with django_capture_on_commit_callbacks(execute=True):
            finish(client, run, summary)
        run.refresh_from_db()
        assert run.status == SyncRun.Status.APPLIED
        # A new password for one pupil, then each pupil signs in (once wrongly).
        amira = User.objects.get(school=school, forename="Amira")
        reset = reverse("wizard:pupil_password_reset", args=[school.slug, amira.pk])
        client.post(reset, {"password_format": "year_group"})
        client.logout()
        passwords = pupils_passwords()
        sign_in = reverse("users:sign_in", args=[school.slug])
        for username, password in passwords.items():
            client.post(sign_in, {"username": username, "pin": "0000", "tap": "0"})
            client.post(sign_in, {"username": username, "pin": password})
            client.post(sign_in, {"username": username, "password": password})
            client.logout()
        # A member of staff forgets their password.
        staff = User.objects.filter(school=school, role=User.Role.STAFF).first()
        assert staff is not None
        client.post(reverse("users:forgotten_password", args=[school.slug]), {"email": staff.email})
    finally:
        task_prerun.disconnect(record_task)

    links = activation_links()
    assert len(links) >= 2  # the staff's activation emails and the forgotten password's
    tokens = [link.rstrip("/").split("/")[-1] for link in links]
    secrets = {"the XoD secret": [xod.secret], "a password or PIN": list(passwords.values())}
    secrets |= {"an activation link": links + tokens}

    logs = "\n".join(
        f"{record.name}: {record.getMessage()} {record.args!r}" for record in caplog.records
    )
    assert len(caplog.records) > 5  # the logs were captured
    assert tasks
    assert all(task[1] == [run.pk] for task in tasks)
    stored = json.dumps(
        [
            list(SyncRun.objects.values()),
            list(SyncChange.objects.values()),
        ],
        default=str,
    )
    places = {"the logs": logs, "the Celery tasks' arguments": json.dumps(tasks), "runs": stored}
    leaks = [
        f"{what} in {where}"
        for where, text in places.items()
        for what, values in secrets.items()
        for value in values
        if found(value, text)
    ]
    assert leaks == []
    assert ESTAB in stored  # what the search looks through is the stored data


def test_the_search_finds_leaks_and_not_chance_digits():
    assert found(PIN, f"pupil PinP signed in with {PIN}")
    assert found(PIN, f"INSERT ... VALUES ('PinP', '{PIN}')")
    assert found("owl42", "new password: owl42.")
    assert found("test-secret-1", "secret=test-secret-1&estab=8231234")
    assert not found(PIN, f"gAAAAABnX2Rk{PIN}aZ_bQxVw-0sT1vUkLmNoPq")  # inside a Fernet token
    assert not found(PIN, f"estab 8{PIN}12 at 2026-12-02")  # inside a longer number
