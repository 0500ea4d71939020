"""Staff activation: an email with a link to set their own password.

The link is Django's password-reset token: it is valid for PASSWORD_RESET_TIMEOUT (3
days) and stops working once the password is set, because the token covers the hash.
The same link serves staff who have forgotten their password (users/views/activation.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from users.models import User

logger = logging.getLogger(__name__)

SUBJECT = "Your account at {school}: set your password"


EXPIRED, USED, INVALID = "expired", "used", "invalid"


def activation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("users:activate", args=[uid, token])


def activation_emails_send(users: list[User]) -> int:
    """Sends one activation email to each user with an address; returns how many went.
    One address the mail server refuses never stops the others: it is logged."""
    recipients = [user for user in users if user.email]
    if not recipients:
        return 0  # no mail server connection (in development, no empty email file)
    sent = 0
    with get_connection() as connection:
        for user in recipients:
            try:
                sent += connection.send_messages([_message(user)]) or 0
            except Exception:
                logger.exception("The activation email to account %s could not be sent", user.pk)
    return sent


def _message(user: User) -> EmailMessage:
    school = user.school.name if user.school else "the school"
    body = render_to_string(
        "users/activation_email.txt",
        {
            "user": user,
            "school": school,
            "link": activation_link(user),
            "days": 3,
            "sign_in": _sign_in_url(user),
        },
    )
    return EmailMessage(SUBJECT.format(school=school), body, to=[user.email])


def _sign_in_url(user: User) -> str:
    if user.school is None:
        return ""
    return settings.SITE_URL + reverse("users:sign_in", args=[user.school.slug])


class _TokenAsMade(PasswordResetTokenGenerator):
    """Checks a token as at the moment it was made, so age alone never fails it."""

    def __init__(self, made_at: int) -> None:
        super().__init__()
        self.made_at = made_at

    def _now(self) -> datetime:
        return datetime(2001, 1, 1) + timedelta(seconds=self.made_at)


def link_state(user: User | None, token: str) -> str:
    """Why a link that did not work failed, in words a page can explain: EXPIRED (made
    for this account as it is now, but too old: a new one may be sent to it), USED (the
    account has a password already: the link was used, or the password set since) or
    INVALID (not a whole link, or for no account)."""
    if user is None:
        return INVALID
    try:
        made_at = base36_to_int(token.split("-")[0])
    except ValueError:
        return INVALID
    if _TokenAsMade(made_at).check_token(user, token):
        return EXPIRED
    return USED if user.has_usable_password() else INVALID


def may_renew(user: User | None, token: str) -> bool:
    """Whether a new link may be sent to `user` on the strength of `token`: an expired
    link of an active member of staff who has not set a password yet."""
    return (
        user is not None
        and user.role != User.Role.PUPIL
        and user.is_active
        and not user.is_archived
        and link_state(user, token) == EXPIRED
        and not user.has_usable_password()
    )
