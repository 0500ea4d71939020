"""Why a record is not imported, and why a plan is held: the words the summary shows.

Tests assert these, so they are constants; the ones with `{placeholders}` are filled
with `str.format`.
"""

from __future__ import annotations

# Not imported (Category.ERROR). A record gets the first that applies, in this order.
NO_MIS_ID = "The MIS sent this person without an Id"
REPEATED_ID = "Another person in the MIS has the same {label} ({value})"
LINK_ID_TAKEN = "The MIS {label} ({value}) is already linked to another account ({username})"
EMPTY_NAME = "The MIS has no forename or no surname for this person"
NO_YEAR_GROUP = "Pupil has no year group in the MIS"
YEAR_NOT_MAPPED = 'Year group "{name}" is not mapped to a National Curriculum year'
NO_REGISTRATION_GROUP = "Pupil has no registration group in the MIS"
REGISTRATION_GROUP_NOT_SENT = 'Registration group "{name}" is not in the MIS data'
NO_EMAIL = "Staff member has no email address in the MIS"

# Labels for REPEATED_ID and LINK_ID_TAKEN.
LABEL_MIS_ID = "Id"
LABEL_EXTERNAL_ID = "ExternalId"
LABEL_UPN = "UPN"

# Why the brake holds a plan (SyncPlan.hold_reasons).
TOO_MANY_LEAVERS = (
    "This sync would archive {leavers} of {linked} {role} accounts ({percent}%), "
    "more than the {limit}% limit."
)
YEAR_EMPTIED = "{year} would be left with no pupils."
