"""Login cards as PDF: every character of every name is drawn by an embedded font, a
picture PIN shows its pictures with the digits, the QR code opens the school's sign-in
page, and no staff password is ever printed."""

from __future__ import annotations

import io
import random
import re

import pytest
from django.core.management import call_command

from tests.users.factories import SchoolClassFactory, SchoolFactory
from tests.users.pdf_reading import (
    area_of_colour,
    characters_of_embedded_fonts,
    page_images,
    page_texts,
    qr_codes,
    text_of,
)
from users import crypto, services
from users.cards import Card, ClassCards, card_for, class_cards, login_cards_pdf, sign_in_url
from users.credentials import PIN2, PIN4, RANDOM, WORD_DIGITS
from users.models import ClassMembership, School, User
from users.pictures import PICTURES, pictures_of

pytestmark = pytest.mark.django_db

# Letters of many scripts that pupils' names are written in; names are made from them.
SCRIPTS = {
    "Latin": "abcdefghijklmnopqrstuvwxyzàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿłńśźżőűğışţșțŵŷ",
    "Vietnamese": "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ",
    "Greek": "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώ",
    "Cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієї",
    "Arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "Urdu": "پچڈڑژکگںھہۓے",
    "Hebrew": "אבגדהוזחטיכלמנסעפצקרשת",
    "Devanagari": "कखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह",
    "Bengali": "কখগঘচছজঝটঠডঢণতথদধনপফবভমযরলশষসহ",
    "Gurmukhi": "ਕਖਗਘਚਛਜਝਟਠਡਢਣਤਥਦਧਨਪਫਬਭਮਯਰਲਵਸਹ",
    "Tamil": "கஙசஞடணதநபமயரலவழளறன",
    "Thai": "กขคงจฉชซญดตถทนบปผพฟภมยรลวศษสหอฮ",
    "Chinese": "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹明伟芳娜静丽强磊军洋",
    "Japanese": "あいうえおかきくけこさしすせそたちつてとなにぬねのアイウエオカキクケコ",
    "Korean": "김이박최정강조윤장임한오서신권황안송류홍민서준지우현",
    "Amharic": "ሀለሐመሠረሰሸቀበተቸኀነኘአከኸወዐዘዠየደጀገጠጨጰጸፀፈፐ",
}


# Each picture's largest area of colour, unlike any other picture's.
MAIN_COLOUR = {
    "ball": "#e11d48",
    "sun": "#fbbf24",
    "fish": "#0ea5e9",
    "tree": "#16a34a",
    "car": "#2563eb",
    "star": "#eab308",
    "apple": "#dc2626",
    "boat": "#7c3aed",
    "house": "#f97316",
    "flower": "#ec4899",
}


def generated_names(seed: int, per_script: int = 3) -> list[str]:
    """Made-up names, `per_script` in each script: a forename and a surname of 2-7 letters."""
    rng = random.Random(seed)

    def word(letters: str) -> str:
        return "".join(rng.choice(letters) for _ in range(rng.randint(2, 7)))

    return [
        f"{word(letters).capitalize()} {word(letters).capitalize()}"
        for letters in SCRIPTS.values()
        for _ in range(per_script)
    ] + ["Zoë Łukasz", "Nguyễn Thị Siân", "Aoife O'Brien-Ní Bhriain", "محمد الأحمد", "王小明"]


def card(name: str, password: str = "37", password_format: str = PIN2) -> Card:
    pictures = pictures_of(password) if password_format in (PIN2, PIN4) else []
    return Card(name, "Reception Robins", "ZoeL", password, pictures)


@pytest.fixture
def school():
    return SchoolFactory.create(name="Oakfield Primary School", slug="oakfield")


def test_every_character_of_every_name_is_drawn_by_an_embedded_font(school):
    names = generated_names(seed=9)
    groups = [ClassCards("Many scripts", [card(name) for name in names])]
    pdf = login_cards_pdf(school, groups)

    covered = characters_of_embedded_fonts(pdf)
    missing = {ch for name in names for ch in name if not ch.isspace()} - covered
    assert not missing, f"no embedded font draws {sorted(missing)}"


def test_a_character_that_no_installed_font_has_is_found_missing(school):
    """The check above can fail: Khitan Small Script is in no font bin/setup installs."""
    pdf = login_cards_pdf(school, [ClassCards("3AB", [card("Ada \U00018b00")])])

    covered = characters_of_embedded_fonts(pdf)
    assert "A" in covered
    assert "\U00018b00" not in covered


