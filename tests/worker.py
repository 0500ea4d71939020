"""Start a real Celery worker process for tests where the worker is the point."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Tests of row locks, killed workers and many schools at once need PostgreSQL (CI sets
# DATABASE_URL); SQLite, the zero-setup default, has no row locks.
needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (CI sets DATABASE_URL)",
)
CELERY = Path(sys.executable).with_name("celery")


def worker_env(**overrides: str | None) -> dict[str, str]:
    """The environment of this test run, with `overrides` set (None removes a variable)."""
    env = dict(os.environ)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@contextmanager
def celery_worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Runs `celery worker` until the block ends; waits until it is ready to consume."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "purplemash",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(process, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_ready(process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "ready." in text:
            return
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited early:\n{text}")
        time.sleep(0.2)
    raise RuntimeError(f"The Celery worker was not ready within {seconds}s:\n{log.read_text()}")


def run_client(code: str, env: dict[str, str], timeout: float = 60) -> str:
    """Runs `code` in a fresh Django process with `env`; returns what it printed."""
    prelude = "import django; django.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
