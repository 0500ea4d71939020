"""Login cards: a PDF of A4 pages, cards grouped by class, with cut lines between them.

Each card has the school, the pupil's name and class, their username, their password (a
picture PIN as its pictures, with the digits beneath) and the school's sign-in address,
with a QR code that opens it. Only pupils get cards: staff choose their own password
(from the activation email), so no staff password exists to print, and none is read.

The page is HTML laid out by WeasyPrint; names in any script print because the fonts
bin/setup installs (DejaVu, Noto and WenQuanYi Micro Hei) are found by fontconfig and
only the glyphs used are embedded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import segno
from anyascii import anyascii
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from weasyprint import HTML

from users import crypto
from users.credentials import PIN2, PIN4
from users.models import ClassMembership, School, SchoolClass, User
from users.pictures import Picture, pictures_of

NO_CLASS = "No class"
PICTURE_PIN_FORMATS = {PIN2, PIN4}


@dataclass(frozen=True)
class Card:
    name: str
    class_name: str
    username: str
    password: str  # "" when it cannot be read (encrypted with a key since replaced)
    pictures: list[Picture] = field(default_factory=list)  # a picture PIN's, in order


@dataclass(frozen=True)
class ClassCards:
    class_name: str
    cards: list[Card]


def sign_in_url(school: School) -> str:
    """The school's sign-in page, as printed on its cards."""
    return settings.SITE_URL + reverse("users:sign_in", args=[school.slug])


def card_for(pupil: User, class_name: str) -> Card:
    """The card of one pupil. Raises ValueError for anyone who is not a pupil, so that no
    other account's password can reach a card."""
    if pupil.role != User.Role.PUPIL:
        raise ValueError(f"Only pupils have login cards, not account {pupil.pk}.")
    password = _readable_password(pupil)
    is_pin = pupil.password_format in PICTURE_PIN_FORMATS and password.isdigit()
    return Card(
        name=pupil.full_name or pupil.username,
        class_name=class_name,
        username=pupil.username,
        password=password,
        pictures=pictures_of(password) if is_pin else [],
    )


def _readable_password(pupil: User) -> str:
    if not pupil.printable_password:
        return ""
    try:
        return crypto.decrypt(pupil.printable_password)
    except ValueError:  # encrypted with a key since replaced: only a reset helps
        return ""


def class_cards(school_class: SchoolClass) -> ClassCards:
    """The cards of a class's active pupils, by surname."""
    pupils = User.objects.filter(
        role=User.Role.PUPIL,
        archived_at__isnull=True,
        memberships__school_class=school_class,
        memberships__role=ClassMembership.Role.PUPIL,
    )
    ordered = sorted(pupils, key=alphabetical)
    return ClassCards(school_class.name, [card_for(pupil, school_class.name) for pupil in ordered])


def alphabetical(pupil: User) -> tuple[str, str, str]:
    """Surname, forename, username as a teacher looks them up: accents and case aside
    ("Öztürk" under O, "de Souza" under D)."""
    surname, forename, username = (
        anyascii(text).casefold() for text in (pupil.surname, pupil.forename, pupil.username)
    )
    return surname, forename, username


def cards_by_registration_group(pupils: Iterable[User]) -> list[ClassCards]:
    """Cards for `pupils` (say, a sync's new pupils), grouped by each one's registration
    group (the class whose teacher hands the cards out), classes in year order."""
    pupils = [pupil for pupil in pupils if pupil.role == User.Role.PUPIL]
    classes = _registration_group_names([pupil.pk for pupil in pupils])
    groups: dict[tuple[bool, int, str, str], list[Card]] = {}
    for pupil in sorted(pupils, key=alphabetical):
        name, position = classes.get(pupil.pk, (NO_CLASS, 0))
        key = (name == NO_CLASS, position, name.casefold(), name)
        groups.setdefault(key, []).append(card_for(pupil, name))
    return [ClassCards(key[3], groups[key]) for key in sorted(groups)]


def _registration_group_names(pupil_ids: list[int]) -> dict[int, tuple[str, int]]:
    """Each pupil's registration group (else their first teaching group): its name and
    its year's position (classes without a year after the others)."""
    memberships = (
        ClassMembership.objects.filter(
            user_id__in=pupil_ids,
            role=ClassMembership.Role.PUPIL,
            school_class__archived=False,
        )
        .order_by("user_id", "school_class__kind", "school_class__name")
        .values_list("user_id", "school_class__name", "school_class__year_group__position")
    )
    names: dict[int, tuple[str, int]] = {}
    # "registration" sorts before "teaching", so a registration group comes first.
    for user_id, name, position in memberships:
        names.setdefault(user_id, (name, 99 if position is None else position))
    return names


def qr_code_svg(url: str) -> SafeString:
    """A QR code opening `url`, as inline SVG (sized by the card's style sheet)."""
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's drawing of our own address


def login_cards_pdf(school: School, groups: list[ClassCards]) -> bytes:
    """The PDF of `groups`' cards: each class starts on a new page."""
    url = sign_in_url(school)
    html = render_to_string(
        "users/cards/login_cards.html",
        {"school": school, "groups": groups, "sign_in_url": url, "qr_code": qr_code_svg(url)},
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
