"""What the sync keeps: each school's XoD connection and sync settings, the answers an
administrator gave about possible duplicates, and every sync run with its change rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from users import crypto
from users.models import School, SchoolClass
from users.vocabulary import choices
from wizard.planner.types import MIS_SOURCE, STAFF_SCOPE_LABELS, StaffScope


class MisConnection(models.Model):
    """How to reach a school's MIS through XoD. The secret is encrypted at rest.

    It exists once the school has authorised the app (Groupcall's callback brought the
    secret) or support staff entered a secret by hand. `state` is what the last check
    with Groupcall found; `last_error` says it in words when it is not READY."""

    class State(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        READY = "ready", "Ready"
        PAUSED = "paused", "Authorisation paused"
        REFUSED = "refused", "Secret not accepted"
        SCOPES_MISSING = "scopes_missing", "Data the sync needs not shared"
        UNREACHABLE = "unreachable", "Groupcall not reachable"
        PROBLEM = "problem", "Problem at Groupcall"
        CHECK_SCHOOL = "check_school", "Check this is your school"

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="mis_connection")
    source = models.CharField(max_length=20, default=MIS_SOURCE)
    secret_encrypted = models.TextField(editable=False)
    # Empty means the XOD_* settings; a school may be pointed elsewhere (the fake server).
    base_url = models.URLField(blank=True)
    token_url = models.URLField(blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.UNCHECKED)
    # The scopes Groupcall says the school shares (callback, then each TokenDetails check).
    scopes_granted = models.JSONField(default=list, blank=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    # The school's name at Groupcall (TokenDetails), and the one an administrator confirmed
    # is theirs when it differs from the name here: a mistyped estab reads another school.
    mis_school_name = models.CharField(max_length=200, blank=True)
    confirmed_mis_name = models.CharField(max_length=200, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.source} connection of {self.school}"

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value)


class GroupcallInvitation(models.Model):
    """One request to Groupcall asking a school to authorise the app ("Set up Groupcall
    Xporter"), and its answer. Groupcall's callback for it carries `token` in its address;
    only the token's hash is kept, so the database alone cannot forge a callback."""

    class Status(models.TextChoices):
        SENDING = "sending", "Being sent to Groupcall"
        INVITED = "invited", "Invited: waiting for consent"
        FAILED = "failed", "Not accepted by Groupcall"
        CONSENTED = "consented", "Consent given"

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="groupcall_invitations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    estab = models.CharField(max_length=7)  # the school's LA number then its DfE number
    token_hash = models.CharField(max_length=64, editable=False)
    scopes_requested = models.JSONField(default=list)
    contact_first_name = models.CharField(max_length=100)
    contact_last_name = models.CharField(max_length=100)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=30, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    message = models.TextField(blank=True)  # Groupcall's answer, in words
    consented_at = models.DateTimeField(null=True, blank=True)
    install_completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Groupcall invitation #{self.pk} of {self.school} ({self.get_status_display()})"


class SyncSettings(models.Model):
    """A school's choices, saved for next time. Formats apply to new accounts only."""

    StaffScope = StaffScope

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="sync_settings")
    pupil_username_format = models.CharField(max_length=100, default="forename_surname_initial")
    staff_username_format = models.CharField(max_length=100, default="forename_initial_surname")
    staff_scope = models.CharField(
        max_length=10, choices=choices(STAFF_SCOPE_LABELS), default=StaffScope.TEACHERS
    )
    # NC year code -> password format ("pin2", "pin4", "word_digits", "random")
    password_formats = models.JSONField(default=dict, blank=True)
    # MIS year-group name -> NC year code
    year_mapping = models.JSONField(default=dict, blank=True)
    # MIS ids of the teaching groups to import
    subject_groups = models.JSONField(default=list, blank=True)
    leaver_grace_days = models.PositiveIntegerField(
        default=90, help_text="Days an archived leaver is kept before being deleted."
    )
    brake_percent = models.PositiveSmallIntegerField(
        default=10, help_text="Hold a sync that would archive more than this share of accounts."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "sync settings"

    def __str__(self) -> str:
        return f"Sync settings of {self.school}"


class NotDuplicate(models.Model):
    """An administrator's answer "not a duplicate": never ask about this pair again."""

    school = models.ForeignKey(School, on_delete=models.CASCADE)
    mis_id = models.CharField(max_length=64)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("school", "mis_id", "account", name="one_answer_per_pair")
        ]

    def __str__(self) -> str:
        return f"MIS record {self.mis_id} is not account {self.account_id}"


