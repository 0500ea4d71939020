"""Support staff inspect runs in Django admin and can undo one."""

from __future__ import annotations

import pytest

from tests.wizard.school_data import mis_sync
from users.models import User
from wizard.models import SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(client):
    user = User.objects.create_superuser("support", password="a long passphrase")
    client.force_login(user)
    return client


def test_runs_and_changes_are_listed_and_read_only(school, support):
    mis_sync()
    run = SyncRun.objects.get()
    listing = support.get("/admin/wizard/syncrun/?status__exact=applied")
    assert listing.status_code == 200
    assert f"/admin/wizard/syncrun/{run.pk}/change/".encode() in listing.content
    page = support.get(f"/admin/wizard/syncrun/{run.pk}/change/")
    assert page.status_code == 200
    assert b"change rows" in page.content
    changes = support.get(f"/admin/wizard/syncchange/?run__id__exact={run.pk}")
    assert b"JohnS2" in changes.content
    assert (
        support.get(f"/admin/wizard/syncchange/{run.changes.earliest('id').pk}/change/").status_code
        == 200
    )
    assert support.get("/admin/wizard/syncchange/add/").status_code == 403


def test_the_undo_action_undoes_an_applied_run(school, support):
    mis_sync()
    run = SyncRun.objects.get()
    response = support.post(
        "/admin/wizard/syncrun/",
        {"action": "undo", "_selected_action": [run.pk]},
        follow=True,
    )
    assert f"Sync #{run.pk} was undone.".encode() in response.content
    run.refresh_from_db()
    assert run.status == SyncRun.Status.UNDONE
    assert not User.objects.filter(school=school, archived_at__isnull=True).exists()


def test_the_undo_action_explains_a_refusal(school, support):
    result = mis_sync("--dry-run")
    response = support.post(
        "/admin/wizard/syncrun/",
        {"action": "undo", "_selected_action": [result["run_id"]]},
        follow=True,
    )
    assert b"Only an applied sync can be undone" in response.content


def test_staff_who_may_only_view_runs_cannot_undo(school, client):
    from django.contrib.auth.models import Permission

    viewer = User.objects.create_user("viewer", "a long passphrase", is_staff=True, role="admin")
    viewer.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
    client.force_login(viewer)
    mis_sync()
    run = SyncRun.objects.get()

    client.post("/admin/wizard/syncrun/", {"action": "undo", "_selected_action": [run.pk]})

    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED


def test_the_undo_action_lists_what_it_kept(school, support, xod, school_data):
    from tests.wizard.conftest import serve
    from tests.wizard.test_engine_paths import a_changed_feed

    mis_sync()
    serve(xod, a_changed_feed(school_data))
    run_id = mis_sync("--confirm-brake")["run_id"]
    User.objects.filter(mis_id="201", role="staff").update(email="e.stone@school.example")
    response = support.post(
        "/admin/wizard/syncrun/", {"action": "undo", "_selected_action": [run_id]}, follow=True
    )
    assert f"Sync #{run_id} was undone.".encode() in response.content
    assert b"Kept (changed since): EStone: email" in response.content
