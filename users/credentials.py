"""Pupil password formats and their defaults per National Curriculum year.

A picture PIN is digits shown as pictures, one picture per digit 0-9: young children
recognise pictures before they can read or type words.
"""

from __future__ import annotations

PIN2 = "pin2"  # two-digit picture PIN
PIN4 = "pin4"  # four-digit picture PIN
WORD_DIGITS = "word_digits"  # tiger42
RANDOM = "random"  # random text

PASSWORD_FORMATS = {
    PIN2: "Two-digit picture PIN",
    PIN4: "Four-digit picture PIN",
    WORD_DIGITS: "Word and digits (tiger42)",
    RANDOM: "Random text",
}

_EARLY_YEARS = {"E1", "E2", "N1", "N2", "R", "1", "2"}
_JUNIOR_YEARS = {"3", "4", "5", "6"}


def default_password_format(year: str) -> str:
    """The format a new pupil in NC year `year` gets when the school has chosen none."""
    if year in _EARLY_YEARS:
        return PIN2
    if year in _JUNIOR_YEARS:
        return PIN4
    return WORD_DIGITS
