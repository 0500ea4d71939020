"""Manage users: the classes (rename), the accounts (search, filters), an account's page
and reactivating it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_pages import page_text
from tests.users.factories import SchoolClassFactory, UserFactory, YearGroupFactory
from users import crypto
from users.credentials import hash_pupil_password
from users.forms import CLASS_NAME_TAKEN, CLASS_RENAMED
from users.models import ClassMembership, SchoolClass, User
from users.views.accounts import REACTIVATED

pytestmark = pytest.mark.django_db


@pytest.fixture
def year4(page_school):
    return YearGroupFactory.create(school=page_school, code="4", name="Year 4")


@pytest.fixture
def hand_made_class(page_school, year4):
    return SchoolClassFactory.create(school=page_school, name="Class 4", year_group=year4)


def pupil(school, forename, surname, username, **fields):
    return UserFactory.create(
        school=school, forename=forename, surname=surname, username=username, **fields
    )


def join(user, school_class, role=ClassMembership.Role.PUPIL):
    ClassMembership.objects.create(user=user, school_class=school_class, role=role)


def test_manage_users_lists_classes_with_year_and_counts(
    admin_page_client, page_school, hand_made_class
):
    join(pupil(page_school, "Ada", "Lovelace", "AdaL"), hand_made_class)
    join(pupil(page_school, "Ben", "Okri", "BenO"), hand_made_class)
    archived = pupil(page_school, "Cy", "Gone", "CyG", archived_at=timezone.now())
    join(archived, hand_made_class)
    teacher = pupil(page_school, "Tess", "Teach", "TTeach", role=User.Role.STAFF)
    join(teacher, hand_made_class, ClassMembership.Role.TEACHER)

    response = admin_page_client.get(reverse("users:manage", args=["oakfield"]))

    row = next(c for c in response.context["classes"] if c.pk == hand_made_class.pk)
    assert (row.pupil_count, row.teacher_count) == (2, 1)
    assert response.context["totals"] == {"pupils": 2, "staff": 2, "archived": 1}
    content = page_text(response)
    assert "Class 4" in content
    assert "Year 4" in content
    assert "Made by hand" in content
    assert "<title>Manage users – Oakfield Primary School</title>" in content


def test_another_schools_classes_are_not_listed(admin_page_client, other_school):
    SchoolClassFactory.create(school=other_school, name="Birch class")
    response = admin_page_client.get(reverse("users:manage", args=["oakfield"]))
    assert "Birch class" not in page_text(response)


def test_rename_a_class_on_its_page(admin_page_client, hand_made_class):
    url = reverse("users:class", args=["oakfield", hand_made_class.pk])
    response = admin_page_client.post(url, {"name": "  4 Oak  "}, follow=True)
    hand_made_class.refresh_from_db()
    assert hand_made_class.name == "4 Oak"
    assert response.redirect_chain[-1][0] == url
    assert CLASS_RENAMED.format(name="4 Oak") in page_text(response)


def test_rename_inline_goes_back_to_manage_users(admin_page_client, hand_made_class):
    url = reverse("users:class", args=["oakfield", hand_made_class.pk])
    home = reverse("users:manage", args=["oakfield"])
    response = admin_page_client.post(url, {"name": "4 Oak", "next": home})
    assert response["Location"] == home
    response = admin_page_client.post(url, {"name": "4 Ash", "next": "https://evil.example/"})
    assert response["Location"] == url


def test_a_class_cannot_take_another_classes_name(admin_page_client, page_school, hand_made_class):
    SchoolClassFactory.create(school=page_school, name="4 Oak")
    url = reverse("users:class", args=["oakfield", hand_made_class.pk])
    response = admin_page_client.post(url, {"name": "4 oak"})
    assert response.status_code == 200
    content = page_text(response)
    message = CLASS_NAME_TAKEN.format(name="4 oak")
    assert f'<a href="#id_name">{message}</a>' in content  # in the summary, linking the field
    assert 'id="id_name_error"' in content
    hand_made_class.refresh_from_db()
    assert hand_made_class.name == "Class 4"


def test_an_empty_class_name_is_refused(admin_page_client, hand_made_class):
    url = reverse("users:class", args=["oakfield", hand_made_class.pk])
    response = admin_page_client.post(url, {"name": "   "})
    assert "Enter the class's name" in page_text(response)


def test_a_class_page_lists_its_teachers_and_pupils(
    admin_page_client, page_school, hand_made_class
):
    join(pupil(page_school, "Ada", "Lovelace", "AdaL"), hand_made_class)
    teacher = pupil(page_school, "Tess", "Teach", "TTeach", role=User.Role.STAFF)
    join(teacher, hand_made_class, ClassMembership.Role.TEACHER)
    response = admin_page_client.get(reverse("users:class", args=["oakfield", hand_made_class.pk]))
    assert [u.username for u in response.context["pupils"]] == ["AdaL"]
    assert [u.username for u in response.context["teachers"]] == ["TTeach"]


def listed(response):
    return [account.username for account in response.context["page"].object_list]


@pytest.fixture
def accounts(page_school, year4, hand_made_class):
    ada = pupil(page_school, "Ada", "Lovelace", "AdaL", year_group=year4)
    join(ada, hand_made_class)
    pupil(page_school, "Adam", "Smith", "AdamS")
    pupil(page_school, "Zoe", "Adams", "ZoeA", archived_at=timezone.now())
    pupil(page_school, "Tess", "Teach", "TTeach", role=User.Role.STAFF)
    return ada


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["AlexA", "AdaL", "AdamS", "TTeach"]),
        ({"q": "ada"}, ["AdaL", "AdamS"]),
        ({"q": "ada lov"}, ["AdaL"]),
        ({"q": "tteach"}, ["TTeach"]),
        ({"status": "archived"}, ["ZoeA"]),
        ({"status": "all", "q": "ada"}, ["ZoeA", "AdaL", "AdamS"]),
        ({"group": "staff"}, ["AlexA", "TTeach"]),
        ({"group": "pupils"}, ["AdaL", "AdamS"]),
    ],
)
def test_search_and_filter_accounts(admin_page_client, accounts, query, expected):
    response = admin_page_client.get(reverse("users:accounts", args=["oakfield"]), query)
    assert sorted(listed(response)) == sorted(expected)


def test_accounts_by_year_group_and_by_class(admin_page_client, accounts, year4, hand_made_class):
    url = reverse("users:accounts", args=["oakfield"])
    assert listed(admin_page_client.get(url, {"year": year4.pk})) == ["AdaL"]
    assert listed(admin_page_client.get(url, {"school_class": hand_made_class.pk})) == ["AdaL"]


def test_another_schools_class_is_not_a_filter_choice(admin_page_client, accounts, other_school):
    foreign = SchoolClassFactory.create(school=other_school, name="Birch")
    response = admin_page_client.get(
        reverse("users:accounts", args=["oakfield"]), {"school_class": foreign.pk}
    )
    assert "AdaL" in listed(response)  # an unknown choice filters nothing...
    assert "Birch" not in page_text(response)  # ...and is never offered


def test_an_accounts_page_shows_login_details_and_classes(
    admin_page_client, page_school, year4, hand_made_class
):
    ada = pupil(page_school, "Ada", "Lovelace", "AdaL", year_group=year4, mis_id="3116")
    ada.password = hash_pupil_password("tiger42")
    ada.printable_password, ada.password_format = crypto.encrypt("tiger42"), "word_digits"
    ada.save()
    join(ada, hand_made_class)
    response = admin_page_client.get(reverse("users:account", args=["oakfield", ada.pk]))
    content = page_text(response)
    for text in ["Ada Lovelace", "AdaL", "tiger42", "Word and digits", "Year 4", "Class 4"]:
        assert text in content
    assert "MIS id 3116" in content
    assert "Changes made by syncs" in content


def test_an_accounts_page_shows_a_picture_pin_as_its_pictures(admin_page_client, page_school):
    ben = pupil(page_school, "Ben", "Okafor", "BenO")
    ben.password = hash_pupil_password("37")
    ben.printable_password, ben.password_format = crypto.encrypt("37"), "pin2"
    ben.save()
    content = page_text(admin_page_client.get(reverse("users:account", args=["oakfield", ben.pk])))
    # As on Ben's login card: the pictures in order, each named with its digit.
    assert re.findall(r'<span class="pin-picture">.*?<span>(.*?)</span>', content) == [
        "tree (3)",
        "boat (7)",
    ]
    assert "<p>Two-digit picture PIN</p>" in content


def test_staff_have_no_password_to_show(admin_page_client, page_school):
    sam = pupil(page_school, "Sam", "Office", "SOffice", role=User.Role.STAFF)
    content = page_text(admin_page_client.get(reverse("users:account", args=["oakfield", sam.pk])))
    assert "Show password" not in content
    assert "Set by Sam" in content  # the factory gives everyone a password


def test_reactivate_clears_the_archive_and_purge_dates(admin_page_client, page_school):
    gone = pupil(page_school, "Zoe", "Adams", "ZoeA", archived_at=timezone.now(), is_active=False)
    gone.purge_after = date(2027, 1, 1)
    gone.save()
    url = reverse("users:account_reactivate", args=["oakfield", gone.pk])
    response = admin_page_client.post(url, follow=True)
    gone.refresh_from_db()
    assert (gone.is_active, gone.archived_at, gone.purge_after) == (True, None, None)
    assert REACTIVATED.format(username="ZoeA") in page_text(response)


def test_reactivate_is_post_only(admin_page_client, page_school):
    gone = pupil(page_school, "Zoe", "Adams", "ZoeA", archived_at=timezone.now())
    response = admin_page_client.get(
        reverse("users:account_reactivate", args=["oakfield", gone.pk])
    )
    assert response.status_code == 405


def test_year_groups_are_in_school_order_with_their_pupils(admin_page_client, page_school):
    year6 = YearGroupFactory.create(school=page_school, code="6", name="Year 6", position=8)
    YearGroupFactory.create(school=page_school, code="R", name="Reception", position=2)
    pupil(page_school, "Ada", "Lovelace", "AdaL", year_group=year6)
    pupil(page_school, "Cy", "Gone", "CyG", year_group=year6, archived_at=timezone.now())
    response = admin_page_client.get(reverse("users:manage", args=["oakfield"]))
    years = [(year.name, year.pupil_count) for year in response.context["year_groups"]]
    assert years == [("Reception", 0), ("Year 6", 1)]


def test_the_next_page_of_accounts_keeps_the_search(admin_page_client, page_school, monkeypatch):
    from users.views import accounts

    monkeypatch.setattr(accounts, "ACCOUNTS_PER_PAGE", 2)
    for number in range(5):
        pupil(page_school, "Sam", f"Jones{number}", f"SamJ{number}")
    pupil(page_school, "Ann", "Other", "AnnO")
    url = reverse("users:accounts", args=["oakfield"])
    first = admin_page_client.get(url, {"q": "sam"})
    assert '<a href="?q=sam&amp;page=2">Next page</a>' in first.content.decode()
    second = admin_page_client.get(url, {"q": "sam", "page": "2"})
    assert [u.username for u in second.context["page"]] == ["SamJ2", "SamJ3"]


def test_the_hint_to_name_classes_as_in_the_mis_goes_once_the_mis_is_synced(
    admin_page_client, hand_made_class
):
    url = reverse("users:manage", args=["oakfield"])
    assert "Before your first sync from your MIS" in page_text(admin_page_client.get(url))
    hand_made_class.mis_id = "RG-4ES"  # linked by a sync
    hand_made_class.save()
    assert "Before your first sync from your MIS" not in page_text(admin_page_client.get(url))


def test_a_class_page_names_its_kind_in_the_schools_words(admin_page_client, page_school):
    form = SchoolClassFactory.create(school=page_school, name="4ES")
    maths = SchoolClassFactory.create(
        school=page_school, name="9M1", kind=SchoolClass.Kind.TEACHING, subject="Maths"
    )
    kinds = {}
    for school_class in (form, maths):
        url = reverse("users:class", args=["oakfield", school_class.pk])
        content = page_text(admin_page_client.get(url))
        assert "Registration group" not in content
        assert "Teaching group" not in content
        kinds[school_class.name] = content
    assert "<dt>Kind</dt><dd>Form class</dd>" in kinds["4ES"]
    assert "<dt>Kind</dt><dd>Subject class (Maths)</dd>" in kinds["9M1"]


def class_names(response):
    return [school_class.name for school_class in response.context["classes"]]


@pytest.fixture
def secondary_classes(page_school, year4):
    year7 = YearGroupFactory.create(school=page_school, code="7", name="Year 7", position=11)
    for name in ("7X", "7Y"):
        SchoolClassFactory.create(school=page_school, name=name, year_group=year7, mis_id=name)
    teaching = {"kind": SchoolClass.Kind.TEACHING}  # teaching groups have no year group
    for name, subject in (
        ("7X1/Ma", "Mathematics"),
        ("7X2/Ma", "Mathematics"),
        ("7X1/Sc", "Science"),
    ):
        SchoolClassFactory.create(
            school=page_school, name=name, subject=subject, mis_id=name, **teaching
        )
    SchoolClassFactory.create(school=page_school, name="4 Old", year_group=year4, archived=True)
    return year7


def test_manage_users_lists_classes_a_page_at_a_time_registration_groups_first(
    admin_page_client, secondary_classes, monkeypatch
):
    from users.views import classes

    monkeypatch.setattr(classes, "CLASSES_PER_PAGE", 2)
    url = reverse("users:manage", args=["oakfield"])
    first = admin_page_client.get(url)
    assert class_names(first) == ["7X", "7Y"]
    assert '<a href="?page=2">Next page</a>' in first.content.decode()
    assert "2 form classes and 3 subject classes." in page_text(first)
    assert class_names(admin_page_client.get(url, {"page": "2"})) == ["7X1/Ma", "7X1/Sc"]
    assert class_names(admin_page_client.get(url, {"page": "3"})) == ["7X2/Ma"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"classes": "registration"}, ["7X", "7Y"]),
        ({"classes": "teaching"}, ["7X1/Ma", "7X1/Sc", "7X2/Ma"]),
        ({"classes": "teaching", "subject": "Mathematics"}, ["7X1/Ma", "7X2/Ma"]),
        ({"classes": "archived"}, ["4 Old"]),
        ({"name": " 7x "}, ["7X", "7X1/Ma", "7X1/Sc", "7X2/Ma"]),
        ({"name": "7X1", "classes": "teaching"}, ["7X1/Ma", "7X1/Sc"]),
        ({"name": "Oak"}, []),
    ],
)
def test_manage_users_narrows_the_classes_by_kind_name_and_subject(
    admin_page_client, secondary_classes, query, expected
):
    response = admin_page_client.get(reverse("users:manage", args=["oakfield"]), query)
    assert class_names(response) == expected
    assert "Clear filters" in page_text(response)


def test_a_subject_no_class_has_filters_nothing(admin_page_client, secondary_classes):
    response = admin_page_client.get(
        reverse("users:manage", args=["oakfield"]), {"subject": "Astrology"}
    )
    assert len(class_names(response)) == 5


def test_a_school_with_a_page_of_registration_groups_gets_no_class_filters(
    admin_page_client, hand_made_class
):
    response = admin_page_client.get(reverse("users:manage", args=["oakfield"]))
    assert class_names(response) == ["Class 4"]
    assert "Show classes" not in page_text(response)
    assert "Pages of classes" not in page_text(response)


def test_the_accounts_class_filter_offers_registration_groups_and_the_class_chosen(
    admin_page_client, accounts, page_school
):
    maths = SchoolClassFactory.create(
        school=page_school, name="7X1/Ma", kind=SchoolClass.Kind.TEACHING, mis_id="TG-1"
    )
    url = reverse("users:accounts", args=["oakfield"])
    first = admin_page_client.get(url)
    assert "Class 4" in page_text(first)
    assert "7X1/Ma" not in page_text(first)  # not every teaching group of the school
    join(accounts, maths)
    # Manage users links a teaching group's pupils here: it is offered, and it filters.
    response = admin_page_client.get(url, {"school_class": maths.pk})
    assert listed(response) == ["AdaL"]
    assert f'<option value="{maths.pk}" selected>7X1/Ma</option>' in page_text(response)
