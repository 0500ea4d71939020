"""A school's sign-in page, `/s/<school_slug>/` (the address printed on login cards), for
everyone of the school, and signing out.

Two steps, each a plain form, so that it all works without JavaScript:

1. the username;
2. a pad of the ten pictures for a picture-PIN account (each picture a submit button; the
   digits tapped so far travel in a hidden field, and static/js/signin.js collects them
   in the page instead when it can), otherwise a password field.

What the second step shows must not tell an attacker whether a username exists, nor that
it is a pupil's: an unknown username also gets a pad (of two or four pictures) or a
password field, always the same one for the same username, chosen by a keyed hash of it
(`pin_length`). The step then shows only what a real account would show. Every wrong try
counts towards the login's lock whether or not the account exists (users/lockout.py), and
the backend takes as long for any username (users/backends.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import View

from users import lockout
from users.access import is_school_admin
from users.credentials import PIN2, PIN4
from users.models import School, SignInAttempt, User
from users.pictures import PICTURES

# One message for any failure: it never tells which of the two was wrong.
SIGN_IN_FAILED = (
    "The username or password is not right. Check both and try again; "
    "ask your school's administrator if you have forgotten them."
)
PICTURES_WRONG = "Those pictures are not right. Tap them again, or ask your teacher for help."
ENTER_PASSWORD = "Enter your password"
SIGNED_OUT = "You have signed out."

PIN_LENGTHS = {PIN2: 2, PIN4: 4}
# What an unknown username gets at step 2: a password field (0) or a pad of 2 or 4.
DECOY_LENGTHS = (0, 2, 4)
START_AGAIN = "again"


def pin_length(school: School, username: str) -> int:
    """How many pictures the pad asks `username` for; 0 for a password field instead."""
    account = User.objects.filter(school=school, username__iexact=username).first()
    if account is not None:
        return PIN_LENGTHS.get(account.password_format, 0)
    key = f"{school.pk}:{lockout.login_key(username)}"
    digest = salted_hmac("users.signin.unknown-username", key).digest()
    return DECOY_LENGTHS[digest[0] % len(DECOY_LENGTHS)]


class UsernameForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter your username"},
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": ENTER_PASSWORD},
    )


@method_decorator(
    [sensitive_post_parameters("password", "pin"), csrf_protect, never_cache], "dispatch"
)
class SignInView(View):
    template_name = "users/sign_in.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.school = get_object_or_404(School, slug=kwargs["school_slug"])
        if request.method == "GET" and is_school_admin(request.user, self.school):
            return redirect(self._next() or reverse("users:manage", args=[self.school.slug]))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, school_slug: str) -> HttpResponse:
        return self._username_step(UsernameForm())

    def post(self, request: HttpRequest, school_slug: str) -> HttpResponse:
        username_form = UsernameForm(request.POST)
        if not username_form.is_valid():
            return self._username_step(username_form)
        username = username_form.cleaned_data["username"]
        if "password" in request.POST:
            form = PasswordForm(request.POST)
            if not form.is_valid():
                return self._password_step(username, form)
            return self._try(username, form.cleaned_data["password"])
        length = pin_length(self.school, username)
        if "pin" in request.POST and length and "use_password" not in request.POST:
            pin = self._pin_so_far(length)
            if len(pin) < length:
                return self._pad_step(username, length, pin)
            return self._try(username, pin, pad_length=length)
        if refused := lockout.refusal(self.school, username, lockout.client_address(request)):
            return self._username_step(username_form, error=refused)
        if length and "use_password" not in request.POST:
            return self._pad_step(username, length)
        return self._password_step(username, PasswordForm())

    def _pin_so_far(self, length: int) -> str:
        tap = self.request.POST.get("tap", "")
        pin = "".join(c for c in self.request.POST.get("pin", "") if c.isdigit())
        if tap == START_AGAIN:
            return ""
        if len(tap) == 1 and tap.isdigit():
            pin += tap
        return pin[:length]

    def _try(self, username: str, secret: str, *, pad_length: int = 0) -> HttpResponse:
        """Checks `secret` (from a pad of `pad_length` pictures, or 0: typed) unless the
        login is locked or the address throttled, records the try, and signs in or says
        why not."""
        address = lockout.client_address(self.request)
        Outcome = SignInAttempt.Outcome
        if refused := lockout.refusal_recorded(self.school, username, address):
            return self._username_step(UsernameForm({"username": username}), error=refused)
        pad = pad_length > 0
        user = authenticate(
            self.request, username=username, password=secret, school=self.school, pad=pad
        )
        if user is None:
            lockout.record(self.school, username, address, Outcome.WRONG)
            if locked := lockout.refusal(self.school, username, address):
                return self._username_step(UsernameForm({"username": username}), error=locked)
            if pad:
                return self._pad_step(username, pad_length, error=PICTURES_WRONG)
            return self._password_step(username, PasswordForm(), error=SIGN_IN_FAILED)
        lockout.record(self.school, username, address, Outcome.SIGNED_IN, account=user)
        login(self.request, user)
        return redirect(self._next() or landing_page(user, self.school))

    def _username_step(self, form: UsernameForm, error: str = "") -> HttpResponse:
        if error:
            form.is_valid()
            form.add_error(None, error)
        return self._render("username", form=form)

    def _password_step(self, username: str, form: PasswordForm, error: str = "") -> HttpResponse:
        return self._render("password", form=form, username=username, error=error)

    def _pad_step(self, username: str, length: int, pin: str = "", error: str = "") -> HttpResponse:
        return self._render(
            "pad",
            username=username,
            pin=pin,
            length=length,
            dots=[index < len(pin) for index in range(length)],
            pictures=PICTURES,
            error=error,
        )

    def _render(self, step: str, **context: Any) -> HttpResponse:
        context.update(school=self.school, step=step, next=self._next())
        return render(self.request, self.template_name, context)

    def _next(self) -> str:
        wanted = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return wanted if safe else ""


def landing_page(user: User, school: School) -> str:
    """Where `user`, who has just signed in at `school`, goes: administrators manage
    users, others their home."""
    if user.role == User.Role.ADMIN:
        return reverse("users:manage", args=[school.slug])
    return reverse("users:home", args=[school.slug])


class SignOutView(View):
    """POST only (a link that signs out could be triggered by any page)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, school_slug: str) -> HttpResponse:
        school = get_object_or_404(School, slug=school_slug)
        logout(request)
        messages.success(request, SIGNED_OUT)
        return redirect("users:sign_in", school.slug)
