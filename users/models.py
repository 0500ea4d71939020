"""Schools, accounts, year groups and classes.

An account belongs to one school (support staff, who use Django admin, belong to none).
Usernames are unique per school regardless of case, and one MIS record links to at most
one account per school: both are database constraints, so no code path can break them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from users.vocabulary import CLASS_KIND_LABELS, ROLE_LABELS, ClassKind, Role, choices

estab_validator = RegexValidator(
    r"^\d{7}$", "An estab number is 7 digits: the 3-digit LA code then the 4-digit DfE number."
)


class School(models.Model):
    name = models.CharField(max_length=200)
    estab = models.CharField(
        "estab number", max_length=7, unique=True, validators=[estab_validator]
    )
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.estab})"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        """Support staff sign in to Django admin with a username that has no school."""
        return self.get(school__isnull=True, username__iexact=username)

    def create_user(self, username: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, username: str, email: str = "", password: str | None = None, **fields: Any
    ) -> User:
        fields.update(is_staff=True, is_superuser=True, role=User.Role.ADMIN, school=None)
        return self.create_user(username, password, email=email, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    Role = Role

    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        help_text="Empty only for support staff.",
    )
    role = models.CharField(max_length=10, choices=choices(ROLE_LABELS), default=Role.PUPIL)
    username = models.CharField(max_length=150)
    forename = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    year_group = models.ForeignKey(
        "YearGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="pupils"
    )

    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("support staff", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateField(
        null=True, blank=True, help_text="An archived account is deleted after this date."
    )

    # Pupils' credentials stay printable on login cards: `password` holds the hash used to
    # sign in, `printable_password` the same password encrypted with CREDENTIALS_KEY.
    password_format = models.CharField(max_length=20, blank=True)
    printable_password = models.TextField(blank=True, editable=False)

    # The MIS record this account is linked to (see DESIGN.md, "Identity").
    mis_source = models.CharField(max_length=20, blank=True)
    mis_external_id = models.CharField("MIS external id", max_length=64, blank=True)
    mis_id = models.CharField("MIS id", max_length=64, blank=True)
    upn = models.CharField("UPN", max_length=13, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["surname", "forename"]
        constraints = [
            models.UniqueConstraint(
                Lower("username"), "school", name="username_unique_per_school_ci"
            ),
            models.UniqueConstraint(
                Lower("username"),
                condition=Q(school__isnull=True),
                name="support_username_unique_ci",
            ),
            # An MIS numbers pupils and staff separately (pupil 19 and staff 19 are two
            # people), so a record is identified by its role as well as its id.
            models.UniqueConstraint(
                "school",
                "mis_source",
                "role",
                "mis_external_id",
                condition=~Q(mis_external_id=""),
                name="one_account_per_mis_external_id",
            ),
            models.UniqueConstraint(
                "school",
                "mis_source",
                "role",
                "mis_id",
                condition=~Q(mis_id=""),
                name="one_account_per_mis_id",
            ),
        ]
        indexes = [models.Index(fields=["school", "role"])]

    def __str__(self) -> str:
        return self.username

    def check_password(self, raw_password: str | None) -> bool:
        """Pupils keep their cheap generated-password hash (see PupilPasswordHasher);
        Django would otherwise re-hash it at full cost on their first sign-in."""
        if self.role != self.Role.PUPIL:
            return super().check_password(raw_password)
        return check_password(raw_password, self.password)

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}".strip()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class YearGroup(models.Model):
    """A National Curriculum year at one school: code `N1`, `R`, `6`...; name `Year 6`."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="year_groups")
    code = models.CharField("NC year", max_length=3)
    name = models.CharField(max_length=50)
    position = models.PositiveSmallIntegerField(default=0, help_text="Sort order.")

    class Meta:
        ordering = ["school", "position"]
        constraints = [models.UniqueConstraint("school", "code", name="one_year_group_per_nc_code")]

    def __str__(self) -> str:
        return self.name


class SchoolClass(models.Model):
    Kind = ClassKind

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(max_length=100)
    kind = models.CharField(
        max_length=20, choices=choices(CLASS_KIND_LABELS), default=ClassKind.REGISTRATION
    )
    subject = models.CharField(max_length=100, blank=True)
    mis_id = models.CharField("MIS id", max_length=64, blank=True)
    year_group = models.ForeignKey(
        YearGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="classes"
    )
    archived = models.BooleanField(default=False)
    members = models.ManyToManyField(User, through="ClassMembership", related_name="classes")

    class Meta:
        verbose_name_plural = "classes"
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(
                "school", "mis_id", condition=~Q(mis_id=""), name="one_class_per_mis_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ClassMembership(models.Model):
    class Role(models.TextChoices):
        PUPIL = "pupil", "Pupil"
        TEACHER = "teacher", "Teacher"

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PUPIL)

    class Meta:
        constraints = [
            models.UniqueConstraint("school_class", "user", name="one_membership_per_class")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.school_class}"


class SignInAttempt(models.Model):
    """One try at a school's sign-in page, or at Django admin's (no school): users/lockout.py
    counts the wrong ones per username and per address. The username is kept as typed
    (lower case) even when no account has it, so that unknown usernames lock exactly as
    real ones do."""

    class Outcome(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        WRONG = "wrong", "Wrong password or PIN"
        LOCKED = "locked", "Refused: login locked"
        THROTTLED = "throttled", "Refused: too many wrong tries from this address"
        # Not a try: a "forgotten password" email sent (users/views/activation.py limits them).
        EMAILED = "emailed", "Emailed a link to set a password"

    # None: Django admin's sign-in (support staff belong to no school).
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150)
    account = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField("address", null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["school", "username", "at"]),
            models.Index(fields=["ip_address", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.outcome} at {self.at:%Y-%m-%d %H:%M}"


class AccountLock(models.Model):
    """A login (school and username) refused until `until`, or until someone unlocks it."""

    # None: a login of Django admin's sign-in.
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150)
    account = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="locks"
    )
    locked_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField()
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlocked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-locked_at"]
        indexes = [models.Index(fields=["school", "username", "until"])]

    def __str__(self) -> str:
        return f"{self.username} locked at {self.locked_at:%Y-%m-%d %H:%M}"
