"""Symmetric encryption for secrets kept at rest (XoD school secrets, printable pupil
passwords), with the key from settings.CREDENTIALS_KEY. Fernet gives authenticated
encryption, so a tampered value fails loudly instead of decrypting to rubbish."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(plain: str) -> str:
    return _fernet(settings.CREDENTIALS_KEY).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """Raises ValueError when the value was not made with the current key."""
    try:
        return _fernet(settings.CREDENTIALS_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("This value was encrypted with another CREDENTIALS_KEY.") from None
