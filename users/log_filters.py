"""Keeps staff activation links out of logs: whoever reads a log must not be able to set
a member of staff's password."""

from __future__ import annotations

import logging
import re

# /activate/<uid>/<token>/ as users/urls.py routes it (the token is what must not leak).
ACTIVATION_PATH = re.compile(r"/activate/[^/\s]+/[^/\s]+/")
HIDDEN = "/activate/(hidden)/"


class HideActivationLinks(logging.Filter):
    """Replaces the uid and token of any activation link in a record by "(hidden)"."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if ACTIVATION_PATH.search(message):
            record.msg = ACTIVATION_PATH.sub(HIDDEN, message)
            record.args = None
        return True
