"""Why a record is not imported, and why a plan is held: the words the summary shows.

Tests assert these, so they are constants; the ones with `{placeholders}` are filled
with `str.format`. Each is a `Reason`: its words, which are shown, and a code, which code
compares (never the words, which may be reworded).
"""

from __future__ import annotations


class Reason(str):
    """Words to show, with a stable `code` for code to compare. `format` keeps the code."""

    code: str

    def __new__(cls, code: str, text: str) -> Reason:
        reason = super().__new__(cls, text)
        reason.code = code
        return reason

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (self.code, str(self))  # so that copies (dataclasses.asdict) keep the code

    def format(self, *args: object, **values: object) -> Reason:
        return Reason(self.code, super().format(*args, **values))


def code_of(reason: str) -> str:
    """The code of a reason; "" for words that came without one (the MIS client's)."""
    return getattr(reason, "code", "")


# Not imported (Category.ERROR). A record gets the first that applies, in this order;
# a problem the MIS client reported for the record (a ParseProblem) replaces any of them.
REPEATED_ID = Reason("repeated_id", "Another person in the MIS has the same {label} ({value})")
NO_MIS_ID = Reason("no_mis_id", "The MIS sent this person without an Id")
# Ids, names, UPN and email must fit their database columns (users/models.py): a value
# too long for its column would make the whole apply fail on PostgreSQL.
ID_TOO_LONG = Reason("id_too_long", "The MIS {label} is longer than 64 characters")
EMPTY_NAME = Reason("empty_name", "The MIS has no forename or no surname for this person")
NAME_TOO_LONG = Reason("name_too_long", "The MIS forename or surname is longer than 100 characters")
# The UPN is an identity key, so a wrong check letter is an error too, not just a bad shape.
INVALID_UPN = Reason("invalid_upn", 'The MIS UPN "{upn}" is not a valid UPN')
NO_YEAR_GROUP = Reason("no_year_group", "Pupil has no year group in the MIS")
YEAR_NOT_MAPPED = Reason(
    "year_not_mapped", 'Year group "{name}" is not mapped to a National Curriculum year'
)
NO_REGISTRATION_GROUP = Reason("no_registration_group", "Pupil has no class in the MIS")
REGISTRATION_GROUP_NOT_SENT = Reason(
    "registration_group_not_sent", 'Class "{name}" is not in the MIS data'
)
REGISTRATION_GROUP_ID_TOO_LONG = Reason(
    "registration_group_id_too_long",
    'Class "{name}" is not imported: its MIS Id is longer than 64 characters',
)
INVALID_EMAIL = Reason("invalid_email", 'Work email "{email}" is not a valid email address')
LINK_ID_TAKEN = Reason(
    "link_id_taken", "The MIS {label} ({value}) is already linked to another account ({username})"
)
NO_EMAIL = Reason("no_email", "Staff member has no email address in the MIS")

# Why a whole feed is refused (the run fails, whatever the brake's confirmation): an MIS
# that sends nobody is a fault in the feed, not a school with no pupils.
NO_PUPILS_SENT = Reason(
    "no_pupils_sent",
    "The MIS sent no pupils at all, so nothing was changed: a school always has pupils, "
    "so this is a fault in the MIS or in Groupcall. Check them, then run the sync again.",
)
NO_STAFF_SENT = Reason(
    "no_staff_sent",
    "The MIS sent no staff at all, so nothing was changed: a school always has staff, "
    "so this is a fault in the MIS or in Groupcall. Check them, then run the sync again.",
)

# Labels for REPEATED_ID, ID_TOO_LONG and LINK_ID_TAKEN.
LABEL_MIS_ID = "Id"
LABEL_EXTERNAL_ID = "ExternalId"
LABEL_UPN = "UPN"

# Why the brake holds a plan (SyncPlan.hold_reasons).
TOO_MANY_LEAVERS = Reason(
    "too_many_leavers",
    "This sync would archive {leavers} of {linked} {role} accounts ({percent}%), "
    "more than the {limit}% limit.",
)
YEAR_EMPTIED = Reason("year_emptied", "{year} would be left with no pupils.")
# Classes: a Groups answer that lost its groups would otherwise archive the school's
# classes and take every teacher out of them.
TOO_MANY_REGISTRATION_GROUPS = Reason(
    "too_many_registration_groups",
    "This sync would archive {archived} of {live} classes ({percent}%), "
    "more than the {limit}% limit.",
)
TOO_MANY_TEACHING_GROUPS = Reason(
    "too_many_teaching_groups",
    "This sync would archive {archived} of {live} subject classes ({percent}%), "
    "more than the {limit}% limit.",
)
# {pupils} is "1 pupil" or "12 pupils".
YEAR_WITHOUT_REGISTRATION_GROUP = Reason(
    "year_without_registration_group",
    "{pupils} in {year} would be left without a class: "
    "the MIS did not send the classes they are in.",
)
NO_YEAR_WITHOUT_REGISTRATION_GROUP = Reason(
    "no_year_without_registration_group",
    "{pupils} with no year group would be left without a class: "
    "the MIS did not send the classes they are in.",
)
