"""Sign-in by username within a school: usernames are unique per school, not globally."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest

from .credentials import PupilPasswordHasher, hash_pupil_password
from .models import School, User


class SchoolUsernameBackend(ModelBackend):
    """Authenticates `username` (any case) at `school`, or a support account when no school.

    Every try costs the same: one hash at Django's full cost and one at the pupil cost,
    whether the username is unknown, a pupil's (cheap hash) or staff's (full hash). Without
    that, a pupil's cheap check would answer in a millisecond where any other username
    takes a full hash, and the time taken would tell which usernames are pupils'.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        school: School | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = User.objects.filter(school=school, username__iexact=username).first()
        if user is None:
            make_password(password)
            hash_pupil_password(password)
            return None
        right = user.check_password(password)
        if user.password.startswith(f"{PupilPasswordHasher.algorithm}$"):
            make_password(password)  # the full-cost hash a staff check would have cost
        else:
            hash_pupil_password(password)
        if right and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and user.archived_at is None
