"""`mis_sync --json` prints one JSON object and nothing else, as a user's shell sees it;
activation emails go to files in VAR_DIR/emails/, never to stdout or a log."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.db import connection

from tests.wizard.school_data import ESTAB, RELYING_PARTY
from tests.worker import ROOT, worker_env
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _mis_sync_json(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "mis_sync", "--estab", ESTAB, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_json_output_is_the_whole_stdout_and_emails_go_to_var(school, tmp_path):
    env = worker_env(
        DATABASE_URL=_database_url(),
        VAR_DIR=str(tmp_path),
        XOD_RELYING_PARTY=RELYING_PARTY,
        EMAIL_URL=None,
        DEBUG="1",
    )
    result = _mis_sync_json(env)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "applied"
    assert report["counts"]["new_staff"] == 2
    assert User.objects.filter(school=school, role=User.Role.STAFF).count() == 2
    emails = "".join(path.read_text() for path in (tmp_path / "emails").iterdir())
    assert emails.count("Subject: Your account at Test Primary School") == 2
    assert "To: estone@school.example" in emails
    assert "/activate/" in emails
    assert "/activate/" not in result.stdout + result.stderr

    # Nothing new to send: no empty email file either.
    again = _mis_sync_json(env)
    assert json.loads(again.stdout)["counts"]["new_staff"] == 0
    assert len(list((tmp_path / "emails").iterdir())) == 1
