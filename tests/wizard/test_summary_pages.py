"""The summary of a big school lists the first people of each line and links to the
run's changes page for the rest, one category at a time, in pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.fixtures_pages import page_text
from tests.wizard.test_wizard_views import run, walk_to_summary  # noqa: F401
from wizard.models import SyncChange
from wizard.views import summary as summary_words

pytestmark = pytest.mark.django_db


def test_the_summary_lists_the_first_people_and_links_to_all_of_them(
    browser,
    run,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(summary_words, "SHOWN", 2)
    page = page_text(walk_to_summary(browser, run))
    new_pupils = SyncChange.objects.filter(run=run, kind="new", role="pupil").order_by("name")
    names = [row.name for row in new_pupils]
    assert len(names) == 6

    shown = [name for name in names if name in page]
    assert len(shown) == 2  # only the first two are in the page
    assert "The first 2 of 6." in page
    changes = reverse("wizard:changes", args=[run.school.slug, run.pk])
    link = f"{changes}?kind=new&role=pupil"
    assert f'href="{link}"' in page.replace("&amp;", "&")

    every_one = page_text(browser.get(link))
    assert all(name in every_one for name in names)
    assert "Back to the changes to check" in every_one


def test_the_summary_shown_again_reuses_its_plan_until_an_account_changes(
    browser,
    run,  # noqa: F811
    monkeypatch,
):
    from users.models import User
    from wizard.services import runs

    made = []

    def counted_build_plan(*args, **kwargs):
        made.append(1)
        return build_plan(*args, **kwargs)

    build_plan = runs.build_plan
    monkeypatch.setattr(runs, "build_plan", counted_build_plan)
    walk_to_summary(browser, run)
    plans_made = len(made)
    first = SyncChange.objects.filter(run=run, kind="new", role="pupil").order_by("id").first()
    assert first is not None
    assert first.username in page_text(browser.get(summary_url(run)))
    assert len(made) == plans_made  # shown again: the same plan, not made again

    # By hand, someone takes the username the summary offered that pupil.
    User.objects.create(school=run.school, username=first.username, role="staff")
    page = page_text(browser.get(summary_url(run)))
    assert len(made) == plans_made + 1
    again = SyncChange.objects.get(run=run, kind="new", role="pupil", mis_id=first.mis_id)
    assert again.username != first.username
    assert again.username in page


def summary_url(sync_run):
    return reverse("wizard:step", args=[sync_run.school.slug, sync_run.pk, "summary"])
