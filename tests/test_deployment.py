"""The production shape (Dockerfile and docker-compose.yml) starts every process it needs
from one image, with nothing installed at start, and the web command really serves."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.db import connection

from tests.test_settings import PRODUCTION
from tests.worker import ROOT, worker_env
from wizard.bench import free_port

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
INSTALLS_AT_START = re.compile(r"\b(pip|apt-get|apt)\b")


def _instructions(name: str) -> list[str]:
    """The Dockerfile's instructions called `name`, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [line for line in joined.splitlines() if line.startswith(f"{name} ")]


def _command(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    assert isinstance(command, list), f"{service}: give the command as a list"
    return command


def test_compose_runs_the_database_broker_web_workers_and_beat():
    assert set(SERVICES) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert _command("web")[:2] == ["gunicorn", "purplemash.wsgi"]
    assert _command("worker")[:4] == ["celery", "-A", "purplemash", "worker"]
    assert _command("beat")[:4] == ["celery", "-A", "purplemash", "beat"]
    assert _command("migrate") == ["python", "manage.py", "migrate", "--noinput"]
    assert SERVICES["worker"]["deploy"]["replicas"] >= 2
    for service in ("web", "worker", "beat", "migrate"):
        assert SERVICES[service]["build"] == "."
        assert SERVICES[service]["environment"]["DEBUG"] == "0"
        assert SERVICES[service]["environment"]["REDIS_URL"].startswith("redis://redis:")
    for service in ("web", "worker", "beat"):
        assert SERVICES[service]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_compose_has_health_checks():
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(SERVICES["db"]["healthcheck"]["test"])
    assert "ping" in " ".join(SERVICES["redis"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(SERVICES["worker"]["healthcheck"]["test"])


def test_nothing_is_installed_when_a_container_starts():
    for name, service in SERVICES.items():
        command = " ".join(service.get("command", []))
        assert not INSTALLS_AT_START.search(command), f"{name} installs at start: {command}"
    starts = _instructions("CMD") + _instructions("ENTRYPOINT")
    assert starts, "the Dockerfile says what a container runs"
    for line in starts:
        assert not INSTALLS_AT_START.search(line), line


def test_the_image_has_the_fonts_and_libraries_login_cards_need():
    assert _instructions("FROM") == ["FROM python:3.11-slim-bookworm"]
    installs = " ".join(line for line in _instructions("RUN") if "apt-get install" in line)
    for package in (
        "fonts-noto-core",
        "fonts-wqy-microhei",
        "fonts-dejavu-core",
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz0b",
    ):
        assert re.search(rf"\s{re.escape(package)}\s", installs), package
    assert any("pip install -r requirements.txt" in line for line in _instructions("RUN"))
    requirements = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^gunicorn==", requirements, re.MULTILINE)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_web_command_serves_the_health_check_with_production_settings(tmp_path: Path):
    port = free_port()
    env = worker_env(
        **{**PRODUCTION, "ALLOWED_HOSTS": "localhost"},
        DATABASE_URL=_database_url(),
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        VAR_DIR=str(tmp_path),
    )
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        # The venv's gunicorn, as the image's is on its PATH.
        gunicorn, *arguments = _command("web")
        web = subprocess.Popen(
            [str(Path(sys.executable).with_name(gunicorn)), *arguments],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        body = _get_when_up(f"http://localhost:{port}/healthz", web, log)
        # The styles and the picture pad's script, served by the app with DEBUG off.
        styles = _get_when_up(f"http://localhost:{port}/static/css/site.css", web, log)
        script = _get_when_up(f"http://localhost:{port}/static/js/signin.js", web, log)
    finally:
        web.terminate()
        web.wait(timeout=30)
    assert body == b'{"status": "ok"}'
    assert styles == (ROOT / "static/css/site.css").read_bytes()
    assert script == (ROOT / "static/js/signin.js").read_bytes()


def _get_when_up(url: str, web: subprocess.Popen[bytes], log: Path) -> bytes:
    """GET `url` as the compose health check does (through an HTTPS proxy)."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert web.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return bytes(response.read())
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"gunicorn did not answer:\n{log.read_text()}")