@pytest.mark.parametrize("pin", ["37", "4096"])
def test_a_picture_pin_card_shows_its_pictures_and_their_digits(school, pin):
    pdf = login_cards_pdf(school, [ClassCards("Reception Robins", [card("Ada Lovelace", pin)])])

    [image] = page_images(pdf)
    for picture in PICTURES:
        colour = MAIN_COLOUR[picture.name]
        assert f'fill="{colour}"' in picture.drawing
        area = area_of_colour(image, colour, tolerance=8)
        if picture.digit in pin:
            assert area > 500, f"the {picture.name} ({picture.digit}) is not on the card"
        else:
            assert area < 50, f"the {picture.name} ({picture.digit}) is on the card"
    assert " ".join(pin) in text_of(pdf).splitlines()


def test_a_word_password_is_printed_as_text(school):
    pdf = login_cards_pdf(school, [ClassCards("6AB", [card("Ada L", "tiger42", WORD_DIGITS)])])
    assert "tiger42" in text_of(pdf)


def test_each_cards_qr_code_opens_the_schools_sign_in_page(school, settings):
    settings.SITE_URL = "https://sync.example.org"
    cards = [card(f"Pupil {n}") for n in range(9)]  # two pages

    pdf = login_cards_pdf(school, [ClassCards("3AB", cards)])

    assert sign_in_url(school) == "https://sync.example.org/s/oakfield/"
    assert qr_codes(pdf) == ["https://sync.example.org/s/oakfield/"] * 9
    assert text_of(pdf).count("Sign in at https://sync.example.org/s/oakfield/") == 9


def test_cards_are_grouped_by_class_each_class_on_its_own_pages(school):
    groups = [
        ClassCards("Robins", [card(f"Robin {n}") for n in range(3)]),
        ClassCards("Wrens", [card(f"Wren {n}") for n in range(2)]),
    ]
    pdf = login_cards_pdf(school, groups)

    robins, wrens = page_texts(pdf)
    assert [f"Robin {n}" in robins for n in range(3)] == [True] * 3
    assert "Wren" not in robins
    assert "Wren 0" in wrens
    assert "Wren 1" in wrens


def make_pupil(school, school_class, forename, password_format=PIN2):
    return services.account_create(
        school=school,
        role=User.Role.PUPIL,
        forename=forename,
        surname="Test",
        username_format="forename_surname_initial",
        password_format=password_format,
        school_class=school_class,
    )


def test_class_cards_hold_the_pupils_real_passwords_and_no_staff_password(school):
    robins = SchoolClassFactory.create(school=school, name="Robins")
    pupils = [make_pupil(school, robins, name) for name in ("Zoë", "Łukasz", "Siân")]
    teacher = services.account_create(
        school=school,
        role=User.Role.STAFF,
        forename="Tess",
        surname="Teach",
        email="tess@example.org",
        username_format="forename_initial_surname",
        school_class=robins,
    )
    # Even a staff account that somehow had a printable password never gets a card.
    teacher.printable_password = crypto.encrypt("StaffSecret99")
    teacher.save()
    ClassMembership.objects.filter(user=teacher).update(role=ClassMembership.Role.PUPIL)

    group = class_cards(robins)
    pdf = login_cards_pdf(school, [group])

    assert sorted(c.username for c in group.cards) == sorted(p.username for p in pupils)
    text = text_of(pdf)
    for pupil in pupils:
        password = crypto.decrypt(pupil.printable_password)
        assert " ".join(password) in text
        assert pupil.username in text
    assert "StaffSecret99" not in text
    assert teacher.username not in text


def test_a_staff_account_has_no_card(school):
    staff = User(school=school, role=User.Role.STAFF, username="TTeach")
    with pytest.raises(ValueError, match="Only pupils"):
        card_for(staff, "Robins")


@pytest.mark.parametrize("password_format", [WORD_DIGITS, RANDOM])
def test_text_passwords_print_as_text(school, password_format):
    robins = SchoolClassFactory.create(school=school, name="Robins")
    pupil = make_pupil(school, robins, "Ada", password_format)
    text = text_of(login_cards_pdf(school, [class_cards(robins)]))
    assert crypto.decrypt(pupil.printable_password) in text


def test_the_benchmark_prints_its_figures_and_leaves_no_school_behind():
    out = io.StringIO()
    call_command("benchmark_cards", "--pupils", "3", "--repeat", "2", stdout=out)
    assert re.match(r"Login cards for a class of 3: first \d+\.\d\d s", out.getvalue())
    assert not School.objects.filter(estab="9990004").exists()
    assert not User.objects.filter(username="bench").exists()


def test_cards_are_in_alphabetical_order_whatever_the_accents(db):
    from tests.users.factories import SchoolFactory, UserFactory
    from users.cards import alphabetical

    school = SchoolFactory.create()
    names = ["Öztürk", "de Souza", "Wright", "Åberg", "Nowak"]
    pupils = [
        UserFactory.create(school=school, surname=n, username=f"p{i}") for i, n in enumerate(names)
    ]
    assert [p.surname for p in sorted(pupils, key=alphabetical)] == [
        "Åberg",
        "de Souza",
        "Nowak",
        "Öztürk",
        "Wright",
    ]
