"""Account constraints are enforced by the database itself, not only by forms."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.users.factories import SchoolClassFactory, SchoolFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


def test_username_is_unique_per_school_whatever_the_case():
    school = SchoolFactory.create()
    UserFactory.create(school=school, username="JohnS")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(school=school, username="johns")


def test_same_username_is_allowed_at_another_school():
    UserFactory.create(school=SchoolFactory.create(), username="JohnS")
    other = UserFactory.create(school=SchoolFactory.create(), username="JOHNS")
    assert User.objects.filter(username__iexact="johns").count() == 2
    assert other.pk


def test_support_usernames_are_unique_whatever_the_case():
    User.objects.create_superuser("Support", password="x" * 12)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_superuser("support", password="y" * 12)


@pytest.mark.parametrize("field", ["mis_external_id", "mis_id"])
def test_one_mis_record_links_to_at_most_one_account_per_school(field):
    school = SchoolFactory.create()
    UserFactory.create(school=school, mis_source="xod", **{field: "3116"})
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory.create(school=school, mis_source="xod", **{field: "3116"})


def test_a_pupil_and_a_staff_member_may_share_an_mis_id():
    school = SchoolFactory.create()
    UserFactory.create(school=school, role="pupil", mis_source="xod", mis_id="19")
    UserFactory.create(school=school, role="staff", mis_source="xod", mis_id="19")
    assert User.objects.filter(school=school, mis_id="19").count() == 2


def test_unlinked_accounts_do_not_collide_on_empty_mis_ids():
    school = SchoolFactory.create()
    UserFactory.create(school=school, mis_external_id="", mis_id="")
    UserFactory.create(school=school, mis_external_id="", mis_id="")
    assert User.objects.filter(school=school).count() == 2


def test_same_mis_record_may_link_at_two_schools():
    UserFactory.create(school=SchoolFactory.create(), mis_source="xod", mis_id="3116")
    UserFactory.create(school=SchoolFactory.create(), mis_source="xod", mis_id="3116")
    assert User.objects.filter(mis_id="3116").count() == 2


def test_one_class_per_mis_id_per_school():
    school = SchoolFactory.create()
    SchoolClassFactory.create(school=school, mis_id="GC-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolClassFactory.create(school=school, mis_id="GC-1")


def test_support_staff_sign_in_by_username_in_any_case(client):
    User.objects.create_superuser("Support", password="a long passphrase")
    assert client.login(username="SUPPORT", password="a long passphrase")


def test_archived_account_cannot_sign_in(client):
    from django.utils import timezone

    school = SchoolFactory.create()
    UserFactory.create(school=school, username="JohnS", archived_at=timezone.now())
    assert not client.login(username="JohnS", password="correct horse battery", school=school)
    User.objects.filter(username="JohnS").update(archived_at=None)
    assert client.login(username="JohnS", password="correct horse battery", school=school)
