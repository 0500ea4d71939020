"""A feed with nobody in it is refused outright, before any plan is made.

The brake holds plans that would archive many accounts until an administrator confirms
them; an empty feed is different: confirming it would archive the whole school, and it
is never what the MIS really holds. So it fails, whatever the confirmation, and an
administrator who really means to archive people does it by hand.
"""

from __future__ import annotations

from misclient.snapshot import MisSnapshot
from wizard.planner import reasons
from wizard.planner.feed import on_roll


def empty_feed_reason(snapshot: MisSnapshot) -> str:
    """Why `snapshot` must not be planned at all, in words; "" when it may be."""
    if not any(on_roll(pupil.status) for pupil in snapshot.pupils):
        return reasons.NO_PUPILS_SENT
    if not any(on_roll(member.status) for member in snapshot.staff):
        return reasons.NO_STAFF_SENT
    return ""
