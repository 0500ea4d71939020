"""gunicorn's settings for the web app (`gunicorn purplemash.wsgi -c purplemash/gunicorn.py`),
read from the environment like the rest of the settings.

    PORT, HOST           where to listen (default 0.0.0.0:8000)
    WEB_CONCURRENCY      worker processes (default: two per core, plus one)
    WEB_THREADS          threads per worker process (default 4)
    FORWARDED_ALLOW_IPS  proxies trusted to set X-Forwarded-For/-Proto (default 127.0.0.1,::1):
                         the sign-in lockout counts wrong tries per client address
    TLS_CERTFILE, TLS_KEYFILE  serve HTTPS directly (the load test does; a deployment
                         usually terminates TLS at its proxy)
"""

from __future__ import annotations

import multiprocessing
import os
import ssl
from collections.abc import Callable
from typing import Any

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads, not gunicorn's default single-request workers: a slow client (a school's busy
# network, or a proxy that does not buffer) then holds a thread, not a whole worker. With
# sync workers the sign-in load test spent 20 s waiting to be accepted while the workers
# sat idle waiting on clients (docs/performance.md).
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# Seconds an idle connection stays open for the browser's next request: longer than a
# pupil takes between the username and the pictures, so that a client seldom reuses a
# connection the server has just closed (a POST on it fails, and is not retried).
keepalive = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# A sign-in is fast; a class's login cards (a PDF) may take a few seconds.
timeout = 60
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
# No control socket (gunicornc, unused here): by default every gunicorn of a user shares
# one at ~/.gunicorn/gunicorn.ctl, so a second server (the load test beside bin/serve)
# takes the first one's, and a container's user may have no home to put it in.
control_socket_disable = True
certfile = os.environ.get("TLS_CERTFILE") or None
keyfile = os.environ.get("TLS_KEYFILE") or None

_tls_contexts: list[ssl.SSLContext] = []


def ssl_context(
    conf: Any, default_ssl_context_factory: Callable[[], ssl.SSLContext]
) -> ssl.SSLContext:
    """One TLS context per worker process, made at its first connection. gunicorn's
    default makes a new one for every connection, reading the certificate and key files
    again: a millisecond of CPU for each new device, when a whole school signs in at once.
    (A renewed certificate is read when the workers restart, e.g. on `kill -HUP`.)"""
    if not _tls_contexts:
        _tls_contexts.append(default_ssl_context_factory())
    return _tls_contexts[0]
