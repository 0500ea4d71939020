"""Every URL pattern of the project, and who may open each: the table the tenancy sweep
(tests/test_url_sweep.py) and the CSRF sweep (tests/test_csrf_sweep.py) read, and the
first school whose ids they try (a fixture, loaded by tests/conftest.py).

A URL pattern that is not in the table fails both sweeps, with the message "add it to
the table": a new page cannot ship without saying who may open it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.fixtures_classes import Classes
from users.models import AccountLock, ClassMembership, School, SignInAttempt, User
from wizard.models import (
    GroupcallInvitation,
    MisConnection,
    NotDuplicate,
    SyncChange,
    SyncRun,
    SyncSettings,
)

# Who may open a page (the sweep asserts the answer each kind gives each role).
PUBLIC = "public"  # anyone: sign-in, forgotten password, health check
LINK = "link"  # anyone holding a valid emailed link (the sweep's link is not valid)
SCHOOL_ADMIN = "school admin"  # the school's administrators (users/access.py)
TEACHER_OF = "teacher of the class"  # its teacher and the school's administrators
TEACHER = "the school's staff"  # a page of one's own classes (My classes)
SIGNED_IN = "signed in at the school"  # the school's own people (their home page)
SUPPORT = "support staff"  # Django admin: is_staff only
ADMIN_LOGIN = "Django admin's sign-in"  # public pages of Django admin


@dataclass(frozen=True)
class Rule:
    access: str
    # Which of the first school's objects fills the URL's `pk` or `object_id`.
    target: str = ""


# The project's own pages, by URL name.
PAGES: dict[str, Rule] = {
    "home": Rule(PUBLIC),  # redirects to Django admin
    "healthz": Rule(PUBLIC),
    "users:activate": Rule(LINK),
    "users:activated": Rule(PUBLIC),
    "users:activation_renew": Rule(LINK),
    "users:sign_in": Rule(PUBLIC),
    "users:sign_out": Rule(PUBLIC),
    "users:forgotten_password": Rule(PUBLIC),
    "users:forgotten_password_sent": Rule(PUBLIC),
    "users:home": Rule(SIGNED_IN),
    "users:manage": Rule(SCHOOL_ADMIN),
    "users:class": Rule(SCHOOL_ADMIN, "class"),
    "users:accounts": Rule(SCHOOL_ADMIN),
    "users:account": Rule(SCHOOL_ADMIN, "pupil"),
    "users:account_reactivate": Rule(SCHOOL_ADMIN, "pupil"),
    "users:account_unlock": Rule(TEACHER_OF, "pupil"),
    "users:class_cards": Rule(TEACHER_OF, "class"),
    "users:account_card": Rule(TEACHER_OF, "pupil"),
    "users:my_classes": Rule(TEACHER),
    "users:my_class": Rule(TEACHER_OF, "class"),
    "users:staff_not_activated": Rule(SCHOOL_ADMIN),
    "users:activation_resend": Rule(SCHOOL_ADMIN),
    "wizard:start": Rule(SCHOOL_ADMIN),
    "wizard:history": Rule(SCHOOL_ADMIN),
    "wizard:run": Rule(SCHOOL_ADMIN),
    "wizard:progress": Rule(SCHOOL_ADMIN),
    "wizard:changes": Rule(SCHOOL_ADMIN),
    "wizard:undo": Rule(SCHOOL_ADMIN),
    "wizard:step": Rule(SCHOOL_ADMIN),
    "wizard:match": Rule(SCHOOL_ADMIN),
    "wizard:connect": Rule(SCHOOL_ADMIN),
    "wizard:account_add": Rule(SCHOOL_ADMIN),
    "wizard:account_archive": Rule(SCHOOL_ADMIN, "pupil"),
    "wizard:run_cards": Rule(SCHOOL_ADMIN),
    "wizard:pupil_password_reset": Rule(TEACHER_OF, "pupil"),
    "wizard:pupil_password_reset_done": Rule(TEACHER_OF, "pupil"),
    "wizard:class_password_reset": Rule(TEACHER_OF, "class"),
    # Groupcall's server calls this after a school authorises us: a POST from outside,
    # so it has no session and no CSRF token; its per-invitation token stands in for both.
    "wizard:groupcall_callback": Rule(PUBLIC),
    # Django admin's own pages.
    "admin:login": Rule(ADMIN_LOGIN),
    "admin:logout": Rule(ADMIN_LOGIN),
    "admin:index": Rule(SUPPORT),
    "admin:password_change": Rule(SUPPORT),
    "admin:password_change_done": Rule(SUPPORT),
    "admin:autocomplete": Rule(SUPPORT),
    "admin:jsi18n": Rule(SUPPORT),
    "admin:view_on_site": Rule(SUPPORT, "pupil"),
    "admin:app_list": Rule(SUPPORT),
    "admin:auth_user_password_change": Rule(SUPPORT, "pupil"),
    "admin/(?P<url>.*)$": Rule(SUPPORT),  # Django admin's catch-all (unnamed)
}

# The models registered in Django admin, each with the first school's object its pages
# are tried with. Every one has Django admin's five pages and the old change address.
ADMIN_MODELS: dict[str, str] = {
    "auth_group": "group",
    "users_school": "school",
    "users_user": "pupil",
    "users_yeargroup": "year_group",
    "users_schoolclass": "class",
    "users_classmembership": "membership",
    "users_signinattempt": "sign_in_attempt",
    "users_accountlock": "lock",
    "wizard_syncrun": "run",
    "wizard_syncchange": "change",
    "wizard_misconnection": "connection",
    "wizard_groupcallinvitation": "invitation",
    "wizard_syncsettings": "sync_settings",
    "wizard_notduplicate": "not_duplicate",
}
ADMIN_MODEL_PAGES = ("changelist", "add", "history", "delete", "change")


def rule_for(key: str) -> Rule | None:
    if key in PAGES:
        return PAGES[key]
    model_page = re.fullmatch(r"admin:(\w+?)_(changelist|add|history|delete|change)", key)
    if model_page and model_page.group(1) in ADMIN_MODELS:
        return Rule(SUPPORT, ADMIN_MODELS[model_page.group(1)])
    old_change = re.fullmatch(r"admin/(\w+)/(\w+)/<path:object_id>/", key)
    if old_change and f"{old_change.group(1)}_{old_change.group(2)}" in ADMIN_MODELS:
        return Rule(SUPPORT, ADMIN_MODELS[f"{old_change.group(1)}_{old_change.group(2)}"])
    return None


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str  # the pattern as written, prefixes included
    kwargs: tuple[str, ...]  # the names of its URL kwargs
    named: bool
    view: Any  # the view function the pattern calls


def routes() -> list[Route]:
    """Every URL pattern of the project, walking the resolver (Django admin included)."""
    return list(_walk(get_resolver().url_patterns, "", ""))


def _walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, route, inner)
            continue
        assert isinstance(pattern, URLPattern)
        names = re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)
        key = f"{namespace}{pattern.name}" if pattern.name else route
        yield Route(key, route, tuple(names), bool(pattern.name), pattern.callback)


def unknown_routes() -> list[str]:
    return [route.key for route in routes() if rule_for(route.key) is None]


UNKNOWN = (
    "These URLs have no access rule: add it to the table in tests/url_sweep.py "
    "(PAGES, or ADMIN_MODELS for a model registered in Django admin): {}"
)


def url_of(route: Route, values: dict[str, str]) -> str:
    """The address of `route` with each URL kwarg filled from `values` (by kwarg name)."""
    missing = [name for name in route.kwargs if name not in values]
    assert not missing, f"{route.key}: add a value for {missing} to kwarg_values (url_sweep.py)"
    kwargs = {name: values[name] for name in route.kwargs}
    if route.named:
        return reverse(route.key, kwargs=kwargs)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: kwargs[m.group(1)], route.route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: kwargs[m.group(1)], path)
    return "/" + path.lstrip("^").rstrip("$")


# A pupil the run read from the MIS who has no account yet: only the run names her.
SNAPSHOT_PUPIL = ("Zephyrine", "Quillfeather", "P9001")
# What a hostile POST sends: a value for every field of the project's forms.
POST = {
    "name": "Hacked",
    "secret": "hacked-secret",
    "estab": "9999999",
    "password_format": "year_group",
    "role": "pupil",
    "forename": "Hacked",
    "surname": "Hacker",
    "email": "hacker@example.org",
    "year_group": "1",
    "username": "hacker",
    "password": "hacked-password-1",
    "new_password1": "hacked-password-1",
    "new_password2": "hacked-password-1",
    "confirm": "on",
    "action": "delete_selected",
    "_selected_action": "1",
    "post": "yes",
}
# The apps whose tables are compared before and after each request (sessions are not:
# signing out is allowed to end one's own session).
DUMPED_APPS = {"users", "wizard", "auth", "admin"}


@dataclass
class FirstSchool:
    school: School
    classes: Classes
    admin: User
    objects: dict[str, Any]
    people: dict[str, list[str]] = field(default_factory=dict)  # who -> names and username


@pytest.fixture
def first_school(page_school: School, classes: Classes, school_admin: User) -> FirstSchool:
    """Oakfield with one of everything: classes, pupils, teachers, a sync run that read a
    pupil not yet on the platform, its connection and settings, sign-in records."""
    school = page_school
    run = SyncRun.objects.create(
        school=school,
        status=SyncRun.Status.APPLIED,
        snapshot={"pupils": [{"mis_id": SNAPSHOT_PUPIL[2], "forename": SNAPSHOT_PUPIL[0]}]},
    )
    change = SyncChange.objects.create(
        run=run,
        target=SyncChange.Target.ACCOUNT,
        kind="new",
        role="pupil",
        mis_id=SNAPSHOT_PUPIL[2],
        name=f"{SNAPSHOT_PUPIL[0]} {SNAPSHOT_PUPIL[1]}",
        planned={"forename": SNAPSHOT_PUPIL[0], "surname": SNAPSHOT_PUPIL[1]},
    )
    connection = MisConnection(school=school)
    connection.secret = "oakfield-xod-secret"
    connection.save()
    objects = {
        "school": school,
        "class": classes.robins,
        "pupil": classes.ada,
        "year_group": classes.robins.year_group,
        "membership": ClassMembership.objects.get(user=classes.ada),
        "run": run,
        "change": change,
        "connection": connection,
        "invitation": GroupcallInvitation.objects.create(
            school=school,
            estab=school.estab,
            token_hash="0" * 64,  # the hash of no token the sweep sends
            contact_first_name="Hana",
            contact_last_name="Okafor",
            contact_email="head@oakfield.example.org",
            status=GroupcallInvitation.Status.INVITED,
        ),
        "sync_settings": SyncSettings.objects.create(school=school),
        "not_duplicate": NotDuplicate.objects.create(
            school=school, mis_id=SNAPSHOT_PUPIL[2], account=classes.ben
        ),
        "sign_in_attempt": SignInAttempt.objects.create(
            school=school, username=classes.ada.username.lower(), outcome="wrong"
        ),
        "lock": AccountLock.objects.create(
            school=school,
            username=classes.ben.username.lower(),
            account=classes.ben,
            until=timezone.now() + timedelta(minutes=15),
        ),
        "group": Group.objects.create(name="Oakfield helpers"),
    }
    people = {
        "admin": school_admin,
        "tess": classes.tess,
        "will": classes.will,
        "ada": classes.ada,
        "ben": classes.ben,
        "cal": classes.cal,
    }
    first = FirstSchool(school=school, classes=classes, admin=school_admin, objects=objects)
    for who, person in people.items():
        first.people[who] = [person.full_name, person.username]
    first.people["zephyrine"] = [" ".join(SNAPSHOT_PUPIL[:2])]
    first.people["robins"] = ["Robins"]
    first.people["wrens"] = ["Wrens"]
    return first


def kwarg_values(first: FirstSchool, target: str) -> dict[str, str]:
    """The value of each URL kwarg, by its name: the first school's ids."""
    target_pk = str(first.objects[target].pk) if target else ""
    return {
        "school_slug": first.school.slug,
        "pk": target_pk,
        "object_id": target_pk,
        "id": target_pk,
        "run_id": str(first.objects["run"].pk),
        "invitation_id": str(first.objects["invitation"].pk),
        "step": "usernames",
        "role": "pupil",
        "mis_id": SNAPSHOT_PUPIL[2],
        # A staff member's activation link, as a guess: the uid is hers, the token not.
        "uidb64": urlsafe_base64_encode(force_bytes(first.classes.tess.pk)),
        "token": "cbwz3k-0123456789abcdef0123456789abcdef",
        "content_type_id": str(ContentType.objects.get_for_model(User).pk),
        "app_label": "users",
        "url": "users/nothing-here/",
    }


def dumped_models() -> list[Any]:
    return [model for model in apps.get_models() if model._meta.app_label in DUMPED_APPS]


def database_dump() -> dict[str, Any]:
    """Each table's content: on PostgreSQL a digest of every row of every table in one
    query (the sweep dumps before and after each of about a thousand requests), else the
    rows themselves."""
    models = dumped_models()
    if connection.vendor != "postgresql":
        return {m._meta.label_lower: list(m.objects.order_by("pk").values()) for m in models}
    digests = " UNION ALL ".join(
        f"SELECT '{m._meta.label_lower}', "
        f"md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {m._meta.db_table} t"
        for m in models
    )
    with connection.cursor() as cursor:
        cursor.execute(digests)
        return dict(cursor.fetchall())
