"""Class memberships as the sync manages them.

Only memberships of classes linked to the MIS (with a MIS id) are the sync's business;
memberships of classes made by hand are left as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db.models import QuerySet

from users.models import ClassMembership, User
from wizard.planner.types import AccountChange
from wizard.services.bulk import bulk_insert_rows


def _managed(user_ids: Iterable[int]) -> QuerySet[ClassMembership]:
    """The users' memberships of MIS-linked classes: the only ones the sync manages."""
    return ClassMembership.objects.filter(user_id__in=list(user_ids)).exclude(
        school_class__mis_id=""
    )


def managed_class_ids(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """user id -> ids of the MIS-linked classes the user is in, in one query."""
    found: dict[int, set[int]] = defaultdict(set)
    for user_id, class_id in _managed(user_ids).values_list("user_id", "school_class_id"):
        found[user_id].add(class_id)
    return found


def memberships_set(wanted: Mapping[int, set[int]], roles: Mapping[int, str]) -> None:
    """Makes each user's MIS-linked memberships exactly `wanted[user id]` (two queries
    plus one read, whatever the number of users)."""
    current = _managed(wanted).only("user", "school_class")
    have = {(m.user_id, m.school_class_id): m.pk for m in current}
    want = {(user_id, class_id) for user_id, ids in wanted.items() for class_id in ids}
    stale = [pk for pair, pk in have.items() if pair not in want]
    ClassMembership.objects.filter(pk__in=stale).delete()
    bulk_insert_rows(
        [
            ClassMembership(user_id=user_id, school_class_id=class_id, role=_role(roles[user_id]))
            for user_id, class_id in sorted(want - have.keys())
        ]
    )


def _role(account_role: str) -> str:
    if account_role == User.Role.PUPIL:
        return ClassMembership.Role.PUPIL
    return ClassMembership.Role.TEACHER


def memberships_apply(
    *, applied: list[tuple[User, AccountChange]], class_ids: Mapping[str, int]
) -> None:
    """Puts every account the sync touched into the classes its plan line names."""
    wanted = {
        user.pk: {class_ids[mis_id] for mis_id in change.class_mis_ids if mis_id in class_ids}
        for user, change in applied
    }
    memberships_set(wanted, {user.pk: user.role for user, _ in applied})
