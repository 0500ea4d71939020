"""`{% account_lock account as lock %}`: the lock on an account's login now, or None."""

from __future__ import annotations

from django import template

from users import lockout
from users.models import AccountLock, User

register = template.Library()


@register.simple_tag
def account_lock(account: User) -> AccountLock | None:
    return lockout.lock_of(account)
