"""The wizard's subject groups step: each subject's teaching groups, folded away, in
number order, ticked as saved last time; what is posted (groups one by one, or every
group of a subject) is what the sync imports and saves for next time."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.fixtures_pages import page_text
from tests.wizard.school_data import SchoolData, small_school
from tests.wizard.test_wizard_views import USERNAMES, finish, post_step, step_url
from users.models import SchoolClass
from wizard.models import SyncRun, SyncSettings
from wizard.services.selectors import sync_settings_of
from wizard.services.sync import sync_prepare

pytestmark = pytest.mark.django_db

GROUPS = [  # (MIS id, name, subject, pupils), deliberately not in number order
    ("TG-10", "10X1/Ma", "Mathematics", "101,102"),
    ("TG-72", "7X2/Ma", "Mathematics", "103"),
    ("TG-71", "7X1/Ma", "Mathematics", "104"),
    ("TG-73", "7X3/Ma <i>\"&'", "Mathematics", "101"),  # a name with markup in it
    ("TG-S1", "7X1/Sc", "Science", "105,106"),
]


def with_teaching_groups(data: SchoolData) -> dict[str, Any]:
    dataset = data.dataset()
    dataset["schools"][0]["Groups"] += [
        {
            "Id": mis_id,
            "Type": "TeachingGrp",
            "Code": name,
            "Name": name,
            "SubjectCode": subject[:2].upper(),
            "SubjectName": subject,
            "StudentIds": pupils,
            "StaffIds": "201",
        }
        for mis_id, name, subject, pupils in GROUPS
    ]
    return dataset


@pytest.fixture
def fake_xod_dataset() -> dict[str, Any]:
    return with_teaching_groups(small_school())


@pytest.fixture
def run(school):
    return sync_prepare(school=school)


def to_subjects(browser, run):
    """Usernames, passwords and years as suggested; returns the subject groups step."""
    browser.get(step_url(run, "usernames"))
    response = post_step(browser, run, "usernames", USERNAMES)
    for step in ("passwords", "years"):
        form = response.context["form"]
        fields = {f"{step}-{name}": field.initial for name, field in form.fields.items()}
        response = post_step(browser, run, step, fields)
    assert response.context["wizard"]["steps"].current == "subjects"
    return response


def boxes(response) -> list[tuple[str, str, bool]]:
    """(name, value, ticked) of each group's box, in page order."""
    found = re.findall(
        r'<input type="checkbox" name="(subjects-subject_\d)" value="([^"]+)"( checked)?>',
        response.content.decode(),
    )
    return [(name, value, bool(ticked)) for name, value, ticked in found]


def test_each_subjects_groups_are_listed_in_number_order_ticked_as_saved(browser, school, run):
    settings = sync_settings_of(school)
    settings.subject_groups = ["TG-72", "TG-S1"]
    settings.save()

    response = to_subjects(browser, run)

    assert boxes(response) == [
        ("subjects-subject_0", "TG-71", False),
        ("subjects-subject_0", "TG-72", True),
        ("subjects-subject_0", "TG-73", False),
        ("subjects-subject_0", "TG-10", False),
        ("subjects-subject_1", "TG-S1", True),
    ]
    text = page_text(response)
    assert "<label><input" in text  # every box inside its label
    assert "Select all Mathematics groups" in text
    assert "(1 of 4 chosen)" in text
    html = response.content.decode()
    assert "> 7X3/Ma &lt;i&gt;&quot;&amp;&#x27; (1 pupil)</label>" in html  # escaped
    assert "(1 of 1 chosen)" in text
    # Every Science group was chosen: "Select all" says so (and Mathematics' does not).
    assert re.findall(r'name="subjects-all_(\d)" id="[^"]+"( checked)?', text) == [
        ("0", ""),
        ("1", " checked"),
    ]
    # Partly chosen: Mathematics is shown open, to see which; Science stays folded.
    assert re.findall(r'<details class="subject-groups"( open)?>', text) == [" open", ""]


def test_groups_posted_one_by_one_or_all_of_a_subject_are_imported_and_saved(
    browser, school, run, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    to_subjects(browser, run)
    summary = post_step(
        browser,
        run,
        "subjects",
        {"subjects-subject_0": ["TG-10", "TG-71"], "subjects-all_1": "on"},
    )
    assert summary.context["wizard"]["steps"].current == "summary"
    assert "3 teaching groups" in page_text(summary)

    with django_capture_on_commit_callbacks(execute=True):
        finish(browser, run, summary)

    run.refresh_from_db()
    assert run.status == SyncRun.Status.APPLIED
    teaching = SchoolClass.objects.filter(school=school, kind=SchoolClass.Kind.TEACHING)
    assert sorted(teaching.values_list("mis_id", flat=True)) == ["TG-10", "TG-71", "TG-S1"]
    assert sorted(SyncSettings.objects.get(school=school).subject_groups) == [
        "TG-10",
        "TG-71",
        "TG-S1",
    ]


def test_a_group_not_offered_is_refused_beside_its_subject(browser, run):
    to_subjects(browser, run)
    response = post_step(browser, run, "subjects", {"subjects-subject_0": ["TG-S1"]})
    assert response.context["wizard"]["steps"].current == "subjects"
    text = page_text(response)
    assert 'id="id_subjects-subject_0_error"' in text
    assert '<a href="#id_subjects-subject_0">' in text  # the error summary links to it
    assert re.findall(r'<details class="subject-groups"( open)?>', text)[0] == " open"