class SyncRunManager(models.Manager["SyncRun"]):
    """Runs without their snapshot: the MIS data read (megabytes for a big school) is
    loaded only where a run is planned from it, on first access to `run.snapshot`."""

    def get_queryset(self) -> models.QuerySet[SyncRun]:
        return super().get_queryset().defer("snapshot")


class SyncRun(models.Model):
    class Status(models.TextChoices):
        FETCHING = "fetching", "Reading the MIS"
        PLANNED = "planned", "Ready to apply"
        HELD = "held", "Held for confirmation"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="sync_runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FETCHING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    fetched_at = models.DateTimeField(null=True, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    # When "Finish" handed the run to a worker: a run still planned long after this has
    # lost its task (see wizard/services/lifecycle.py, stuck runs).
    apply_requested_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    progress = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)

    snapshot = models.JSONField(null=True, blank=True, editable=False)
    settings_used = models.JSONField(default=dict, blank=True, editable=False)
    decisions = models.JSONField(default=dict, blank=True, editable=False)
    counts = models.JSONField(default=dict, blank=True)
    # What undo kept because it changed since the run, and the accounts it could not
    # find: {"kept": [{"username", "fields"}], "kept_classes": [...], "missing": [...]}
    undo_report = models.JSONField(default=dict, blank=True)
    hold_reasons = models.JSONField(default=list, blank=True)
    # The digest of the plan its change rows hold (plan_store.plan_digest): planning
    # again to the same plan (each view of the summary, Finish) leaves the rows alone.
    plan_digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = SyncRunManager()

    class Meta:
        ordering = ["-created_at"]
        # Related access (`change.run`) and refresh_from_db leave the snapshot out too.
        base_manager_name = "objects"
        constraints = [
            # Only one sync of a school may be applying at any moment.
            models.UniqueConstraint(
                "school", condition=Q(status="applying"), name="one_applying_run_per_school"
            )
        ]

    def __str__(self) -> str:
        return f"Sync #{self.pk} of {self.school} ({self.get_status_display()})"

    def refresh_from_db(
        self,
        using: str | None = None,
        fields: Iterable[str] | None = None,
        from_queryset: models.QuerySet[SyncRun] | None = None,
    ) -> None:
        # A refresh of the whole run leaves the snapshot deferred again (read again only
        # when next used), rather than reading megabytes to update a status.
        if fields is None:
            self.__dict__.pop("snapshot", None)
        if from_queryset is None:
            # Not the manager's queryset: only("snapshot") after its defer("snapshot")
            # would load every field.
            from_queryset = models.QuerySet(model=type(self))
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class SyncChange(models.Model):
    """One line of a run's plan: a person or a class, what will change and, once applied,
    what it was before (`prior`), which is what undo restores."""

    class Target(models.TextChoices):
        ACCOUNT = "account", "Account"
        CLASS = "class", "Class"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="changes")
    target = models.CharField(max_length=10, choices=Target.choices)
    kind = models.CharField(max_length=20)  # a planner Category or ClassCategory
    role = models.CharField(max_length=10, blank=True)
    mis_id = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200, blank=True)
    username = models.CharField(max_length=150, blank=True)
    reason = models.TextField(blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sync_changes",
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    planned: models.JSONField[Any, Any] = models.JSONField(default=dict)
    prior: models.JSONField[Any, Any] = models.JSONField(null=True, blank=True)
    # What the apply left (the same keys as `prior`): undo restores a field only where
    # it still holds this value, so it never overwrites a change made since.
    written: models.JSONField[Any, Any] = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name or self.mis_id}"
