"""Reading login-card PDFs as a person (and a phone) would: the fonts embedded in them and
the characters each covers, the text, the pictures' colours, and the QR codes."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any, cast

import pypdfium2
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

EMBEDDED_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
_HEX = r"<([0-9A-Fa-f]+)>"
_BFCHAR = re.compile(rf"{_HEX}\s*{_HEX}")
_BFRANGE = re.compile(rf"{_HEX}\s*{_HEX}\s*{_HEX}")


def characters_of_embedded_fonts(pdf: bytes) -> set[str]:
    """Every character that a font embedded in `pdf` draws: those of each embedded font
    program's own character map, and those the text maps to a glyph (ToUnicode) that the
    embedded program truly has, with an outline. (ToUnicode alone is no proof: it also
    names characters drawn as an empty box; the character map alone misses letters
    drawn only in a joined form, as Arabic's are.)"""
    covered: set[str] = set()
    for page in PdfReader(BytesIO(pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"])
        for font in cast(DictionaryObject, resources["/Font"]).values():
            font = cast(DictionaryObject, font.get_object())
            if (program := _embedded_program(font)) is None:
                continue
            tt = TTFont(BytesIO(program))
            covered |= {chr(code) for code in tt.getBestCmap()}
            if "/ToUnicode" in font:
                cmap = cast(Any, font["/ToUnicode"]).get_object().get_data().decode()
                for glyph, text in _to_unicode(cmap):
                    if _draws(tt, glyph):
                        covered |= set(text)
    return covered


def _embedded_program(font: Any) -> bytes | None:
    described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
    descriptor = described["/FontDescriptor"].get_object()
    for key in EMBEDDED_FONT_FILES:
        if key in descriptor:
            data: bytes = descriptor[key].get_object().get_data()
            return data
    return None


def _to_unicode(cmap: str) -> list[tuple[int, str]]:
    """(glyph id, text) pairs of a ToUnicode CMap's bfchar and bfrange entries."""
    pairs = []
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for glyph, text in _BFCHAR.findall(block):
            pairs.append((int(glyph, 16), bytes.fromhex(text).decode("utf-16-be")))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for first, last, text in _BFRANGE.findall(block):
            start = int(text, 16)
            for offset, glyph in enumerate(range(int(first, 16), int(last, 16) + 1)):
                pairs.append((glyph, chr(start + offset)))
    return pairs


def _draws(font: TTFont, glyph: int) -> bool:
    """Whether glyph id `glyph` is a real glyph of `font` with an outline (not .notdef)."""
    order = font.getGlyphOrder()
    if glyph == 0 or glyph >= len(order) or "glyf" not in font:
        return False
    return bool(font["glyf"][order[glyph]].numberOfContours)


def page_images(pdf: bytes, dpi: int = 150) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    return [page.render(scale=dpi / 72).to_pil() for page in document]


def page_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    return [page.get_textpage().get_text_range() for page in document]


def text_of(pdf: bytes) -> str:
    return "\n".join(page_texts(pdf))


def qr_codes(pdf: bytes) -> list[str]:
    """The text of every QR code on every page, as a phone's camera reads it."""
    return [found.text for image in page_images(pdf) for found in zxingcpp.read_barcodes(image)]


def area_of_colour(image: Image.Image, colour: str, tolerance: int = 12) -> int:
    """How many pixels of `image` are `colour` ("#16a34a"), give or take `tolerance`."""
    want = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    rgb = image.convert("RGB")
    colours: list[tuple[int, tuple[int, int, int]]] = rgb.getcolors(rgb.width * rgb.height) or []  # type: ignore[assignment]
    return sum(
        count
        for count, pixel in colours
        if all(abs(a - b) <= tolerance for a, b in zip(pixel, want, strict=True))
    )
