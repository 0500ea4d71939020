"""Staff activation links never reach a log."""

from __future__ import annotations

import logging

from users.log_filters import HIDDEN, HideActivationLinks

LINK_PATH = "/activate/MTU/diy6n0-e5d0599fde5f016e20d2a890a892b1cb/"


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_development_server_logs_an_activation_request_without_its_token():
    server = logging.getLogger("django.server")
    keep = Keep()
    server.addHandler(keep)
    try:
        # As django.core.servers.basehttp logs a request.
        server.info('"%s" %s %s', f"GET {LINK_PATH} HTTP/1.1", "302", "0")
        server.info('"%s" %s %s', "GET /admin/ HTTP/1.1", "200", "1234")
    finally:
        server.removeHandler(keep)
    assert keep.lines == [f'"GET {HIDDEN} HTTP/1.1" 302 0', '"GET /admin/ HTTP/1.1" 200 1234']


def test_the_root_handler_hides_activation_links_in_any_log_line():
    [handler] = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, HideActivationLinks) for f in h.filters)
    ]
    record = logging.LogRecord(
        "users", logging.ERROR, __file__, 1, "Link: %s", (f"http://x{LINK_PATH}",), None
    )
    assert handler.filter(record)
    assert record.getMessage() == f"Link: http://x{HIDDEN}"
