"""Unique Pupil Numbers: check letters and validation.

The algorithm is the DfE's (UK Government Data Standards Catalogue, Unique Pupil Number
v2.0), as summarised in `shared/reference/xod-api.md`: a UPN is 13 characters, a check
letter then the LA number (3 digits), the establishment number (4 digits), the 2-digit
year of allocation and a 3-character serial (3 digits; a temporary UPN has 2 digits and
a letter).
"""

from __future__ import annotations

import re

# No I, O or S: they are too easily read as 1, 0 and 5.
UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"

_UPN_SHAPE = re.compile(rf"^[{UPN_ALPHABET}]\d{{11}}[0-9{UPN_ALPHABET}]$")


# Each character's value in the check sum: a digit its own, a letter its place above.
_VALUES = {str(digit): digit for digit in range(10)} | {
    letter: n for n, letter in enumerate(UPN_ALPHABET)
}


def upn_check_letter(body: str) -> str:
    """The check letter for the 12 characters that follow it in a UPN.

    Raises ValueError if `body` is not 11 digits and a final digit or alphabet letter.
    """
    if not re.fullmatch(rf"\d{{11}}[0-9{UPN_ALPHABET}]", body):
        raise ValueError(f"not the body of a UPN: {body!r}")
    total = sum(position * _VALUES[char] for position, char in enumerate(body, start=2))
    return UPN_ALPHABET[total % len(UPN_ALPHABET)]


def make_upn(la_code: str, estab_number: str, year: int, serial: int) -> str:
    """A permanent UPN: `la_code` 3 digits, `estab_number` 4 digits, `year` of allocation
    (only its last two digits count), `serial` 0-999."""
    body = f"{la_code:0>3}{estab_number:0>4}{year % 100:02d}{serial:03d}"
    return upn_check_letter(body) + body


def make_temporary_upn(la_code: str, estab_number: str, year: int, serial: int, letter: str) -> str:
    """A temporary UPN: like a permanent one, but the serial is 2 digits and a letter."""
    body = f"{la_code:0>3}{estab_number:0>4}{year % 100:02d}{serial:02d}{letter}"
    return upn_check_letter(body) + body


def is_valid_upn(upn: str) -> bool:
    """True if `upn` (surrounding spaces and letter case ignored) has the shape of a
    permanent or temporary UPN and its check letter is right."""
    upn = upn.strip().upper()
    if not _UPN_SHAPE.match(upn):
        return False
    return upn[0] == upn_check_letter(upn[1:])
