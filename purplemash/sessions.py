"""Django's database sessions, written once when someone signs in on a new device.

When a whole school signs in at the start of a lesson, every pupil is on a device without
a session. Django's `login()` then moves the (empty) session to a new key: the database
backend checks that a random key is unused (a SELECT), stores the empty session under it
(an INSERT), and at the end of the request stores it again with the signed-in person in it
(an UPDATE). Here a session that has no key yet gets its new key when it is first saved,
at the end of the request: one INSERT. A session that has a key is moved to a new one as
Django does, so a key planted before signing in never becomes a signed-in one.

The key is not looked up before it is used: it is 32 random characters, and should one
ever be taken already, the INSERT fails on the unique key and Django tries a new one.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def cycle_key(self) -> None:
        # Loading drops a key that the database does not know (one a client made up).
        self._get_session()  # type: ignore[attr-defined]  # (not in django-stubs)
        if self.session_key is None:
            self.modified = True
            return
        super().cycle_key()

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)
