"""System checks of the typed settings: bad configuration fails at start (`check`,
`runserver`, `migrate`, every management command and the Celery worker), in words that say
how to fix it, instead of a traceback or a run stuck half-way later."""

from __future__ import annotations

import binascii
import ipaddress
from collections.abc import Iterable
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.utils.module_loading import autodiscover_modules

BAD_CREDENTIALS_KEY = (
    "CREDENTIALS_KEY is not a usable key: it must be 32 random bytes in url-safe base64 "
    "(44 characters ending in '='). Make one with: python -c \"from cryptography.fernet "
    'import Fernet; print(Fernet.generate_key().decode())"'
)
NOT_POSITIVE = "{name} must be a whole number of at least {least}, not {value!r}."
HARD_LIMIT_TOO_SHORT = (
    "CELERY_TASK_TIME_LIMIT ({hard}) must be more than CELERY_TASK_SOFT_TIME_LIMIT ({soft}), "
    "so that a task asked to stop has time to record why before it is killed."
)
VISIBILITY_TOO_SHORT = (
    "CELERY_VISIBILITY_TIMEOUT ({timeout}) must be more than the longest task time limit "
    "({limit} s), or a task still running would be handed to a second worker. "
    "Leave it unset (the time limit plus 300 s) or raise it."
)
NOT_A_URL = "{name} must be an http:// or https:// address with a host name, not {value!r}."
NOT_AN_ADDRESS = (
    "DEFAULT_FROM_EMAIL must be an email address, optionally with a name "
    "(MIS Sync Wizard <no-reply@example.org>), not {value!r}."
)
EMPTY = "{name} must not be empty."
NOT_A_NETWORK = (
    "FORWARDED_ALLOW_IPS must list proxies' addresses or networks (10.0.0.0/8), or *, "
    "separated by commas: {value!r} is none of these."
)

# The typed numbers and the least each may be.
LEAST = {
    "CELERY_TASK_SOFT_TIME_LIMIT": 1,
    "CELERY_TASK_TIME_LIMIT": 1,
    "CELERY_VISIBILITY_TIMEOUT": 1,
    "SNAPSHOT_RETENTION_DAYS": 1,
    "XOD_TIMEOUT_SECONDS": 1,
    "SECURE_HSTS_SECONDS": 0,
    "SYNC_HASHING_THREADS": 0,
}
URLS = ("SITE_URL", "XOD_BASE_URL", "XOD_TOKEN_URL")


@register()
def settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    errors += _credentials_key()
    errors += _numbers()
    errors += _urls()
    errors += _email_sender()
    errors += _trusted_proxies()
    if not settings.XOD_RELYING_PARTY.strip():
        errors.append(Error(EMPTY.format(name="XOD_RELYING_PARTY"), id="purplemash.E006"))
    return errors


def _credentials_key() -> list[CheckMessage]:
    try:
        Fernet(settings.CREDENTIALS_KEY.encode())
    except (ValueError, binascii.Error):
        return [Error(BAD_CREDENTIALS_KEY, id="purplemash.E001")]
    return []


def _numbers() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name, least in LEAST.items():
        value = getattr(settings, name, least)
        if not isinstance(value, int) or value < least:
            message = NOT_POSITIVE.format(name=name, least=least, value=value)
            errors.append(Error(message, id="purplemash.E002"))
    if errors:
        return errors
    soft, hard = settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT
    if hard <= soft:
        message = HARD_LIMIT_TOO_SHORT.format(hard=hard, soft=soft)
        errors.append(Error(message, id="purplemash.E003"))
    limit = _longest_task_time_limit()
    if limit >= settings.CELERY_VISIBILITY_TIMEOUT:
        message = VISIBILITY_TOO_SHORT.format(
            timeout=settings.CELERY_VISIBILITY_TIMEOUT, limit=limit
        )
        errors.append(Error(message, id="purplemash.E004"))
    return errors


def _longest_task_time_limit() -> int:
    """The longest hard time limit of any task: its own, or the default one."""
    from purplemash.celery import app

    # What Celery's autodiscovery imports (not through Celery: its Django fixup runs the
    # system checks when modules are imported, which would call this check again).
    autodiscover_modules("tasks")
    default: int = settings.CELERY_TASK_TIME_LIMIT
    return max(task.time_limit or default for task in app.tasks.values())


def _urls() -> Iterable[CheckMessage]:
    for name in URLS:
        value = getattr(settings, name)
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            yield Error(NOT_A_URL.format(name=name, value=value), id="purplemash.E005")


def _email_sender() -> list[CheckMessage]:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    local, _at, domain = address.partition("@")
    if not (local and domain):
        message = NOT_AN_ADDRESS.format(value=settings.DEFAULT_FROM_EMAIL)
        return [Error(message, id="purplemash.E007")]
    return []


def _trusted_proxies() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for entry in settings.TRUSTED_PROXIES:
        try:
            if entry != "*":
                ipaddress.ip_network(entry, strict=False)
        except ValueError:
            errors.append(Error(NOT_A_NETWORK.format(value=entry), id="purplemash.E008"))
    return errors
