"""Why a record is not imported, and why a plan is held: the words the summary shows.

Tests assert these, so they are constants; the ones with `{placeholders}` are filled
with `str.format`.
"""

from __future__ import annotations

# Not imported (Category.ERROR). A record gets the first that applies, in this order;
# a problem the MIS client reported for the record (a ParseProblem) replaces any of them.
REPEATED_ID = "Another person in the MIS has the same {label} ({value})"
NO_MIS_ID = "The MIS sent this person without an Id"
# Ids, names, UPN and email must fit their database columns (users/models.py): a value
# too long for its column would make the whole apply fail on PostgreSQL.
ID_TOO_LONG = "The MIS {label} is longer than 64 characters"
EMPTY_NAME = "The MIS has no forename or no surname for this person"
NAME_TOO_LONG = "The MIS forename or surname is longer than 100 characters"
# The UPN is an identity key, so a wrong check letter is an error too, not just a bad shape.
INVALID_UPN = 'The MIS UPN "{upn}" is not a valid UPN'
NO_YEAR_GROUP = "Pupil has no year group in the MIS"
YEAR_NOT_MAPPED = 'Year group "{name}" is not mapped to a National Curriculum year'
NO_REGISTRATION_GROUP = "Pupil has no registration group in the MIS"
REGISTRATION_GROUP_NOT_SENT = 'Registration group "{name}" is not in the MIS data'
REGISTRATION_GROUP_ID_TOO_LONG = (
    'Registration group "{name}" is not imported: its MIS Id is longer than 64 characters'
)
INVALID_EMAIL = 'Work email "{email}" is not a valid email address'
LINK_ID_TAKEN = "The MIS {label} ({value}) is already linked to another account ({username})"
NO_EMAIL = "Staff member has no email address in the MIS"

# Why a whole feed is refused (the run fails, whatever the brake's confirmation): an MIS
# that sends nobody is a fault in the feed, not a school with no pupils.
NO_PUPILS_SENT = (
    "The MIS sent no pupils at all, so nothing was changed: a school always has pupils, "
    "so this is a fault in the MIS or in Groupcall. Check them, then run the sync again."
)
NO_STAFF_SENT = (
    "The MIS sent no staff at all, so nothing was changed: a school always has staff, "
    "so this is a fault in the MIS or in Groupcall. Check them, then run the sync again."
)

# Labels for REPEATED_ID, ID_TOO_LONG and LINK_ID_TAKEN.
LABEL_MIS_ID = "Id"
LABEL_EXTERNAL_ID = "ExternalId"
LABEL_UPN = "UPN"

# Why the brake holds a plan (SyncPlan.hold_reasons).
TOO_MANY_LEAVERS = (
    "This sync would archive {leavers} of {linked} {role} accounts ({percent}%), "
    "more than the {limit}% limit."
)
YEAR_EMPTIED = "{year} would be left with no pupils."
# Classes: a Groups answer that lost its groups would otherwise archive the school's
# classes and take every teacher out of them.
TOO_MANY_REGISTRATION_GROUPS = (
    "This sync would archive {archived} of {live} registration groups ({percent}%), "
    "more than the {limit}% limit."
)
TOO_MANY_TEACHING_GROUPS = (
    "This sync would archive {archived} of {live} teaching groups ({percent}%), "
    "more than the {limit}% limit."
)
# {pupils} is "1 pupil" or "12 pupils".
YEAR_WITHOUT_REGISTRATION_GROUP = (
    "{pupils} in {year} would be left without a registration group: "
    "the MIS did not send the groups they are in."
)
NO_YEAR_WITHOUT_REGISTRATION_GROUP = (
    "{pupils} with no year group would be left without a registration group: "
    "the MIS did not send the groups they are in."
)
