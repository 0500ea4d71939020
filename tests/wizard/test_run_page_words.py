"""A run's page in the words of a run that is over: its counts, and why people were not
imported."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_pages import page_text
from wizard.models import SyncRun

pytestmark = pytest.mark.django_db


def test_an_applied_runs_counts_say_what_became_of_the_duplicates(
    admin_page_client, page_school, school_admin
):
    run = SyncRun.objects.create(
        school=page_school,
        status=SyncRun.Status.APPLIED,
        applied_at=timezone.now(),
        started_by=school_admin,
        counts={"new_pupils": 3, "duplicates": 2},
    )
    content = page_text(admin_page_client.get(reverse("wizard:run", args=["oakfield", run.pk])))
    duplicates = reverse("wizard:changes", args=["oakfield", run.pk]) + "?kind=duplicate"
    assert (
        f'<a href="{duplicates}">Possible duplicates not imported (the next sync asks again)</a>'
        in content
    )
    assert "until you answer" not in content
    assert 'New pupils</a></td><td class="numeric">3</td>' in content


def test_with_no_duplicates_left_the_count_says_so_plainly(admin_page_client, page_school):
    run = SyncRun.objects.create(
        school=page_school, status=SyncRun.Status.APPLIED, applied_at=timezone.now(), counts={}
    )
    content = page_text(admin_page_client.get(reverse("wizard:run", args=["oakfield", run.pk])))
    assert '<tr><td>Possible duplicates not imported</td><td class="numeric">0</td></tr>' in content
