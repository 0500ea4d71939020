"""The ten pictures of a picture PIN: one per digit, drawn for this project.

A picture PIN is digits shown as pictures (DESIGN.md, "Credentials"): a four-year-old
taps the pictures on their card in order. So each picture is a simple, bold shape a young
child can name and tell from the others at a glance (no two share a colour and outline),
and each has a name that a screen reader says with its digit.

The drawings are inline SVG on a 100 x 100 grid, so the sign-in pad (HTML) and the login
cards (PDF) draw the very same pictures, at any size, with no image files to serve.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Picture:
    digit: str
    name: str
    drawing: str  # the SVG's shapes, without the <svg> element

    def svg(self, size: int = 64) -> SafeString:
        """The picture as an <svg> element; decorative (its name is said beside it)."""
        return mark_safe(  # noqa: S308 - our own constant drawings, no user input
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="{size}" '
            f'height="{size}" aria-hidden="true" focusable="false">{self.drawing}</svg>'
        )

    @property
    def label(self) -> str:
        """What a screen reader says on the pad: "cat, 0"."""
        return f"{self.name}, {self.digit}"


PICTURES: tuple[Picture, ...] = (
    Picture(
        "0",
        "ball",
        '<circle cx="50" cy="50" r="40" fill="#e11d48"/>'
        '<path d="M10 50h80M50 10v80" stroke="#fff" stroke-width="6"/>',
    ),
    Picture(
        "1",
        "sun",
        '<g stroke="#f59e0b" stroke-width="8" stroke-linecap="round">'
        '<path d="M50 4v14M50 82v14M4 50h14M82 50h14M17 17l10 10M73 73l10 10M17 83l10-10'
        'M73 27l10-10"/></g><circle cx="50" cy="50" r="24" fill="#fbbf24"/>',
    ),
    Picture(
        "2",
        "fish",
        '<path d="M12 50c14-22 44-26 62 0-18 26-48 22-62 0z" fill="#0ea5e9"/>'
        '<path d="M72 50l20-16v32z" fill="#0284c7"/><circle cx="30" cy="46" r="5" fill="#fff"/>',
    ),
    Picture(
        "3",
        "tree",
        '<rect x="43" y="60" width="14" height="32" fill="#92400e"/>'
        '<circle cx="50" cy="38" r="30" fill="#16a34a"/>',
    ),
    Picture(
        "4",
        "car",
        '<path d="M8 62v-14l14-18h40l16 18h14v14z" fill="#2563eb"/>'
        '<rect x="28" y="34" width="30" height="14" fill="#bfdbfe"/>'
        '<circle cx="28" cy="66" r="11" fill="#111827"/><circle cx="74" cy="66" r="11" '
        'fill="#111827"/>',
    ),
    Picture(
        "5",
        "star",
        '<path d="M50 6l12 30h32l-26 20 10 32-28-19-28 19 10-32-26-20h32z" fill="#eab308"/>',
    ),
    Picture(
        "6",
        "apple",
        '<path d="M50 30c-18-12-40-2-38 22 2 24 18 42 38 36 20 6 36-12 38-36 2-24-20-34-38-22z"'
        ' fill="#dc2626"/><path d="M50 30c0-10 4-18 12-22" stroke="#78350f" stroke-width="5" '
        'fill="none"/><path d="M54 20c8-8 18-8 22-4-6 8-16 8-22 4z" fill="#22c55e"/>',
    ),
    Picture(
        "7",
        "boat",
        '<path d="M8 62h84l-14 22H22z" fill="#7c3aed"/>'
        '<path d="M48 8v52H18z" fill="#a78bfa"/><path d="M54 16v44h28z" fill="#c4b5fd"/>',
    ),
    Picture(
        "8",
        "house",
        '<path d="M10 50L50 12l40 38z" fill="#b91c1c"/>'
        '<rect x="20" y="48" width="60" height="44" fill="#f97316"/>'
        '<rect x="42" y="64" width="16" height="28" fill="#7c2d12"/>',
    ),
    Picture(
        "9",
        "flower",
        '<g fill="#ec4899"><circle cx="50" cy="24" r="14"/><circle cx="74" cy="42" r="14"/>'
        '<circle cx="66" cy="68" r="14"/><circle cx="34" cy="68" r="14"/>'
        '<circle cx="26" cy="42" r="14"/></g><circle cx="50" cy="48" r="12" fill="#facc15"/>',
    ),
)

BY_DIGIT = {picture.digit: picture for picture in PICTURES}


def pictures_of(pin: str) -> list[Picture]:
    """The pictures of a picture PIN, in order: "37" -> [tree, boat]. Raises KeyError
    for a character that is not a digit."""
    return [BY_DIGIT[digit] for digit in pin]
