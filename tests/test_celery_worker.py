"""A task sent to the broker is consumed by a real worker process and its result returns."""

from __future__ import annotations

import os

import pytest

from tests.worker import celery_worker, run_client, worker_env

pytestmark = pytest.mark.worker

SEND_PING = "from wizard.tasks import ping; print(ping.delay('hello').get(timeout=45))"


def test_worker_on_the_embedded_filesystem_broker(tmp_path):
    env = worker_env(
        REDIS_URL=None, VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="purplemash.settings"
    )
    with celery_worker(env, tmp_path / "worker.log"):
        assert run_client(SEND_PING, env).strip() == "pong: hello"
    assert (tmp_path / "celery" / "queue").is_dir()


@pytest.mark.skipif(
    not (os.environ.get("REDIS_URL") or os.environ.get("CI")),
    reason="needs REDIS_URL (CI sets it)",
)
def test_worker_on_redis(tmp_path):
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    env = worker_env(
        REDIS_URL=redis_url, VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="purplemash.settings"
    )
    with celery_worker(env, tmp_path / "worker.log") as worker:
        assert run_client(SEND_PING, env).strip() == "pong: hello"
        assert worker.poll() is None
    log = (tmp_path / "worker.log").read_text()
    assert "redis://" in log
    assert "wizard.ping" in log


def test_settings_choose_the_broker_from_redis_url():
    code = "from django.conf import settings; print(settings.CELERY_BROKER_URL)"
    assert run_client(code, worker_env(REDIS_URL=None)).strip() == "filesystem://"
    url = "redis://127.0.0.1:6379/3"
    assert run_client(code, worker_env(REDIS_URL=url)).strip() == url
