"""The Groupcall connection page: where the school stands, what data the app asks for and
why, "Set up Groupcall Xporter" (Groupcall then emails the school for consent), a check
of the connection with Groupcall, and, for support staff's instructions, an estab and
secret entered by hand. Also Groupcall's callback, which brings the school's secret."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import View

from users.access import SchoolAdminRequiredMixin
from users.models import School, estab_validator
from wizard.models import GroupcallInvitation, MisConnection
from wizard.services import authorisation
from wizard.services.connection import (
    ConnectionCheck,
    mis_connection_save,
    mis_connection_test,
    mis_school_confirm,
)
from wizard.services.data_areas import DATA_AREAS, OPTIONAL_AREAS, REQUIRED_AREAS

ESTAB_REQUIRED = "Enter your school's 7-digit estab number"
ESTAB_INVALID = "Enter the estab number as 7 digits, like 8231234"
ESTAB_TAKEN = "Another school uses this estab number: check it, or contact support"
SECRET_REQUIRED = "Enter the secret from Groupcall's email"
FIRST_NAME_REQUIRED = "Enter the first name of the person Groupcall should email"
LAST_NAME_REQUIRED = "Enter the last name of the person Groupcall should email"
EMAIL_REQUIRED = "Enter the email address Groupcall should write to"
EMAIL_INVALID = "Enter an email address like head@school.example.org"
# A connection checked longer ago than this is checked again when the page opens.
CHECK_AGAIN_AFTER = timedelta(hours=1)


def clean_estab_of(form: forms.Form, school: School) -> str:
    estab: str = form.cleaned_data["estab"].replace(" ", "")
    try:
        estab_validator(estab)
    except forms.ValidationError:
        raise forms.ValidationError(ESTAB_INVALID) from None
    if School.objects.filter(estab=estab).exclude(pk=school.pk).exists():
        raise forms.ValidationError(ESTAB_TAKEN)
    return estab


def estab_field() -> forms.CharField:
    return forms.CharField(
        label="Estab number",
        max_length=7,
        help_text="7 digits: your local authority's number (3) then your school's DfE number (4).",
        error_messages={"required": ESTAB_REQUIRED},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "input-short"}
        ),
    )


class InviteForm(forms.Form):
    """What "Set up Groupcall Xporter" sends: the school, the person Groupcall emails for
    consent, and the optional data areas chosen (the required ones always go)."""

    estab = estab_field()
    contact_first_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={"required": FIRST_NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    contact_last_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": LAST_NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    contact_email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Groupcall emails this address to ask for consent.",
        error_messages={"required": EMAIL_REQUIRED, "invalid": EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label="Phone number (optional)",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    optional_scopes = forms.MultipleChoiceField(
        label="Optional data",
        required=False,
        choices=[(area.scope, area.title) for area in OPTIONAL_AREAS],
        widget=forms.CheckboxSelectMultiple,
        help_text="Recommended. Untick to leave it out.",
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school

    def clean_estab(self) -> str:
        return clean_estab_of(self, self.school)

    def contact(self) -> authorisation.Contact:
        data = self.cleaned_data
        return authorisation.Contact(
            first_name=data["contact_first_name"],
            last_name=data["contact_last_name"],
            email=data["contact_email"],
            phone=data["contact_phone"],
        )


class ConnectForm(forms.Form):
    """An estab and secret entered by hand, as support staff may give them."""

    estab = estab_field()
    secret = forms.CharField(
        label="Secret",
        required=False,
        strip=True,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, school: School, connected: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school, self.connected = school, connected
        self.fields["secret"].help_text = (
            "A secret is saved. Leave this empty to keep it, or enter a new one."
            if connected
            else "The secret support staff gave you for this school."
        )

    def clean_estab(self) -> str:
        return clean_estab_of(self, self.school)

    def clean_secret(self) -> str:
        secret: str = self.cleaned_data["secret"]
        if not secret and not self.connected:
            raise forms.ValidationError(SECRET_REQUIRED)
        return secret


class ConnectView(SchoolAdminRequiredMixin, View):
    """GET shows where the school stands (checking with Groupcall when the connection is
    new or its last check is old). POST `action=invite` asks Groupcall for consent,
    `action=test` checks the connection, `action=save` saves an estab and secret entered
    by hand. The secret is never sent back to the browser."""

    template_name = "wizard/connect.html"

    def get(self, request: HttpRequest, school_slug: str) -> HttpResponse:
        check = mis_connection_test(school=self.school) if self._check_due() else None
        return self._page(check=check)

    def post(self, request: HttpRequest, school_slug: str) -> HttpResponse:
        action = request.POST.get("action")
        if action == "invite":
            return self._invite()
        if action == "test" and self._connection():
            return self._page(check=mis_connection_test(school=self.school))
        if action == "confirm_school" and self._connection():
            mis_school_confirm(school=self.school)
            return redirect("wizard:connect", self.school.slug)
        form = self._connect_form(request.POST)
        if not form.is_valid():
            return self._page(connect_form=form, check=None)
        mis_connection_save(
            school=self.school, estab=form.cleaned_data["estab"], secret=form.cleaned_data["secret"]
        )
        return self._page(check=mis_connection_test(school=self.school))

    def _invite(self) -> HttpResponse:
        form = InviteForm(self.request.POST, school=self.school, prefix="invite")
        if not form.is_valid():
            return self._page(invite_form=form, check=None)
        try:
            invitation = authorisation.invitation_send(
                school=self.school,
                estab=form.cleaned_data["estab"],
                contact=form.contact(),
                optional_scopes=form.cleaned_data["optional_scopes"],
                invited_by=self.request.user,  # type: ignore[arg-type]
            )
        except ValueError as error:  # the app has no Groupcall partner account
            messages.error(self.request, str(error))
            return self._page(invite_form=form, check=None)
        if invitation.status != GroupcallInvitation.Status.INVITED:
            # Groupcall's answer beside the form, whose values stay for correcting.
            form.add_error(None, invitation.message)
            return self._page(invite_form=form, check=None)
        # The status box says what happened, in full; the message only confirms.
        messages.success(self.request, authorisation.SENT)
        return redirect("wizard:connect", self.school.slug)

    def _connection(self) -> MisConnection | None:
        return MisConnection.objects.filter(school=self.school).first()

    def _check_due(self) -> bool:
        connection = self._connection()
        if connection is None or connection.state == MisConnection.State.SCOPES_MISSING:
            return False
        checked = connection.last_checked_at
        return checked is None or timezone.now() - checked > CHECK_AGAIN_AFTER

    def _connect_form(self, data: Any = None) -> ConnectForm:
        connected = self._connection() is not None
        initial = {"estab": self.school.estab}
        return ConnectForm(data, initial=initial, school=self.school, connected=connected)

    def _invite_form(self) -> InviteForm:
        """Filled in as last time, or with the signed-in administrator's details."""
        last = GroupcallInvitation.objects.filter(school=self.school).first()
        user = self.request.user
        initial = {
            "estab": self.school.estab,
            "contact_first_name": last.contact_first_name if last else user.forename,  # type: ignore[union-attr]
            "contact_last_name": last.contact_last_name if last else user.surname,  # type: ignore[union-attr]
            "contact_email": last.contact_email if last else user.email,  # type: ignore[union-attr]
            "contact_phone": last.contact_phone if last else "",
            "optional_scopes": [
                area.scope
                for area in OPTIONAL_AREAS
                if last is None or area.scope in last.scopes_requested
            ],
        }
        return InviteForm(initial=initial, school=self.school, prefix="invite")

    def _page(
        self,
        *,
        check: ConnectionCheck | None,
        invite_form: InviteForm | None = None,
        connect_form: ConnectForm | None = None,
    ) -> HttpResponse:
        status = authorisation.authorisation_status(self.school)
        # In the demo, where the school's part is played on the fake Groupcall's page.
        waiting_on_school = status.pending is not None or status.code == MisConnection.State.PAUSED
        context = {
            "school": self.school,
            "status": status,
            "check": check,
            "invite_form": invite_form or self._invite_form(),
            "form": connect_form or self._connect_form(),
            "connect_form_open": connect_form is not None,
            "partner_ready": authorisation.partner_from_settings() is not None,
            "no_partner": authorisation.NO_PARTNER,
            "demo_consent_url": settings.GROUPCALL_DEMO_CONSENT_URL if waiting_on_school else "",
            "data_areas": DATA_AREAS,
            "required_areas": REQUIRED_AREAS,
        }
        return render(self.request, self.template_name, context)


@method_decorator(csrf_exempt, name="dispatch")
class GroupcallCallbackView(View):
    """Groupcall's form POST when a school has consented. Not a page for people: no
    session and no CSRF token (Groupcall's server sends it); the unguessable token in
    the address, one per invitation, is what is checked instead."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, invitation_id: int, token: str) -> HttpResponse:
        try:
            changed = authorisation.consent_receive(
                invitation_id=invitation_id, token=token, form=request.POST.dict()
            )
        except authorisation.CallbackRefused as refused:
            return HttpResponse(str(refused), status=refused.status, content_type="text/plain")
        answer = "Consent recorded." if changed else "Already recorded."
        return HttpResponse(answer, content_type="text/plain")
