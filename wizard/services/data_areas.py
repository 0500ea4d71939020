"""The MIS data areas (Groupcall XoD scopes) this app asks a school to share: what each
is for, what it is never used for, and which the sync cannot work without.

The school's administrator reads this before asking Groupcall for consent, and the
Connect page compares it with what the school actually shares. The required ones match
`misclient.scopes.REQUIRED_SCOPES` (a test keeps them in step); the app never asks for
the sensitive areas (contacts, photos, SEN, attendance...), so they are not listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from misclient.scopes import missing_optional, missing_required


@dataclass(frozen=True)
class DataArea:
    scope: str  # Groupcall's name for it
    title: str
    used_for: str
    never_used_for: str
    required: bool
    without: str = ""  # what the sync loses if an optional area is not shared

    @property
    def label(self) -> str:
        """The title, with Groupcall's name for it unless the title already says it."""
        return self._labelled(self.title)

    @property
    def label_in_sentence(self) -> str:
        return self._labelled(self.title[0].lower() + self.title[1:])

    def _labelled(self, title: str) -> str:
        if self.scope.lower() in self.title.lower():
            return title
        return f"{title} (Groupcall: {self.scope})"


DATA_AREAS = (
    DataArea(
        scope="School",
        title="School, classes and year groups",
        used_for="The school's name, its year groups, classes and (if you choose to import "
        "them) subject classes, with who is in each.",
        never_used_for="Timetables, rooms, attendance or anything about how the school is run.",
        required=True,
    ),
    DataArea(
        scope="Student",
        title="Pupils",
        used_for="Each pupil's preferred first name and surname, year group, class and "
        "whether they are on roll or have left: to create, update and archive their "
        "accounts.",
        never_used_for="Dates of birth, addresses, parents' details, special educational "
        "needs, free school meals, ethnicity or medical information: none of it is asked "
        "for or kept.",
        required=True,
    ),
    DataArea(
        scope="UPN",
        title="Unique pupil numbers",
        used_for="To recognise a pupil across academic years and when the MIS record is "
        "re-created, so that the same child never gets a second account.",
        never_used_for="Showing on login cards, making usernames or passwords, or sharing "
        "with anyone.",
        required=False,
        without="A pupil whose MIS record is re-created may look like a new pupil; the "
        "wizard then asks you whether they are a possible duplicate.",
    ),
    DataArea(
        scope="Staff",
        title="Staff",
        used_for="Staff names, whether they teach, their work email (for the activation "
        "link) and the classes they teach.",
        never_used_for="Home addresses, personal email or phone numbers, pay, contracts or "
        "employment records.",
        required=True,
    ),
)

REQUIRED_AREAS = tuple(area for area in DATA_AREAS if area.required)
OPTIONAL_AREAS = tuple(area for area in DATA_AREAS if not area.required)


def scopes_to_request(optional_chosen: Iterable[str]) -> list[str]:
    """Every required scope, and the optional ones the administrator chose, in the
    order of DATA_AREAS; unknown names are ignored."""
    chosen = set(optional_chosen)
    return [area.scope for area in DATA_AREAS if area.required or area.scope in chosen]


def missing_required_areas(granted: Iterable[str]) -> list[DataArea]:
    """The required areas of which the school shares none of the alternatives (SchoolLite
    serves for School, and so on, case-insensitive)."""
    missing = {need.alternatives[0] for need in missing_required(granted)}
    return [area for area in REQUIRED_AREAS if area.scope in missing]


def missing_optional_areas(granted: Iterable[str]) -> list[DataArea]:
    missing = set(missing_optional(granted))
    return [area for area in OPTIONAL_AREAS if area.scope in missing]
