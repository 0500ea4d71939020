"""Settings come from the environment, fail loudly, and are production-safe when DEBUG=0."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from purplemash.env import env_bool, env_int
from purplemash.settings import NO_EMAIL_URL
from tests.worker import ROOT, run_client, worker_env

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "production-like-secret-key-0123456789",
    "CREDENTIALS_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "sync.example.org",
    "EMAIL_URL": "smtp://mailer:pw@mail.example.org:587",
}


def _manage(*args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=worker_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_http_only_and_headers_are_set():
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_SSL_REDIRECT",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
        "SECURE_HSTS_SECONDS",
    ]
    code = f"from django.conf import settings; print([getattr(settings, n) for n in {names!r}])"
    env = worker_env(**PRODUCTION, DJANGO_SETTINGS_MODULE="purplemash.settings")
    printed = run_client(code, env).strip()
    assert printed == "[True, True, True, True, True, True, 'same-origin', 'DENY', 31536000]"
    middleware = "from django.conf import settings; print(settings.MIDDLEWARE)"
    assert "purplemash.security.SecurityHeadersMiddleware" in run_client(middleware, env)


def test_debug_off_without_secret_key_refuses_to_start():
    result = _manage("check", **{**PRODUCTION, "SECRET_KEY": None})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_database_url_switches_to_postgresql():
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = worker_env(DATABASE_URL="postgres://postgres@127.0.0.1:5432/anything")
    assert run_client(code, env).strip() == "django.db.backends.postgresql"
    assert run_client(code, worker_env(DATABASE_URL=None)).strip().endswith("sqlite3")


def test_email_url_switches_to_smtp():
    code = (
        "from django.conf import settings; "
        "print(settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)"
    )
    env = worker_env(EMAIL_URL="smtp://mailer:pw@mail.example.org:587")
    assert run_client(code, env).split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.org",
        "587",
    ]


def test_without_email_url_development_writes_emails_to_files_in_var(tmp_path):
    code = (
        "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)"
    )
    env = worker_env(EMAIL_URL=None, DEBUG="1", VAR_DIR=str(tmp_path))
    assert run_client(code, env).split() == [
        "django.core.mail.backends.filebased.EmailBackend",
        str(tmp_path / "emails"),
    ]


def test_debug_off_without_email_url_refuses_to_start():
    result = _manage("check", **{**PRODUCTION, "EMAIL_URL": None})
    assert result.returncode != 0
    assert NO_EMAIL_URL in result.stderr


def test_bad_values_fail_loudly(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be 1 or 0"):
        env_bool("SOME_FLAG")
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("SOME_NUMBER", 1)
