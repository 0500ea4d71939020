"""Forms of the Manage users pages. Each error message is a constant the tests assert."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from users import credentials
from users.models import School, SchoolClass, User, YearGroup

CLASS_NAME_REQUIRED = "Enter the class's name"
CLASS_NAME_TAKEN = "Another class is already called {name}: choose a different name"
CLASS_RENAMED = "Class renamed to {name}."


class ClassRenameForm(forms.ModelForm[SchoolClass]):
    class Meta:
        model = SchoolClass
        fields = ["name"]
        labels = {"name": "Class name"}
        help_texts = {
            "name": "Use exactly the name the class has in your MIS, so that a sync uses this "
            "class instead of making a second one."
        }
        error_messages = {"name": {"required": CLASS_NAME_REQUIRED}}

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        others = SchoolClass.objects.filter(school=self.instance.school, archived=False)
        if others.exclude(pk=self.instance.pk).filter(name__iexact=name).exists():
            raise forms.ValidationError(CLASS_NAME_TAKEN.format(name=name))
        return name


CLASSES_SHOWN = [
    ("", "All current classes"),
    ("registration", "Form classes and classes made here"),
    ("teaching", "Subject classes"),
    ("archived", "Archived classes"),
]


class ClassFilterForm(forms.Form):
    """Manage users' class list filters (GET): every field is optional. The subjects
    offered are given (already read for the page), not queried again. (No year group:
    teaching groups have none; a name such as "7X" finds a year's groups.)"""

    classes = forms.ChoiceField(label="Show", choices=CLASSES_SHOWN, required=False)
    name = forms.CharField(label="Class name", required=False, max_length=100)
    subject = forms.ChoiceField(label="Subject", required=False)

    def __init__(self, *args: Any, subjects: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if subjects:
            self.fields["subject"].choices = [("", "Any"), *((s, s) for s in subjects)]  # type: ignore[attr-defined]
        else:
            del self.fields["subject"]

    def chosen(self) -> dict[str, str]:
        """The filters chosen ("" for each one not chosen or not valid)."""
        names = ("classes", "name", "subject")
        if not self.is_bound:
            return dict.fromkeys(names, "")
        self.is_valid()  # a choice not offered (a subject no class has now) is left out
        return {name: (self.cleaned_data.get(name) or "").strip() for name in names}


STATUS_CHOICES = [("active", "Active"), ("archived", "Archived"), ("all", "Active and archived")]
GROUP_CHOICES = [("", "Pupils and staff"), ("pupils", "Pupils"), ("staff", "Staff")]


class AccountFilterForm(forms.Form):
    """The Accounts page's search and filters (GET): every field is optional."""

    q = forms.CharField(label="Name or username", required=False, max_length=100)
    group = forms.ChoiceField(label="Show", choices=GROUP_CHOICES, required=False)
    year = forms.ModelChoiceField(
        label="Year group", queryset=YearGroup.objects.none(), required=False, empty_label="Any"
    )
    school_class = forms.ModelChoiceField(
        label="Class", queryset=SchoolClass.objects.none(), required=False, empty_label="Any"
    )
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, required=False)

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].queryset = YearGroup.objects.filter(school=school)  # type: ignore[attr-defined]
        self.fields["school_class"].queryset = _classes_offered(  # type: ignore[attr-defined]
            school, str(self.data.get("school_class", ""))
        )


def _classes_offered(school: School, chosen: str) -> QuerySet[SchoolClass]:
    """The Accounts page's class choices: the school's current registration groups (and
    classes made by hand), and the class chosen, which may be a teaching group (Manage
    users links each class's pupils here). Not every teaching group: a secondary school
    has thousands, which made the page grow with the school."""
    offered = Q(kind=SchoolClass.Kind.REGISTRATION)
    if chosen.isdigit():
        offered |= Q(pk=int(chosen))
    return SchoolClass.objects.filter(offered, school=school, archived=False)


ROLE_REQUIRED = "Choose whether you are adding a pupil or a member of staff"
FORENAME_REQUIRED = "Enter the person's first name"
SURNAME_REQUIRED = "Enter the person's last name"
YEAR_REQUIRED = "Choose the pupil's year group"
EMAIL_REQUIRED = "Enter the member of staff's email address: they get a link to set a password"
EMAIL_INVALID = "Enter an email address like name@school.sch.uk"


class AccountAddForm(forms.Form):
    """A pupil or a member of staff typed in by hand. Checks shape only: the username and
    password are made by `users.services.account_create`."""

    role = forms.ChoiceField(
        label="Who are you adding?",
        choices=[(User.Role.PUPIL, "A pupil"), (User.Role.STAFF, "A member of staff")],
        widget=forms.RadioSelect,
        error_messages={"required": ROLE_REQUIRED},
    )
    forename = forms.CharField(
        label="First name", max_length=100, error_messages={"required": FORENAME_REQUIRED}
    )
    surname = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": SURNAME_REQUIRED}
    )
    year_group = forms.ModelChoiceField(
        label="Year group (pupils)",
        queryset=YearGroup.objects.none(),
        required=False,
        empty_label="Choose a year group",
        help_text="The password is made in the format your school chose for this year group.",
    )
    email = forms.EmailField(
        label="Email address (staff)",
        required=False,
        help_text="We email a link to set their own password. A staff password is never shown.",
        error_messages={"invalid": EMAIL_INVALID},
    )
    school_class = forms.ModelChoiceField(
        label="Class (optional)",
        queryset=SchoolClass.objects.none(),
        required=False,
        empty_label="No class",
        help_text="A pupil joins the class; a member of staff teaches it.",
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year_group"].queryset = YearGroup.objects.filter(school=school)  # type: ignore[attr-defined]
        self.fields["school_class"].queryset = SchoolClass.objects.filter(  # type: ignore[attr-defined]
            school=school, archived=False
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if (
            role == User.Role.PUPIL
            and not data.get("year_group")
            and "year_group" not in self.errors
        ):
            self.add_error("year_group", YEAR_REQUIRED)
        if role == User.Role.STAFF and not data.get("email") and "email" not in self.errors:
            self.add_error("email", EMAIL_REQUIRED)
        return data

    def password_format(self, saved: dict[str, str]) -> str:
        """The pupil's password format: the school's choice for the year, else the default."""
        year: YearGroup | None = self.cleaned_data.get("year_group")
        if self.cleaned_data["role"] != User.Role.PUPIL or year is None:
            return ""
        return saved.get(year.code) or credentials.default_password_format(year.code)


YEAR_GROUP_FORMAT = "year_group"


class NewPasswordForm(forms.Form):
    """Which format a pupil's new password takes: their year group's (as the school chose
    it for new pupils in the wizard) or one chosen here."""

    password_format = forms.ChoiceField(
        label="What kind of password?",
        widget=forms.RadioSelect,
        initial=YEAR_GROUP_FORMAT,
        error_messages={"required": "Choose what kind of password to give"},
    )

    def __init__(self, *args: Any, year_group_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        formats = list(credentials.PASSWORD_FORMATS.items())
        self.fields["password_format"].choices = [(YEAR_GROUP_FORMAT, year_group_label), *formats]  # type: ignore[attr-defined]
