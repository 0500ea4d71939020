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

    Every try with a password costs the same: one hash at Django's full cost and one at
    the pupil cost, whether the username is unknown, a pupil's (cheap hash) or staff's
    (full hash). Without that, a pupil's cheap check would answer in a millisecond where
    any other username takes a full hash, and the time taken would tell which usernames
    are pupils'.

    A try from the picture pad (`pad=True`) costs one pupil-cost hash only. The page
    offers the pad only to a picture-PIN account or to an unknown username given a decoy
    pad (users/views/signin.py), and both cost the same: one cheap hash. Staff never reach
    the pad. A full-cost hash there would protect nothing, and it would make every
    pupil's sign-in cost a quarter of a second of CPU: a whole school signing in at the
    start of a lesson would queue for minutes (see bench_sign_in).
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        school: School | None = None,
        pad: bool = False,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = User.objects.filter(school=school, username__iexact=username).first()
        if user is None:
            if not pad:
                make_password(password)
            hash_pupil_password(password)
            return None
        right = user.check_password(password)
        if not user.password.startswith(f"{PupilPasswordHasher.algorithm}$"):
            hash_pupil_password(password)
        elif not pad:
            make_password(password)  # the full-cost hash a staff check would have cost
        if right and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and user.archived_at is None
