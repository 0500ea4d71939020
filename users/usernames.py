"""Usernames for new accounts: formats, transliteration and allocation (pure, no ORM).

A format is either a preset key (`PRESETS`) or a custom template. Template syntax:

- `{forename}` and `{surname}` stand for the whole (preferred) name;
- `{forename:N}` and `{surname:N}` for its first N characters (1 <= N <= 20);
- anything else is kept as written and may be letters, digits and dots; a dot goes
  between two parts only (`{forename:1}.{surname}`), never first, last or doubled;
- at least one name field is required.

Names are transliterated to ASCII with `anyascii` (Zoë -> Zoe, Łukasz -> Lukasz, 张伟 ->
ZhangWei) and everything but letters and digits is dropped (O'Brien -> OBrien,
Mary-Jane -> MaryJane), keeping the MIS capitalisation. So a username is letters and
digits, with single dots between them only where the format puts them, at most
`MAX_LENGTH` characters. Usernames are unique per school regardless of case; a taken one
is numbered from 2 (JohnS, JohnS2, JohnS3), shortening the base so the number still fits.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from anyascii import anyascii

MAX_LENGTH = 20
USERNAME_RE = re.compile(r"^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*$")

FORENAME_SURNAME_INITIAL = "forename_surname_initial"
FORENAME_INITIAL_SURNAME = "forename_initial_surname"
FORENAME_SURNAME = "forename_surname"
FORENAME_DOT_SURNAME = "forename_dot_surname"
SURNAME_FORENAME_INITIAL = "surname_forename_initial"

DEFAULT_PUPIL_FORMAT = FORENAME_SURNAME_INITIAL
DEFAULT_STAFF_FORMAT = FORENAME_INITIAL_SURNAME

# Key -> label, for the format choices on forms.
PRESETS: dict[str, str] = {
    FORENAME_SURNAME_INITIAL: "Forename and surname initial (JohnS)",
    FORENAME_INITIAL_SURNAME: "Forename initial and surname (JSmith)",
    FORENAME_SURNAME: "Forename and surname (JohnSmith)",
    FORENAME_DOT_SURNAME: "Forename, a dot, then surname (John.Smith)",
    SURNAME_FORENAME_INITIAL: "Surname and forename initial (SmithJ)",
}

# Every preset is a template, so there is one renderer and one set of rules.
PRESET_TEMPLATES: dict[str, str] = {
    FORENAME_SURNAME_INITIAL: "{forename}{surname:1}",
    FORENAME_INITIAL_SURNAME: "{forename:1}{surname}",
    FORENAME_SURNAME: "{forename}{surname}",
    FORENAME_DOT_SURNAME: "{forename}.{surname}",
    SURNAME_FORENAME_INITIAL: "{surname}{forename:1}",
}

FIELDS = ("forename", "surname")

EMPTY_TEMPLATE = "Enter a template, for example {forename}{surname:1}"
NO_FIELD = "Use {forename} or {surname} in the template, for example {forename}{surname:1}"
UNKNOWN_FIELD = "{{{field}}} is not a name you can use: use {{forename}} or {{surname}}"
BAD_LENGTH = "The number after the colon must be from 1 to 20, as in {{{field}:1}}"
BAD_CHARACTER = '"{char}" cannot be in a username: use letters, digits and dots only'
UNCLOSED_BRACE = "Every { needs a matching }, as in {forename}"
BAD_DOT = "A dot can only go between two parts, as in {forename}.{surname}"

_TOKEN = re.compile(r"\{([^{}]*)\}|([A-Za-z0-9.]+)|(.)", re.DOTALL)
_FIELD = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?::\s*(\d+)\s*)?$")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_DOTS = re.compile(r"\.{2,}")

# A parsed template: (field name, length or None) for a field, (None, text) for a literal.
_Part = tuple[str, int | None] | tuple[None, str]


# Cached: a sync parses the school's two formats once for every person it names.
@functools.lru_cache(maxsize=64)
def _parse(template: str) -> tuple[_Part, ...]:
    """The parts of a template; raises ValueError with a message for the form."""
    if not template.strip():
        raise ValueError(EMPTY_TEMPLATE)
    parts: list[_Part] = []
    for match in _TOKEN.finditer(template):
        field_text, literal, other = match.groups()
        if field_text is not None:
            parts.append(_parse_field(field_text))
        elif literal is not None:
            parts.append((None, literal))
        elif other in "{}":
            raise ValueError(UNCLOSED_BRACE)
        else:
            raise ValueError(BAD_CHARACTER.format(char=other))
    if not any(name is not None for name, _ in parts):
        raise ValueError(NO_FIELD)
    fixed = "".join(str(value) if name is None else "x" for name, value in parts)
    if fixed.startswith(".") or fixed.endswith(".") or ".." in fixed:
        raise ValueError(BAD_DOT)
    return tuple(parts)


def _parse_field(text: str) -> tuple[str, int | None]:
    match = _FIELD.match(text)
    field_name = match.group(1).lower() if match else text.strip()
    if not match or field_name not in FIELDS:
        raise ValueError(UNKNOWN_FIELD.format(field=field_name))
    if match.group(2) is None:
        return field_name, None
    length = int(match.group(2))
    if not 1 <= length <= MAX_LENGTH:
        raise ValueError(BAD_LENGTH.format(field=field_name))
    return field_name, length


def validate_template(template: str) -> None:
    """Raise ValueError, in words for the person who wrote it, if `template` is unusable."""
    _parse(template)


def template_for(username_format: str) -> str:
    """The template of a preset key, or `username_format` itself if it is a valid template.

    Raises ValueError if it is neither.
    """
    template = PRESET_TEMPLATES.get(username_format, username_format)
    validate_template(template)
    return template


# Cached: a sync asks for every person's names several times (usernames, duplicates), and
# a school's names repeat.
@functools.lru_cache(maxsize=16384)
def ascii_name(text: str) -> str:
    """A name transliterated to ASCII, letters and digits only: "Zoë O'Brien" -> "ZoeOBrien".

    Symbols are dropped before transliterating: anyascii spells an emoji out as words
    ("🙂" -> ":slight_smile:"), which no one wants in a username.
    """
    kept = "".join(char for char in text if unicodedata.category(char)[0] in "LMN")
    return _NOT_ALNUM.sub("", anyascii(kept))


def username_base(username_format: str, forename: str, surname: str) -> str:
    """The username a person would get before any numbering; "" if the names give nothing.

    Not yet shortened to `MAX_LENGTH`: `UsernameAllocator` does that. Raises ValueError
    for a format that is neither a preset nor a valid template.
    """
    names = {"forename": ascii_name(forename), "surname": ascii_name(surname)}
    rendered = []
    for name, value in _parse(template_for(username_format)):
        if name is None:
            rendered.append(str(value))
        else:
            rendered.append(names[name][: value if isinstance(value, int) else None])
    # An empty name part would leave its dot stranded: "{forename}.{surname}" with no forename.
    return _DOTS.sub(".", "".join(rendered)).strip(".")


def example_username(username_format: str) -> str:
    """What the format makes of John Smith, for forms and help text."""
    return _shorten(username_base(username_format, "John", "Smith"), MAX_LENGTH)


def fallback_username(role: str, mis_id: str) -> str:
    """The username for a name that transliterates to nothing: `pupil3116`, `staff42`."""
    return _shorten(ascii_name(role) + ascii_name(mis_id), MAX_LENGTH) or "user"


def _shorten(text: str, length: int) -> str:
    return text[:length].rstrip(".")


class UsernameAllocator:
    """Hands out usernames unique (case-insensitively) against a set of taken ones.

    `taken` must hold every username of the school, archived accounts included, so none is
    ever reused. Each allocated username is added to the set. Allocation is O(1) per
    username on average: one counter per base remembers where its numbering got to.
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = {username.lower() for username in taken}
        self._next_number: dict[str, int] = {}

    def __contains__(self, username: object) -> bool:
        return isinstance(username, str) and username.lower() in self._taken

    def allocate(self, base: str, *, fallback: str) -> str:
        """`base` (or `fallback` if `base` is empty) shortened to fit, numbered if taken."""
        base = _shorten(base, MAX_LENGTH) or _shorten(fallback, MAX_LENGTH) or "user"
        key = base.lower()
        if key not in self._taken:
            return self._take(base)
        number = self._next_number.get(key, 2)
        while True:
            suffix = str(number)
            candidate = _shorten(base, MAX_LENGTH - len(suffix)) + suffix
            number += 1
            if candidate.lower() not in self._taken:
                self._next_number[key] = number
                return self._take(candidate)

    def allocate_for(
        self, username_format: str, *, forename: str, surname: str, role: str, mis_id: str
    ) -> str:
        """A new username for a person, by the format, falling back on role and MIS id."""
        base = username_base(username_format, forename, surname)
        return self.allocate(base, fallback=fallback_username(role, mis_id))

    def _take(self, username: str) -> str:
        self._taken.add(username.lower())
        return username
