"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered."""

from __future__ import annotations

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "purplemash.settings")

WORKER_REFUSED = "The worker cannot start until these settings are fixed:"

app = Celery("purplemash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """kombu's filesystem transport needs its folders to exist before the first message."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)
    backend = str(sender.conf.result_backend or "")
    if backend.startswith("file://"):
        os.makedirs(backend.removeprefix("file://"), exist_ok=True)


@signals.worker_init.connect
def _refuse_bad_configuration(**kwargs: object) -> None:
    """A worker does not start on settings that the system checks refuse (Celery runs the
    checks at start but ignores what they find). CELERY_SKIP_CHECKS, Celery's own switch
    for its checks, skips these too."""
    from django.core.checks import run_checks

    if os.environ.get("CELERY_SKIP_CHECKS"):
        return

    serious = [message for message in run_checks() if message.is_serious()]
    if serious:
        raise SystemExit("\n".join([WORKER_REFUSED, *map(str, serious)]))
