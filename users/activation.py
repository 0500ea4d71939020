"""Staff activation: an email with a link to set their own password.

The link is Django's password-reset token: it is valid for PASSWORD_RESET_TIMEOUT (3
days) and stops working once the password is set, because the token covers the hash.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from users.models import User

logger = logging.getLogger(__name__)

SUBJECT = "Your account at {school}: set your password"


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
        {"user": user, "school": school, "link": activation_link(user), "days": 3},
    )
    return EmailMessage(SUBJECT.format(school=school), body, to=[user.email])
