"""A school's sign-in page, `/s/<school_slug>/` (the address printed on login cards),
and signing out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, View

from users.access import is_school_admin
from users.models import School

# One message for any failure: it never tells which of the two was wrong.
SIGN_IN_FAILED = (
    "The username or password is not right. Check both and try again; "
    "ask your school's administrator if you have forgotten them."
)
SIGNED_OUT = "You have signed out."


class SignInForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": "Enter your username"},
    )
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    def __init__(self, *args: Any, request: HttpRequest, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request, self.school = request, school
        self.user: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        self.user = authenticate(
            self.request, username=data["username"], password=data["password"], school=self.school
        )
        if self.user is None:
            raise forms.ValidationError(SIGN_IN_FAILED, code="invalid_login")
        return data


@method_decorator([sensitive_post_parameters("password"), csrf_protect, never_cache], "dispatch")
class SignInView(FormView[SignInForm]):
    template_name = "users/sign_in.html"
    form_class = SignInForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.school = get_object_or_404(School, slug=kwargs["school_slug"])
        if request.method == "GET" and is_school_admin(request.user, self.school):
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request, "school": self.school}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "school": self.school, "next": self._next()}

    def form_valid(self, form: SignInForm) -> HttpResponse:
        login(self.request, form.user)
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self._next() or reverse("users:manage", args=[self.school.slug])

    def _next(self) -> str:
        wanted = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return wanted if safe else ""


class SignOutView(View):
    """POST only (a link that signs out could be triggered by any page)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, school_slug: str) -> HttpResponse:
        school = get_object_or_404(School, slug=school_slug)
        logout(request)
        messages.success(request, SIGNED_OUT)
        return redirect("users:sign_in", school.slug)
