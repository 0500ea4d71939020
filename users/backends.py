"""Sign-in by username within a school: usernames are unique per school, not globally."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import School, User


class SchoolUsernameBackend(ModelBackend):
    """Authenticates `username` (any case) at `school`, or a support account when no school."""

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
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and user.archived_at is None
