"""Made-up names of many origins for generated schools: no real people's data.

The lists are short on purpose; what matters is that they carry what real names carry:
diacritics (Zoë, Łukasz), apostrophes (O'Brien), hyphens, two-part surnames (van der
Berg), and a few names in Greek, Cyrillic and Chinese script.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    name: str
    weight: float
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[str, ...]
    latin: bool = True


def _split(words: str) -> tuple[str, ...]:
    return tuple(word.replace("_", " ") for word in words.split())


ORIGINS = (
    Origin(
        "english",
        50,
        _split(
            "Amelia Olivia Isla Ava Mia Ivy Lily Grace Freya Emily Ella Poppy Evie Sophie "
            "Jessica Ruby"
        ),
        _split(
            "Oliver George Harry Noah Jack Leo Arthur Oscar Charlie Jacob Thomas James John Joshua"
        ),
        _split(
            "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
            "Evans Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Turner "
            "Ashworth-Hale Lloyd-Jones Fenwick Marsh"
        ),
    ),
    Origin(
        "irish_scottish",
        6,
        _split("Siobhán Niamh Aoife Saoirse Róisín Orla Mairead Isla"),
        _split("Seán Ciarán Oisín Declan Callum Fionn Ruairí Euan"),
        _split("O'Brien O'Connor O'Neill McCarthy MacLeod Murphy Kelly Ó_Súilleabháin Doyle"),
    ),
    Origin(
        "polish_czech",
        6,
        _split("Zofia Zuzanna Małgorzata Agnieszka Alicja Weronika Anežka"),
        _split("Łukasz Jakub Wojciech Mikołaj Paweł Szymon Jiří Tomáš"),
        _split("Nowak Kowalski Wiśniewska Wójcik Kamińska Lewandowski Dvořák Łukaszewicz"),
    ),
    Origin(
        "south_asian",
        12,
        _split("Aisha Priya Ananya Zara Fatima Maryam Simran Aaliyah Diya Inaya"),
        _split("Mohammed Aarav Arjun Ibrahim Rohan Yusuf Zain Vihaan Ayaan Haris"),
        _split("Patel Khan Ahmed Hussain Singh Begum Shah Ali Rahman Chowdhury Kaur"),
    ),
    Origin(
        "african",
        7,
        _split("Adaeze Chiamaka Amara Abena Zainab Nia Folake Efua"),
        _split("Chidi Kwame Oluwaseun Tendai Kofi Emeka Tariq Jomo"),
        _split("Okafor Adebayo Mensah Okoye Boateng Adeyemi Nwosu Asante Oyelaran-Smith"),
    ),
    Origin(
        "european",
        9,
        _split("Zoë Chloé Renée Inès Léa Björk Maëlle Lucía Begoña Anaïs Zoé"),
        _split("José Jérôme Søren Björn Matthäus André Raphaël Joël Nicolás Jürgen João"),
        _split(
            "Müller Schröder García Peña Dubois Lefèvre Jørgensen Åberg Gonçalves "
            "Núñez Da_Silva de_Souza Bäcker"
        ),
    ),
    Origin(
        "dutch_belgian",
        3,
        _split("Anouk Sanne Fleur Lotte"),
        _split("Daan Sem Bram Joost"),
        _split("van_der_Berg de_Vries van_Dijk De_Smet van_den_Broek ter_Horst"),
    ),
    Origin(
        "arabic_turkish",
        4,
        _split("Layla Noor Yasmin Elif Hiba Amira"),
        _split("Omar Ahmet Karim Emre Hamza Bilal"),
        _split("Al-Sayed El-Amin Yılmaz Öztürk Haddad Al-Farsi"),
    ),
    Origin(
        "greek",
        1,
        _split("Ελένη Μαρία Σοφία"),
        _split("Γιώργος Νίκος Δημήτρης"),
        _split("Παπαδόπουλος Γεωργίου Οικονόμου"),
        latin=False,
    ),
    Origin(
        "cyrillic",
        1,
        _split("Анастасия Ольга Дарья"),
        _split("Дмитрий Иван Алексей"),
        _split("Иванов Петренко Смирнов"),
        latin=False,
    ),
    Origin(
        "chinese",
        1,
        _split("秀英 丽 静"),
        _split("伟 强 磊"),
        _split("王 李 张 陈"),
        latin=False,
    ),
)

NON_LATIN = tuple(origin for origin in ORIGINS if not origin.latin)

# Preferred forms: the MIS's Forename is preferred, LegalForename the formal one.
NICKNAMES = {
    "Alexander": "Alex",
    "Elizabeth": "Lizzie",
    "Benjamin": "Ben",
    "Katherine": "Kate",
    "William": "Will",
    "Rebecca": "Becky",
}

PLACES = _split(
    "Brook_Lane Oakfield Hillside Millbrook Ashgrove Riverside Kingsmead Elm_Park "
    "Westfield Hawthorn St_Aidan's Foxhill Greenway Larkrise Moorside Beechwood"
)


def pick_origin(rng: random.Random) -> Origin:
    return rng.choices(ORIGINS, weights=[origin.weight for origin in ORIGINS])[0]


def forenames(origin: Origin, gender: str) -> tuple[str, ...]:
    return origin.girls if gender == "F" else origin.boys


def pick_name(rng: random.Random, gender: str, origin: Origin | None = None) -> tuple[str, str]:
    """(forename, surname) of one made-up person of `gender` ("M" or "F")."""
    origin = origin or pick_origin(rng)
    return rng.choice(forenames(origin, gender)), rng.choice(origin.surnames)


def twin_forename(rng: random.Random, forename: str, gender: str) -> str:
    """Another forename of `gender` with the same initial (John -> Jack), from any origin;
    a girl's or boy's name of the other list if `gender` has none with that initial."""
    initial = forename[:1]
    for wanted in (gender, "M" if gender == "F" else "F"):
        names = {n for origin in ORIGINS for n in forenames(origin, wanted)}
        candidates = sorted(n for n in names if n[:1] == initial and n != forename)
        if candidates:
            return rng.choice(candidates)
    return forename
