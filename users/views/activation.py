"""Staff activation and forgotten passwords.

A member of staff sets their password from the emailed link (Django's password-reset
token, see users/activation.py). A link that no longer works says why: too old (then
they can have a new one sent to the address the school has for them) or already used
(then they sign in, or reset a forgotten password by email). Administrators see who has
not activated yet and send the email again, to one or to all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView, View

from users import activation, lockout, selectors
from users.access import SchoolAdminRequiredMixin
from users.models import School, SignInAttempt, User

LINK_EXPIRED = (
    "This link has expired. Links to set your password work for 3 days: we can email you a new one."
)
LINK_USED = (
    "This link has already been used: each link works only once, and your password is "
    "set. Sign in with it, or reset it by email if you have forgotten it."
)
LINK_INVALID = (
    "This link does not work: it may have been cut short by your email program. Copy the "
    "whole link from the email, or ask your school's administrator to send you a new one."
)
REFUSALS = {
    activation.EXPIRED: LINK_EXPIRED,
    activation.USED: LINK_USED,
    activation.INVALID: LINK_INVALID,
}
NEW_LINK_SENT = (
    "We have emailed you a new link, to the address your school has for you. It works for 3 days."
)
RESENT_ONE = "Activation email sent again to {name} ({email})."
RESENT_ALL = "Activation email sent again to {count} member{plural} of staff."
NO_EMAIL = "{name} has no email address: add one in your MIS, then sync again."


class StaffActivateView(auth_views.PasswordResetConfirmView):
    """The page an activation (or forgotten-password) link opens: the member of staff
    sets their password; a link that does not work says why."""

    template_name = "users/activate.html"
    post_reset_login = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if not self.validlink:
            state = activation.link_state(self.user, self.kwargs["token"])
            context.update(link_state=state, refusal=REFUSALS[state])
            used = state == activation.USED and self.user is not None
            context["user_school"] = self.user.school if used else None  # type: ignore[union-attr]
        return context

    def get_success_url(self) -> str:
        school = self.user.school if self.user else None
        done = reverse("users:activated")
        return f"{done}?school={school.slug}" if school else done


class StaffActivatedView(auth_views.PasswordResetCompleteView):
    template_name = "users/activated.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        slug = self.request.GET.get("school", "")
        return {
            **super().get_context_data(**kwargs),
            "sign_in_school": School.objects.filter(slug=slug).first(),
        }


class ActivationRenewView(View):
    """POST from an expired link's page: a new link to the address the school has. The
    expired link proves the request came from that email; any other link is refused."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
        user = auth_views.PasswordResetConfirmView().get_user(uidb64)
        if not activation.may_renew(user, token):
            state = activation.link_state(user, token)
            context = {"validlink": False, "link_state": state, "refusal": REFUSALS[state]}
            return render(request, "users/activate.html", context)
        assert user is not None  # may_renew says so
        activation.activation_emails_send([user])
        return render(request, "users/activation_renewed.html", {"message": NEW_LINK_SENT})


class StaffNotActivatedView(SchoolAdminRequiredMixin, TemplateView):
    """Staff who have not set a password yet, to send their activation email again."""

    template_name = "users/staff_not_activated.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        staff = selectors.staff_not_activated(self.school)
        return {
            **super().get_context_data(**kwargs),
            "staff": staff,
            "with_email": sum(1 for person in staff if person.email),
        }


class ActivationResendView(SchoolAdminRequiredMixin, View):
    """POST `account` (one member of staff) or nothing (all who have not activated)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, school_slug: str) -> HttpResponse:
        waiting = selectors.staff_not_activated(self.school)
        if account_id := request.POST.get("account"):
            person = get_object_or_404(waiting, pk=account_id)
            self._send_one(person)
        else:
            count = activation.activation_emails_send(list(waiting))
            plural = "" if count == 1 else "s"
            messages.success(request, RESENT_ALL.format(count=count, plural=plural))
        return redirect(self._next() or reverse("users:staff_not_activated", args=[school_slug]))

    def _send_one(self, person: User) -> None:
        name = person.full_name or person.username
        if not person.email:
            messages.error(self.request, NO_EMAIL.format(name=name))
            return
        activation.activation_emails_send([person])
        messages.success(self.request, RESENT_ONE.format(name=name, email=person.email))

    def _next(self) -> str:
        wanted = self.request.POST.get("next", "")
        ok = wanted.startswith(f"/s/{self.school.slug}/")
        return wanted if ok and url_has_allowed_host_and_scheme(wanted, None) else ""


# The form is open to anyone: it must not become a way to fill someone's inbox, nor to
# send the school's mail server thousands of emails. In any hour a member of staff gets
# at most EMAILS_PER_PERSON of its emails, and one address may have at most
# EMAILS_PER_ADDRESS sent; beyond that the page says the same and nothing is sent.
EMAILS_PER_PERSON = 3
EMAILS_PER_ADDRESS = 10
EMAIL_WINDOW = timedelta(hours=1)


class ForgottenPasswordForm(PasswordResetForm):
    """Django's form, for one school's staff: pupils' passwords are given by their
    teachers. Staff who never activated get the same link: it sets a first password."""

    def __init__(self, *args: Any, school: School, address: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school, self.address = school, address
        self.fields["email"].label = "Your email address at school"

    def get_users(self, email: str) -> Iterator[User]:
        emailed = SignInAttempt.objects.filter(
            outcome=SignInAttempt.Outcome.EMAILED, at__gt=timezone.now() - EMAIL_WINDOW
        )
        if self.address and emailed.filter(ip_address=self.address).count() >= EMAILS_PER_ADDRESS:
            return
        staff = User.objects.filter(
            school=self.school, email__iexact=email, is_active=True, archived_at__isnull=True
        ).exclude(role=User.Role.PUPIL)
        for person in staff:
            if emailed.filter(account=person).count() >= EMAILS_PER_PERSON:
                continue
            SignInAttempt.objects.create(
                school=self.school,
                username=lockout.login_key(person.username),
                account=person,
                ip_address=self.address,
                outcome=SignInAttempt.Outcome.EMAILED,
            )
            yield person


class ForgottenPasswordView(auth_views.PasswordResetView):
    """Asks a member of staff for their email address and emails them a link to set a
    new password. The next page is the same whether or not the address is known."""

    template_name = "users/forgotten_password.html"
    form_class = ForgottenPasswordForm
    email_template_name = "users/forgotten_password_email.txt"
    subject_template_name = "users/forgotten_password_subject.txt"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.school = get_object_or_404(School, slug=kwargs["school_slug"])
        self.extra_email_context = {"school": self.school, "site_url": settings.SITE_URL}
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        address = lockout.client_address(self.request)
        return {**super().get_form_kwargs(), "school": self.school, "address": address}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "school": self.school}

    def get_success_url(self) -> str:
        return reverse("users:forgotten_password_sent", args=[self.school.slug])


class ForgottenPasswordSentView(TemplateView):
    template_name = "users/forgotten_password_sent.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        school = get_object_or_404(School, slug=self.kwargs["school_slug"])
        return {**super().get_context_data(**kwargs), "school": school}
