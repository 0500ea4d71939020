"""Adding an account by hand (username and password by the school's formats) and
archiving one (kept for the school's grace days); the account page's sync history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_pages import page_text
from tests.users.factories import SchoolClassFactory, UserFactory, YearGroupFactory
from users import crypto
from users.forms import EMAIL_REQUIRED, FORENAME_REQUIRED, ROLE_REQUIRED, YEAR_REQUIRED
from users.models import ClassMembership, User
from wizard.models import SyncChange, SyncRun, SyncSettings
from wizard.views.accounts import ARCHIVED

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_r(page_school):
    return YearGroupFactory.create(school=page_school, code="R", name="Reception")


@pytest.fixture
def year6(page_school):
    return YearGroupFactory.create(school=page_school, code="6", name="Year 6", position=9)


def add_url():
    return reverse("wizard:account_add", args=["oakfield"])


def add(client, **fields):
    return client.post(add_url(), fields)


def test_a_pupil_gets_the_default_formats_when_the_school_chose_none(
    admin_page_client, page_school, year_r
):
    response = add(
        admin_page_client, role="pupil", forename="Zoë", surname="Smith", year_group=year_r.pk
    )
    account = User.objects.get(school=page_school, role=User.Role.PUPIL)
    assert response["Location"] == reverse("users:account", args=["oakfield", account.pk])
    assert account.username == "ZoeS"  # forename and surname initial, transliterated
    assert account.year_group == year_r
    assert account.password_format == "pin2"  # the default for Reception
    password = crypto.decrypt(account.printable_password)
    assert len(password) == 2
    assert password.isdigit()
    assert account.check_password(password)


def test_a_pupil_gets_the_schools_saved_formats(admin_page_client, page_school, year6):
    SyncSettings.objects.create(
        school=page_school,
        pupil_username_format="{surname}.{forename:1}",
        password_formats={"6": "word_digits"},
    )
    add(admin_page_client, role="pupil", forename="Ada", surname="Lovelace", year_group=year6.pk)
    account = User.objects.get(school=page_school, role=User.Role.PUPIL)
    assert account.username == "Lovelace.A"
    assert account.password_format == "word_digits"
    assert crypto.decrypt(account.printable_password).rstrip("0123456789").isalpha()


def test_usernames_stay_unique_counting_archived_accounts(admin_page_client, page_school, year6):
    UserFactory.create(school=page_school, username="adal", archived_at=timezone.now())
    UserFactory.create(school=page_school, username="AdaL2")
    add(admin_page_client, role="pupil", forename="Ada", surname="Lee", year_group=year6.pk)
    assert User.objects.filter(school=page_school, username="AdaL3").exists()


def test_a_pupil_joins_the_class_chosen(admin_page_client, page_school, year6):
    six = SchoolClassFactory.create(school=page_school, name="6B")
    add(
        admin_page_client,
        role="pupil",
        forename="Ada",
        surname="Lee",
        year_group=year6.pk,
        school_class=six.pk,
    )
    membership = ClassMembership.objects.get(school_class=six)
    assert (membership.user.username, membership.role) == ("AdaL", "pupil")


def test_staff_get_the_staff_format_no_password_and_an_activation_email(
    admin_page_client, page_school, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = add(
            admin_page_client, role="staff", forename="Tess", surname="Teach", email="t@oak.sch.uk"
        )
    account = User.objects.get(school=page_school, role=User.Role.STAFF)
    assert account.username == "TTeach"
    assert not account.has_usable_password()
    assert account.printable_password == ""
    assert [m.to for m in mail.outbox] == [["t@oak.sch.uk"]]
    assert "Tess Teach" in page_text(admin_page_client.get(response["Location"]))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"forename": "A", "surname": "B"}, "role", ROLE_REQUIRED),
        ({"role": "pupil", "surname": "B"}, "forename", FORENAME_REQUIRED),
        ({"role": "pupil", "forename": "A", "surname": "B"}, "year_group", YEAR_REQUIRED),
        ({"role": "staff", "forename": "A", "surname": "B"}, "email", EMAIL_REQUIRED),
    ],
)
def test_missing_answers_are_said_beside_the_field_and_in_the_summary(
    admin_page_client, page_school, fields, field, message
):
    response = add(admin_page_client, **fields)
    assert response.status_code == 200
    content = page_text(response)
    anchor = f"id_{field}_0" if field == "role" else f"id_{field}"
    assert f'<a href="#{anchor}">{message}</a>' in content
    assert f'id="id_{field}_error"' in content
    assert User.objects.filter(school=page_school).count() == 1  # the administrator only


def test_another_schools_year_group_cannot_be_chosen(admin_page_client, other_school):
    foreign = YearGroupFactory.create(school=other_school)
    response = add(
        admin_page_client, role="pupil", forename="A", surname="B", year_group=foreign.pk
    )
    assert "year_group" in response.context["form"].errors
    assert not User.objects.filter(role=User.Role.PUPIL).exists()


def test_archive_asks_first_then_archives_for_the_schools_grace_days(
    admin_page_client, page_school
):
    SyncSettings.objects.create(school=page_school, leaver_grace_days=30)
    account = UserFactory.create(school=page_school, username="SamP")
    url = reverse("wizard:account_archive", args=["oakfield", account.pk])
    confirm = admin_page_client.get(url)
    purge_on = timezone.localdate() + timedelta(days=30)
    assert f"{purge_on:%Y}" in page_text(confirm)
    account.refresh_from_db()
    assert account.archived_at is None  # GET changes nothing

    response = admin_page_client.post(url, follow=True)
    account.refresh_from_db()
    assert account.archived_at is not None
    assert not account.is_active
    assert account.purge_after == (account.archived_at + timedelta(days=30)).date()
    when = f"{account.purge_after.day} {account.purge_after:%B %Y}"
    assert ARCHIVED.format(username="SamP", date=when) in page_text(response)
    assert "Reactivate SamP" in page_text(response)


def test_archived_account_cannot_sign_in(page_school, admin_page_client):
    account = UserFactory.create(school=page_school, username="SamP")
    admin_page_client.post(reverse("wizard:account_archive", args=["oakfield", account.pk]))
    pupils_browser = Client()
    response = pupils_browser.post(
        reverse("users:sign_in", args=["oakfield"]),
        {"username": "SamP", "password": "correct horse battery"},
    )
    assert "_auth_user_id" not in pupils_browser.session
    assert response.status_code == 200


def test_the_account_page_lists_applied_syncs_that_changed_it(
    admin_page_client, page_school, school_admin
):
    account = UserFactory.create(school=page_school, username="SamP", mis_id="19")
    applied = SyncRun.objects.create(
        school=page_school,
        status=SyncRun.Status.APPLIED,
        applied_at=timezone.now(),
        started_by=school_admin,
    )
    planned = SyncRun.objects.create(school=page_school, status=SyncRun.Status.PLANNED)
    SyncChange.objects.create(run=applied, target="account", kind="new", account=account)
    SyncChange.objects.create(run=planned, target="account", kind="leaver", account=account)
    content = page_text(
        admin_page_client.get(reverse("users:account", args=["oakfield", account.pk]))
    )
    run_url = reverse("wizard:run", args=["oakfield", applied.pk])
    # By name, as Sync history says it, and a way to the run's page.
    assert f'<a href="{run_url}">Sync #{applied.pk}</a>, started by Alex Admin' in content
    assert "Created" in content
    assert f"Sync #{planned.pk}" not in content  # planned, never applied: changed nothing


def test_the_account_page_says_what_links_it_to_the_mis(admin_page_client, page_school):
    linked = UserFactory.create(
        school=page_school, username="SamP", mis_id="19", mis_source="xod", upn="A123"
    )
    by_hand = UserFactory.create(school=page_school, username="TomH")
    pages = {
        account.username: page_text(
            admin_page_client.get(reverse("users:account", args=["oakfield", account.pk]))
        )
        for account in (linked, by_hand)
    }
    assert "Linked to the MIS through Groupcall Xporter: MIS id 19, UPN A123" in pages["SamP"]
    assert "XOD" not in pages["SamP"]
    assert "Not linked: made by hand." in pages["TomH"]
