"""Bad configuration fails at start, in words that say how to fix it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from purplemash import checks
from purplemash.celery import WORKER_REFUSED
from tests.worker import ROOT, celery_worker, worker_env

SHORT_VISIBILITY = checks.VISIBILITY_TOO_SHORT.format(timeout=60, limit=660)


def test_the_default_settings_pass_the_checks():
    call_command("check")


def test_an_invalid_credentials_key_fails_check_in_words(settings):
    settings.CREDENTIALS_KEY = "not-a-key"
    with pytest.raises(SystemCheckError, match="CREDENTIALS_KEY is not a usable key") as error:
        call_command("check")
    assert checks.BAD_CREDENTIALS_KEY in str(error.value)


def _too_small(name: str, least: int, value: int) -> str:
    return checks.NOT_POSITIVE.format(name=name, least=least, value=value)


def _not_a_url(name: str, value: str) -> str:
    return checks.NOT_A_URL.format(name=name, value=value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SNAPSHOT_RETENTION_DAYS", 0, _too_small("SNAPSHOT_RETENTION_DAYS", 1, 0)),
        ("XOD_TIMEOUT_SECONDS", -5, _too_small("XOD_TIMEOUT_SECONDS", 1, -5)),
        ("CELERY_TASK_SOFT_TIME_LIMIT", 0, _too_small("CELERY_TASK_SOFT_TIME_LIMIT", 1, 0)),
        (
            "CELERY_TASK_SOFT_TIME_LIMIT",
            700,
            checks.HARD_LIMIT_TOO_SHORT.format(hard=660, soft=700),
        ),
        ("CELERY_VISIBILITY_TIMEOUT", 60, SHORT_VISIBILITY),
        ("SITE_URL", "sync.example.org", _not_a_url("SITE_URL", "sync.example.org")),
        ("XOD_BASE_URL", "ftp://xod.example", _not_a_url("XOD_BASE_URL", "ftp://xod.example")),
        ("XOD_TOKEN_URL", "https://", _not_a_url("XOD_TOKEN_URL", "https://")),
        ("XOD_RELYING_PARTY", " ", checks.EMPTY.format(name="XOD_RELYING_PARTY")),
        ("DEFAULT_FROM_EMAIL", "Sync Wizard", checks.NOT_AN_ADDRESS.format(value="Sync Wizard")),
        (
            "TRUSTED_PROXIES",
            ["10.0.0.1", "proxy.local"],
            checks.NOT_A_NETWORK.format(value="proxy.local"),
        ),
    ],
)
def test_each_typed_setting_is_checked(settings, name, value, message):
    setattr(settings, name, value)
    with pytest.raises(SystemCheckError) as error:
        call_command("check")
    assert message in str(error.value)


def test_manage_py_check_refuses_an_invalid_credentials_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=worker_env(CREDENTIALS_KEY="not-a-key"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert checks.BAD_CREDENTIALS_KEY in result.stderr


@pytest.mark.worker
def test_a_worker_does_not_start_with_an_invalid_credentials_key(tmp_path):
    env = worker_env(CREDENTIALS_KEY="not-a-key", REDIS_URL=None, VAR_DIR=str(tmp_path))
    with (
        pytest.raises(RuntimeError, match="exited early") as error,
        celery_worker(env, tmp_path / "worker.log"),
    ):
        pass
    assert WORKER_REFUSED in str(error.value)
    assert checks.BAD_CREDENTIALS_KEY in str(error.value)
