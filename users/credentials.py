"""Pupil password formats and their defaults per National Curriculum year.

A picture PIN is digits shown as pictures, one picture per digit 0-9: young children
recognise pictures before they can read or type words.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

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


# Short, friendly words children can read and type (all lower case, no look-alikes).
WORDS = (
    "apple",
    "badger",
    "banana",
    "bear",
    "bee",
    "bird",
    "boat",
    "bus",
    "cake",
    "camel",
    "carrot",
    "cat",
    "cloud",
    "cow",
    "crab",
    "daisy",
    "dog",
    "dragon",
    "duck",
    "eagle",
    "egg",
    "fish",
    "fox",
    "frog",
    "garden",
    "goat",
    "grape",
    "hat",
    "hen",
    "horse",
    "kite",
    "koala",
    "lemon",
    "lion",
    "mango",
    "moon",
    "mouse",
    "owl",
    "panda",
    "parrot",
    "peach",
    "pear",
    "penguin",
    "pig",
    "planet",
    "pony",
    "puffin",
    "rabbit",
    "rain",
    "robin",
    "rocket",
    "seal",
    "sheep",
    "snail",
    "star",
    "sun",
    "swan",
    "tiger",
    "train",
    "tree",
    "tulip",
    "turtle",
    "violin",
    "whale",
    "wolf",
    "zebra",
)
# Random text avoids characters that are easy to misread on a printed card (0/O, 1/l/I).
_RANDOM_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(password_format: str) -> str:
    """A new random password in `password_format` (one of PASSWORD_FORMATS)."""
    if password_format == PIN2:
        return f"{secrets.randbelow(100):02d}"
    if password_format == PIN4:
        return f"{secrets.randbelow(10000):04d}"
    if password_format == WORD_DIGITS:
        return f"{secrets.choice(WORDS)}{secrets.randbelow(100):02d}"
    if password_format == RANDOM:
        return "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(10))
    raise ValueError(f"Unknown password format {password_format!r}")


class PupilPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 at a lower work factor, for generated pupil passwords only.

    Why not the default cost: Django's default (over a million PBKDF2 rounds) takes
    0.1-0.2 s per password on a small server, i.e. minutes to create a school's accounts.
    The work factor protects passwords whose search space is large; a two-digit PIN has
    100 values and a word-and-digits password a few thousand, so stolen hashes would fall
    to a search at any cost. What protects pupils is the online lockout after a few wrong
    tries and the fact that the hashes never leave the database; and the printable copy is
    encrypted separately. So the cost is kept small enough (about a millisecond) that
    credential generation does not dominate a sync. Staff never get this hasher: they set
    their own passwords through the activation link, hashed at Django's full cost.
    """

    algorithm = "pupil_pbkdf2_sha256"
    iterations = 3000


def hash_pupil_password(raw: str) -> str:
    return make_password(raw, hasher=PupilPasswordHasher.algorithm)
