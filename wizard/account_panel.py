"""The "Changes made by syncs" section of an account's page (registered with
users.panels in WizardConfig.ready, so users never imports wizard)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from users.models import User
from wizard.models import SyncChange, SyncRun

# What each kind of change line did to an account, in words.
KIND_WORDS = {
    "new": "Created",
    "returning": "Reactivated (back in the MIS)",
    "moved": "Moved to a new class or year group",
    "updated": "Updated from the MIS",
    "leaver": "Archived (no longer in the MIS)",
}
# Only runs that changed something: a planned line that was never applied changed nothing.
APPLIED = [SyncRun.Status.APPLIED, SyncRun.Status.UNDONE]


def sync_changes_panel(account: User) -> SafeString:
    changes = (
        SyncChange.objects.filter(account=account, run__status__in=APPLIED)
        .select_related("run", "run__started_by")
        .defer("run__snapshot", "run__settings_used", "run__decisions", "run__undo_report")
        .order_by("-run__applied_at", "-id")
    )
    rows = [
        {"change": change, "words": KIND_WORDS.get(change.kind, change.kind.capitalize())}
        for change in changes
    ]
    return render_to_string("wizard/account_panel.html", {"account": account, "rows": rows})
