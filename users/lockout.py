"""Locking a login after wrong tries, and throttling an address that tries too many.

A picture PIN has 100 or 10,000 values and pupils' hashes are cheap (see
PupilPasswordHasher), so what protects a pupil is that nobody can try many PINs:

- a login (school and username) is locked for LOCK_MINUTES after ACCOUNT_FAILURE_LIMIT
  wrong tries within LOCK_MINUTES; its teacher or a school administrator can unlock it;
- an address is refused for a while after ADDRESS_FAILURE_LIMIT wrong tries within
  LOCK_MINUTES, whatever the usernames, so that one machine cannot try four PINs on each
  pupil of a class. A school's devices usually share one public address, so this limit is
  well above what a class of young children mistyping produces.

A login is counted by the username typed, whether or not an account has it: an unknown
username locks exactly as a real one does, so the lock says nothing about existence.
Django admin's sign-in (support staff, users/admin.py) is guarded the same way, its logins
and tries recorded with no school.

Why not django-axes: it has one failure limit for every lockout parameter (an address
would be locked after as few wrong tries as an account, which would lock out a whole
school behind one address), it identifies a login by a single username field while ours
are unique only within a school, and its lockout response is one site-wide page while
ours names the school and who can help. The recorder below is two small models
(SignInAttempt, AccountLock) and a few queries.
"""

from __future__ import annotations

import functools
import ipaddress
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from users.models import AccountLock, School, SignInAttempt, User

ACCOUNT_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 30
LOCK_MINUTES = 15
# Tries and locks are kept this long, for staff and support to see what happened.
RECORD_DAYS = 30

LOCKED = (
    "This login is locked for 15 minutes after five wrong tries. "
    "Your teacher or the school office can unlock it now."
)
THROTTLED = (
    "Too many wrong tries from this computer or network. Wait 15 minutes and try again, "
    "or ask the school office for help."
)

Outcome = SignInAttempt.Outcome


def login_key(username: str) -> str:
    """Usernames are unique per school regardless of case."""
    return username.strip().lower()


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from: its own (REMOTE_ADDR), or, when that is a
    trusted proxy's (settings.TRUSTED_PROXIES), the nearest address in X-Forwarded-For
    that is not a trusted proxy's. Addresses further left were written by the client and
    may be made up; a header that is not a list of addresses is ignored."""
    peer = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if peer is None or not forwarded or not _trusted_proxy(_address(peer)):
        return peer
    hops = [_address(hop.strip()) for hop in forwarded.split(",")]
    if None in hops:
        return peer
    nearest = next((hop for hop in reversed(hops) if not _trusted_proxy(hop)), hops[0])
    return str(nearest)


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted_proxy(address: Address | None) -> bool:
    return address is not None and any(
        network == "*" or address in network
        for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    )


@functools.cache
def _trusted_networks(
    entries: tuple[str, ...],
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network | str]:
    return [
        entry if entry == "*" else ipaddress.ip_network(entry, strict=False) for entry in entries
    ]


def current_lock(school: School | None, username: str) -> AccountLock | None:
    return (
        AccountLock.objects.filter(
            school=school,
            username=login_key(username),
            until__gt=timezone.now(),
            unlocked_at__isnull=True,
        )
        .order_by("-until")
        .first()
    )


def address_throttled(address: str | None) -> bool:
    if address is None:
        return False
    since = timezone.now() - timedelta(minutes=LOCK_MINUTES)
    wrong = SignInAttempt.objects.filter(ip_address=address, outcome=Outcome.WRONG, at__gt=since)
    return wrong.count() >= ADDRESS_FAILURE_LIMIT


def refusal(school: School | None, username: str, address: str | None) -> str:
    """The message refusing a try before any password is checked, or "" to go on."""
    if address_throttled(address):
        return THROTTLED
    if current_lock(school, username):
        return LOCKED
    return ""


def refusal_recorded(school: School | None, username: str, address: str | None) -> str:
    """As `refusal`; a refused try is recorded (locked, or throttled)."""
    refused = refusal(school, username, address)
    if refused:
        outcome = Outcome.THROTTLED if refused == THROTTLED else Outcome.LOCKED
        record(school, username, address, outcome)
    return refused


def record(
    school: School | None,
    username: str,
    address: str | None,
    outcome: str,
    account: User | None = None,
) -> None:
    """Records a try; after the ACCOUNT_FAILURE_LIMITth wrong one, locks the login."""
    key, now = login_key(username), timezone.now()
    attempt = SignInAttempt(
        school=school,
        username=key,
        account=account or _account(school, key),
        ip_address=address,
        outcome=outcome,
        at=now,
    )
    if outcome != Outcome.WRONG:
        # One row, nothing to count: no transaction to open (a whole school signing in
        # makes a thousand of these in a minute).
        attempt.save()
        return
    with transaction.atomic():
        attempt.save()
        if _wrong_tries(school, key) >= ACCOUNT_FAILURE_LIMIT:
            AccountLock.objects.create(
                school=school,
                username=key,
                account=account or _account(school, key),
                locked_at=now,
                until=now + timedelta(minutes=LOCK_MINUTES),
            )


def _wrong_tries(school: School | None, key: str) -> int:
    """Wrong tries since the last of: LOCK_MINUTES ago, the last sign-in, the last unlock."""
    starts = [timezone.now() - timedelta(minutes=LOCK_MINUTES)]
    attempts = SignInAttempt.objects.filter(school=school, username=key)
    if signed_in := attempts.filter(outcome=Outcome.SIGNED_IN).order_by("-at").first():
        starts.append(signed_in.at)
    if unlocked := _last_unlock(school, key):
        starts.append(unlocked)
    return attempts.filter(outcome=Outcome.WRONG, at__gt=max(starts)).count()


def _last_unlock(school: School | None, key: str) -> datetime | None:
    lock = (
        AccountLock.objects.filter(school=school, username=key, unlocked_at__isnull=False)
        .order_by("-unlocked_at")
        .first()
    )
    return lock.unlocked_at if lock else None


def _account(school: School | None, key: str) -> User | None:
    return User.objects.filter(school=school, username__iexact=key).first()


def lock_of(account: User) -> AccountLock | None:
    """The lock on `account` now, if any (for its page and its teacher's)."""
    if account.school is None:
        return None
    return current_lock(account.school, account.username)


def unlock(account: User, by: User) -> bool:
    """Lifts the locks on `account`'s login; False if it was not locked."""
    assert account.school is not None
    lifted = AccountLock.objects.filter(
        school=account.school,
        username=login_key(account.username),
        until__gt=timezone.now(),
        unlocked_at__isnull=True,
    ).update(unlocked_at=timezone.now(), unlocked_by=by)
    return lifted > 0


def locked_accounts(school: School, accounts: list[User]) -> list[User]:
    """Those of `accounts` (`school`'s) whose login is locked now."""
    keys = {login_key(account.username): account for account in accounts}
    locked = AccountLock.objects.filter(
        school=school,
        username__in=keys,
        until__gt=timezone.now(),
        unlocked_at__isnull=True,
    ).values_list("username", flat=True)
    return sorted({keys[key] for key in locked}, key=lambda a: (a.surname, a.forename))


def records_forget(days: int = RECORD_DAYS) -> int:
    """Deletes tries and locks older than `days` (they name pupils and addresses); returns
    how many rows went."""
    cutoff = timezone.now() - timedelta(days=days)
    attempts, _ = SignInAttempt.objects.filter(at__lt=cutoff).delete()
    locks, _ = AccountLock.objects.filter(until__lt=cutoff).delete()
    return attempts + locks
