"""Celery tasks of the sync. Each is thin: load by id, call one service, record."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="wizard.ping")
def ping(value: str) -> str:
    """Answers with what it was sent: proves a worker is consuming the broker's queue."""
    return f"pong: {value}"
