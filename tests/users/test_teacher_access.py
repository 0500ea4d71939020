"""Who may open each page of login cards, new passwords, teachers' classes and staff
activation, for every URL of them: anonymous -> the school's sign-in; a pupil -> no
access (403); a teacher of another class -> 404 for this class or its pupil (and no
access to administrators' pages); another school's administrator -> 404; the class's
teacher and the school's administrators -> the page. A refused POST changes nothing."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse

from tests.fixtures_classes import Classes
from tests.fixtures_pages import page_text
from users.models import User
from wizard.models import SyncRun

pytestmark = pytest.mark.django_db

# (view name, the object in its URL, method); all take the school's slug first.
TEACHERS_PAGES = [
    ("users:my_class", "robins", "get"),
    ("users:class_cards", "robins", "get"),
    ("users:account_card", "ada", "get"),
    ("wizard:pupil_password_reset", "ada", "get"),
    ("wizard:pupil_password_reset", "ada", "post"),
    ("wizard:pupil_password_reset_done", "ada", "get"),
    ("wizard:class_password_reset", "robins", "get"),
    ("wizard:class_password_reset", "robins", "post"),
]
ADMINS_PAGES = [
    ("wizard:run_cards", "run", "get"),
    ("users:staff_not_activated", None, "get"),
    ("users:activation_resend", None, "post"),
]
EVERY_PAGE = [*TEACHERS_PAGES, ("users:my_classes", None, "get"), *ADMINS_PAGES]


def ids(pages):
    return [f"{name}-{method}" for name, _, method in pages]


@pytest.fixture
def objects(classes: Classes, page_school):
    run = SyncRun.objects.create(school=page_school, status=SyncRun.Status.APPLIED)
    return {"robins": classes.robins, "ada": classes.ada, "run": run}


def url_for(name, target, objects):
    args = ["oakfield"] + ([objects[target].pk] if target else [])
    return reverse(name, args=args)


def request(client, method, url):
    if method == "post":
        return client.post(url, {"password_format": "year_group"})
    return client.get(url)


def assert_nothing_changed(classes: Classes):
    before = classes.ada.password
    classes.ada.refresh_from_db()
    assert classes.ada.password == before
    assert mail.outbox == []


@pytest.mark.parametrize(("name", "target", "method"), EVERY_PAGE, ids=ids(EVERY_PAGE))
def test_anonymous_goes_to_the_schools_sign_in_page(client, objects, classes, name, target, method):
    url = url_for(name, target, objects)
    response = request(client, method, url)
    assert response.status_code == 302
    assert response["Location"] == f"/s/oakfield/?next={quote(url)}"
    assert_nothing_changed(classes)


@pytest.mark.parametrize(("name", "target", "method"), EVERY_PAGE, ids=ids(EVERY_PAGE))
def test_a_pupil_has_no_access(client, objects, classes, name, target, method):
    client.force_login(classes.ada)
    response = request(client, method, url_for(name, target, objects))
    assert response.status_code == 403
    assert "You do not have access to this page" in page_text(response)
    assert_nothing_changed(classes)


@pytest.mark.parametrize(("name", "target", "method"), TEACHERS_PAGES, ids=ids(TEACHERS_PAGES))
def test_a_teacher_of_another_class_gets_404(client, objects, classes, name, target, method):
    client.force_login(classes.will)
    response = request(client, method, url_for(name, target, objects))
    assert response.status_code == 404
    assert_nothing_changed(classes)


@pytest.mark.parametrize(("name", "target", "method"), ADMINS_PAGES, ids=ids(ADMINS_PAGES))
def test_a_teacher_has_no_access_to_administrators_pages(
    client, objects, classes, name, target, method
):
    client.force_login(classes.tess)
    response = request(client, method, url_for(name, target, objects))
    assert response.status_code == 403
    assert_nothing_changed(classes)


@pytest.mark.parametrize(("name", "target", "method"), EVERY_PAGE, ids=ids(EVERY_PAGE))
def test_another_schools_administrator_gets_404(
    client, objects, classes, other_admin, name, target, method
):
    client.force_login(other_admin)
    response = request(client, method, url_for(name, target, objects))
    assert response.status_code == 404
    assert_nothing_changed(classes)


@pytest.mark.parametrize(("name", "target", "method"), TEACHERS_PAGES, ids=ids(TEACHERS_PAGES))
def test_the_classs_teacher_gets_the_page(client, objects, classes, name, target, method):
    client.force_login(classes.tess)
    response = request(client, method, url_for(name, target, objects))
    assert response.status_code == (302 if method == "post" else 200)


@pytest.mark.parametrize(("name", "target", "method"), EVERY_PAGE, ids=ids(EVERY_PAGE))
def test_the_schools_administrator_gets_the_page(
    client, objects, classes, school_admin, name, target, method
):
    client.force_login(school_admin)
    response = request(client, method, url_for(name, target, objects))
    assert response.status_code == (302 if method == "post" else 200)


def test_a_teachers_classes_are_only_those_they_teach(tess_client, classes: Classes):
    page = page_text(tess_client.get(reverse("users:my_classes", args=["oakfield"])))
    assert "Robins" in page
    assert "Wrens" not in page


def test_a_teachers_class_lists_its_pupils_with_their_cards_and_new_passwords(
    tess_client, classes: Classes
):
    url = reverse("users:my_class", args=["oakfield", classes.robins.pk])
    page = page_text(tess_client.get(url))
    for pupil in (classes.ada, classes.ben):
        assert pupil.username in page
        assert reverse("users:account_card", args=["oakfield", pupil.pk]) in page
        assert reverse("wizard:pupil_password_reset", args=["oakfield", pupil.pk]) in page
    assert classes.cal.username not in page
    assert reverse("users:class_cards", args=["oakfield", classes.robins.pk]) in page


def test_a_teacher_of_no_class_is_told_where_classes_come_from(client, page_school):
    newcomer = User.objects.create(school=page_school, role=User.Role.STAFF, username="NNew")
    client.force_login(newcomer)
    page = page_text(client.get(reverse("users:my_classes", args=["oakfield"])))
    assert "You do not teach any class yet" in page


def test_a_staff_members_card_is_404_even_for_the_administrator(client, classes, school_admin):
    client.force_login(school_admin)
    response = client.get(reverse("users:account_card", args=["oakfield", classes.tess.pk]))
    assert response.status_code == 404


def test_a_teacher_refused_an_administrators_page_is_pointed_to_their_classes(tess_client):
    response = tess_client.get(reverse("users:manage", args=["oakfield"]))
    assert response.status_code == 403
    assert reverse("users:my_classes", args=["oakfield"]) in page_text(response)
