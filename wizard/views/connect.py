"""Connect: the school's XoD estab and secret, and "Test connection"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.generic import View

from users.access import SchoolAdminRequiredMixin
from users.models import School, estab_validator
from wizard.models import MisConnection
from wizard.services.connection import ConnectionCheck, mis_connection_save, mis_connection_test

ESTAB_REQUIRED = "Enter your school's 7-digit estab number"
ESTAB_INVALID = "Enter the estab number as 7 digits, like 8231234"
ESTAB_TAKEN = "Another school uses this estab number: check it, or contact support"
SECRET_REQUIRED = "Enter the secret from Groupcall's email"


class ConnectForm(forms.Form):
    estab = forms.CharField(
        label="Estab number",
        max_length=7,
        help_text="7 digits: your local authority's number (3) then your school's DfE "
        "number (4), as on Groupcall's email.",
        error_messages={"required": ESTAB_REQUIRED},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "input-short"}
        ),
    )
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
            else "The secret Groupcall sent when your school authorised this app."
        )

    def clean_estab(self) -> str:
        estab: str = self.cleaned_data["estab"].replace(" ", "")
        try:
            estab_validator(estab)
        except forms.ValidationError:
            raise forms.ValidationError(ESTAB_INVALID) from None
        if School.objects.filter(estab=estab).exclude(pk=self.school.pk).exists():
            raise forms.ValidationError(ESTAB_TAKEN)
        return estab

    def clean_secret(self) -> str:
        secret: str = self.cleaned_data["secret"]
        if not secret and not self.connected:
            raise forms.ValidationError(SECRET_REQUIRED)
        return secret


class ConnectView(SchoolAdminRequiredMixin, View):
    """GET shows the form; POST `action=save` saves then tests, `action=test` tests the
    saved connection. The secret is never sent back to the browser."""

    template_name = "wizard/connect.html"

    def get(self, request: HttpRequest, school_slug: str) -> HttpResponse:
        return self._page(self._form(), check=None)

    def post(self, request: HttpRequest, school_slug: str) -> HttpResponse:
        if request.POST.get("action") == "test" and self._connection():
            return self._page(self._form(), check=mis_connection_test(school=self.school))
        form = self._form(request.POST)
        if not form.is_valid():
            return self._page(form, check=None)
        mis_connection_save(
            school=self.school, estab=form.cleaned_data["estab"], secret=form.cleaned_data["secret"]
        )
        return self._page(self._form(), check=mis_connection_test(school=self.school))

    def _connection(self) -> MisConnection | None:
        return MisConnection.objects.filter(school=self.school).first()

    def _form(self, data: Any = None) -> ConnectForm:
        connected = self._connection() is not None
        initial = {"estab": self.school.estab}
        return ConnectForm(data, initial=initial, school=self.school, connected=connected)

    def _page(self, form: ConnectForm, *, check: ConnectionCheck | None) -> HttpResponse:
        context = {
            "school": self.school,
            "form": form,
            "connection": self._connection(),
            "check": check,
        }
        return render(self.request, self.template_name, context)
