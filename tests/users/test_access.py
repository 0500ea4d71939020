"""Who may open each school administrator's page, for every URL of these pages, with the
first school's own ids: anonymous -> that school's sign-in; its pupils and staff -> a
"no access" page (403); another school's administrator -> 404; support staff -> Django
admin; the school's administrator -> the page."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.urls import reverse

from tests.fixtures_pages import page_text
from tests.users.factories import SchoolClassFactory, UserFactory
from users.access import school_admin_required
from users.models import User

pytestmark = pytest.mark.django_db

# (view name, whether it takes an object, and which: "class" or "account", method)
PAGES = [
    ("users:manage", None, "get"),
    ("users:class", "class", "get"),
    ("users:class", "class", "post"),
    ("users:accounts", None, "get"),
    ("users:account", "account", "get"),
    ("users:account_reactivate", "account", "post"),
    ("wizard:account_add", None, "get"),
    ("wizard:account_add", None, "post"),
    ("wizard:account_archive", "account", "get"),
    ("wizard:account_archive", "account", "post"),
    ("wizard:connect", None, "get"),
    ("wizard:connect", None, "post"),
]
IDS = [f"{name}-{method}" for name, _, method in PAGES]


@pytest.fixture
def objects(page_school):
    """A class and a pupil of the first school."""
    return {
        "class": SchoolClassFactory.create(school=page_school, name="3AB"),
        "account": UserFactory.create(school=page_school, username="SamP"),
    }


def url_for(name, target, objects, slug="oakfield"):
    args = [slug] + ([objects[target].pk] if target else [])
    return reverse(name, args=args)


def request(client, method, url):
    return (
        client.post(url, {"name": "Hacked", "secret": "x"}) if method == "post" else client.get(url)
    )


def assert_nothing_changed(objects):
    objects["class"].refresh_from_db()
    objects["account"].refresh_from_db()
    assert objects["class"].name == "3AB"
    assert objects["account"].archived_at is None


@pytest.mark.parametrize(("name", "target", "method"), PAGES, ids=IDS)
def test_anonymous_goes_to_the_schools_sign_in_page(client, objects, name, target, method):
    url = url_for(name, target, objects)
    response = request(client, method, url)
    assert response.status_code == 302
    assert response["Location"] == f"/s/oakfield/?next={quote(url)}"
    assert_nothing_changed(objects)


@pytest.mark.parametrize("role", [User.Role.PUPIL, User.Role.STAFF])
@pytest.mark.parametrize(("name", "target", "method"), PAGES, ids=IDS)
def test_pupils_and_staff_get_a_no_access_page(
    client, objects, page_school, role, name, target, method
):
    client.force_login(UserFactory.create(school=page_school, role=role, username="Someone"))
    response = request(client, method, url_for(name, target, objects))
    assert response.status_code == 403
    assert "You do not have access to this page" in page_text(response)
    assert "Sign out" in page_text(response)
    assert_nothing_changed(objects)


@pytest.mark.parametrize(("name", "target", "method"), PAGES, ids=IDS)
def test_another_schools_administrator_gets_404(client, objects, other_admin, name, target, method):
    client.force_login(other_admin)
    response = request(client, method, url_for(name, target, objects))
    assert response.status_code == 404
    assert_nothing_changed(objects)


@pytest.mark.parametrize(("name", "target", "method"), [page for page in PAGES if page[1]])
def test_another_schools_ids_are_not_found_under_ones_own_school(
    client, objects, other_admin, name, target, method
):
    client.force_login(other_admin)
    response = request(client, method, url_for(name, target, objects, slug="birchwood"))
    assert response.status_code == 404
    assert_nothing_changed(objects)


@pytest.mark.parametrize(("name", "target", "method"), PAGES, ids=IDS)
def test_support_staff_are_sent_to_django_admin(
    client, objects, support_user, name, target, method
):
    client.force_login(support_user)
    response = request(client, method, url_for(name, target, objects))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert_nothing_changed(objects)


@pytest.mark.parametrize(
    ("name", "target"),
    sorted({(name, target) for name, target, method in PAGES if method == "get"}),
)
def test_the_schools_administrator_gets_the_page(admin_page_client, objects, name, target):
    response = admin_page_client.get(url_for(name, target, objects))
    assert response.status_code == 200
    content = page_text(response)
    assert "Oakfield Primary School" in content
    assert "Signed in as" in content
    assert "Alex Admin" in content
    assert 'href="#main"' in content  # the skip link


@school_admin_required
def a_function_view(request, school, pk):
    return HttpResponse(f"{school.slug} {pk}")


def call_function_view(rf, user, slug="oakfield"):
    request = rf.get(f"/s/{slug}/thing/7/")
    request.user = user
    request.session = {}
    return a_function_view(request, school_slug=slug, pk=7)


def test_the_decorator_lets_the_schools_administrator_in(rf, school_admin):
    assert call_function_view(rf, school_admin).content == b"oakfield 7"


def test_the_decorator_applies_the_same_rules(rf, page_school, other_admin, support_user):
    anonymous = call_function_view(rf, AnonymousUser())
    assert anonymous["Location"].startswith("/s/oakfield/?next=")
    pupil = UserFactory.create(school=page_school, username="SamP")
    assert call_function_view(rf, pupil).status_code == 403
    assert call_function_view(rf, support_user)["Location"] == reverse("admin:index")
    with pytest.raises(Http404):
        call_function_view(rf, other_admin)


def test_staff_manage_only_the_pupils_of_the_classes_they_teach(page_school, other_school):
    from users.access import classes_run_by, may_manage_pupil
    from users.models import ClassMembership

    teacher = UserFactory.create(school=page_school, role=User.Role.STAFF, username="TTeach")
    theirs = SchoolClassFactory.create(school=page_school, name="3AB")
    other = SchoolClassFactory.create(school=page_school, name="4CD")
    ClassMembership.objects.create(user=teacher, school_class=theirs, role="teacher")
    in_theirs = UserFactory.create(school=page_school, username="Ann")
    in_other = UserFactory.create(school=page_school, username="Ben")
    ClassMembership.objects.create(user=in_theirs, school_class=theirs)
    ClassMembership.objects.create(user=in_other, school_class=other)
    admin = UserFactory.create(school=page_school, role=User.Role.ADMIN, username="Head")
    elsewhere = UserFactory.create(school=other_school, username="Cat")

    assert list(classes_run_by(teacher)) == [theirs]
    assert set(classes_run_by(admin)) == {theirs, other}
    assert not classes_run_by(in_theirs).exists()
    assert may_manage_pupil(teacher, in_theirs)
    assert not may_manage_pupil(teacher, in_other)
    assert may_manage_pupil(admin, in_other)
    assert not may_manage_pupil(admin, elsewhere)
    assert not may_manage_pupil(teacher, admin)
