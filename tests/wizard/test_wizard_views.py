"""The MIS Sync Wizard's pages, driven as formtools' own tests drive a wizard: post
`<step>-<field>` with `<prefix>-current_step`, follow the redirects, and assert the step,
the messages and the rows."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures_pages import page_text
from tests.users.factories import UserFactory
from tests.wizard.conftest import serve
from tests.wizard.school_data import SchoolData, mis_sync, pupil
from users.models import SchoolClass, User
from wizard import forms as wizard_forms
from wizard.models import SyncRun, SyncSettings
from wizard.services import lifecycle
from wizard.services.sync import sync_prepare
from wizard.views import steps

pytestmark = pytest.mark.django_db

Status = SyncRun.Status
USERNAMES = {
    "usernames-pupil_format": "forename_surname_initial",
    "usernames-pupil_template": "",
    "usernames-staff_format": "forename_initial_surname",
    "usernames-staff_template": "",
    "usernames-staff_scope": "teachers",
}


@pytest.fixture
def run(school):
    return sync_prepare(school=school)


def step_url(run, step):
    return reverse("wizard:step", args=[run.school.slug, run.pk, step])


def post_step(browser, run, step, data, **extra):
    payload = {f"sync_{run.pk}-current_step": step, **data, **extra}
    return browser.post(step_url(run, step), payload, follow=True)


def walk_to_summary(browser, run, usernames=None):
    """Usernames, passwords and years as suggested; returns the summary page."""
    browser.get(step_url(run, "usernames"))
    response = post_step(browser, run, "usernames", usernames or USERNAMES)
    assert response.context["wizard"]["steps"].current == "passwords"
    fields = response.context["form"].initial | {
        name: field.initial for name, field in response.context["form"].fields.items()
    }
    response = post_step(
        browser, run, "passwords", {f"passwords-{k}": v for k, v in fields.items()}
    )
    assert response.context["wizard"]["steps"].current == "years"
    years = {
        f"years-{name}": field.initial for name, field in response.context["form"].fields.items()
    }
    response = post_step(browser, run, "years", years)
    assert response.context["wizard"]["steps"].current == "summary"
    return response


def finish(browser, run, response, **answers):
    form = response.context["form"]
    data = {"summary-fingerprint": form.initial["fingerprint"]}
    data |= {f"summary-{key}": value for key, value in answers.items()}
    return post_step(browser, run, "summary", data)


# -- The steps ----------------------------------------------------------------------------


def test_start_reads_the_mis_and_opens_step_1(
    school, browser, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("wizard:start", args=[school.slug]))
    run = SyncRun.objects.get()
    assert response.url == reverse("wizard:run", args=[school.slug, run.pk])
    assert run.status == Status.PLANNED
    assert run.started_by is not None
    assert run.started_by.username == "HeadA"
    page = browser.get(response.url, follow=True)
    assert page.context["wizard"]["steps"].current == "usernames"
    assert "Step 1 of 4" in page_text(page)  # no teaching groups: no subject step


def test_the_username_step_explains_a_bad_custom_format_beside_the_field(browser, run):
    browser.get(step_url(run, "usernames"))
    response = post_step(
        browser,
        run,
        "usernames",
        USERNAMES | {"usernames-pupil_format": "custom", "usernames-pupil_template": "{nick}"},
    )
    assert response.context["wizard"]["steps"].current == "usernames"
    text = page_text(response)
    assert "There is a problem" in text
    assert "{nick} is not a name you can use" in text
    blank = post_step(browser, run, "usernames", USERNAMES | {"usernames-pupil_format": "custom"})
    assert wizard_forms.NO_TEMPLATE in page_text(blank)


def test_preview_shows_the_examples_of_the_posted_format_without_moving_on(browser, run):
    browser.get(step_url(run, "usernames"))
    response = post_step(
        browser,
        run,
        "usernames",
        USERNAMES | {"usernames-pupil_format": "forename_dot_surname"},
        preview="1",
    )
    assert response.context["wizard"]["steps"].current == "usernames"
    # The examples are people who would get a new account (existing ones keep theirs).
    assert response.context["examples"]["pupil"][0] == ("Amira Haddad", "Amira.Haddad")
    default = browser.get(step_url(run, "usernames"))
    assert default.context["examples"]["pupil"][0] == ("Amira Haddad", "AmiraH")


def test_the_summary_shows_every_change_and_finish_applies_it(
    browser, run, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    summary = walk_to_summary(browser, run)
    text = page_text(summary)
    assert "Step 4 of 4" in text
    assert "Create 8 accounts" in text
    assert "JohnS2" in text  # the username a new account will get
    assert "Change pupil usernames" in text.replace('<span class="visually-hidden">', "")

    with django_capture_on_commit_callbacks(execute=True):
        applying = finish(browser, run, summary)
    assert "Applying the changes" in page_text(applying)

    run.refresh_from_db()
    assert run.status == Status.APPLIED
    assert User.objects.filter(school=run.school, role="pupil").count() == 6
    done = browser.get(reverse("wizard:run", args=[run.school.slug, run.pk]))
    assert "The sync is done" in page_text(done)
    saved = SyncSettings.objects.get(school=run.school)
    assert saved.year_mapping == {"Year 3": "3", "Year 4": "4"}


def test_a_custom_username_format_reaches_the_new_accounts(
    browser, run, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    custom = USERNAMES | {
        "usernames-pupil_format": "custom",
        "usernames-pupil_template": "{surname}.{forename:1}",
    }
    summary = walk_to_summary(browser, run, usernames=custom)
    assert "Smith.J" in page_text(summary)
    with django_capture_on_commit_callbacks(execute=True):
        finish(browser, run, summary)
    assert User.objects.filter(school=run.school, username="Smith.J").exists()
    assert SyncSettings.objects.get(school=run.school).pupil_username_format == (
        "{surname}.{forename:1}"
    )


def test_a_held_plan_needs_the_tick_before_finish(
    school, browser, xod, school_data, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    mis_sync()
    serve(xod, SchoolData(pupils=school_data.pupils[:1], staff=school_data.staff))
    run = sync_prepare(school=school)
    assert run.status == Status.HELD
    summary = walk_to_summary(browser, run)
    assert "This sync would archive 5 of 6 pupil accounts" in page_text(summary)

    refused = finish(browser, run, summary)
    assert wizard_forms.NOT_CONFIRMED in page_text(refused)
    run.refresh_from_db()
    assert run.status == Status.HELD

    post_step(browser, run, "summary", {"summary-confirm_brake": "on"}, recheck="1")
    summary = browser.get(step_url(run, "summary"))
    with django_capture_on_commit_callbacks(execute=True):
        finish(browser, run, summary, confirm_brake="on")
    run.refresh_from_db()
    assert run.status == Status.APPLIED


def test_finish_refuses_a_plan_that_changed_since_it_was_shown(
    browser, run, school, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    summary = walk_to_summary(browser, run)
    # Meanwhile another administrator types in a pupil by hand with a username it planned.
    UserFactory.create(school=school, username="JohnS", forename="Jo", surname="Bloggs")

    with django_capture_on_commit_callbacks(execute=True):
        response = finish(browser, run, summary)

    assert steps.CHANGED_SINCE in page_text(response)
    assert response.context["wizard"]["steps"].current == "summary"
    run.refresh_from_db()
    assert run.status == Status.PLANNED
    assert not User.objects.filter(school=school, mis_id="101").exists()
    # Checked again, it finishes (and John Smith gets JohnS2, not the hand-made JohnS).
    with django_capture_on_commit_callbacks(execute=True):
        finish(browser, run, response)
    run.refresh_from_db()
    assert run.status == Status.APPLIED


def test_duplicates_are_answered_one_by_one_or_all_at_once(
    school, browser, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    typed_in = UserFactory.create(school=school, username="zoe", forename="Zoe", surname="OBrien")
    run = sync_prepare(school=school)
    summary = walk_to_summary(browser, run)
    text = page_text(summary)
    assert "Possible duplicates" in text
    assert "Use the existing account zoe" in text

    post_step(browser, run, "summary", {"summary-duplicate_pupil:104": "link"}, recheck="1")
    summary = browser.get(step_url(run, "summary"))
    assert "Create 7 accounts" in page_text(summary)
    with django_capture_on_commit_callbacks(execute=True):
        finish(browser, run, summary, **{"duplicate_pupil:104": "link"})

    typed_in.refresh_from_db()
    assert (typed_in.mis_id, typed_in.username, typed_in.forename) == ("104", "zoe", "Zoë")


def shown_fingerprint(response) -> str:
    """The fingerprint the summary page itself carries (what the browser posts back)."""
    found = re.search(r'name="summary-fingerprint" value="([0-9a-f]*)"', response.content.decode())
    assert found is not None
    return found.group(1)


def test_an_answer_given_and_finished_at_once_is_shown_then_finishes(
    school, browser, settings, django_capture_on_commit_callbacks
):
    """An administrator answers a possible duplicate and presses Finish without
    "Update the changes": the summary comes back with the answer applied, and Finish on
    that page applies it (it used to carry the old plan's fingerprint and loop)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    typed_in = UserFactory.create(school=school, username="zoe", forename="Zoe", surname="OBrien")
    run = sync_prepare(school=school)
    summary = walk_to_summary(browser, run)
    answer = {"summary-duplicate_pupil:104": "link"}

    first = post_step(
        browser, run, "summary", {"summary-fingerprint": shown_fingerprint(summary), **answer}
    )
    assert steps.CHANGED_SINCE in page_text(first)
    assert "Create 7 accounts and update 1" in page_text(first)
    run.refresh_from_db()
    assert shown_fingerprint(first) == run.plan_digest

    with django_capture_on_commit_callbacks(execute=True):
        post_step(
            browser, run, "summary", {"summary-fingerprint": shown_fingerprint(first), **answer}
        )
    run.refresh_from_db()
    assert run.status == Status.APPLIED
    typed_in.refresh_from_db()
    assert typed_in.mis_id == "104"


def test_a_new_pupil_can_be_matched_by_hand(
    school, browser, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    renamed = UserFactory.create(
        school=school, username="amiraj", forename="Amira", surname="Jones"
    )
    run = sync_prepare(school=school)
    summary = walk_to_summary(browser, run)
    match_url = reverse("wizard:match", args=[school.slug, run.pk, "pupil", "106"])
    assert match_url in summary.content.decode()

    page = browser.get(match_url, {"q": "amira"})
    assert [a.username for a in page.context["candidates"]] == ["amiraj"]
    browser.post(match_url, {"account": renamed.pk})
    summary = browser.get(step_url(run, "summary"))
    assert "Create 7 accounts" in page_text(summary)
    with django_capture_on_commit_callbacks(execute=True):
        finish(browser, run, summary)

    renamed.refresh_from_db()
    assert (renamed.mis_id, renamed.username, renamed.surname) == ("106", "amiraj", "Haddad")


# -- Result, history, undo ----------------------------------------------------------------


def test_history_changes_and_undo(school, browser, xod, school_data):
    first = mis_sync()["run_id"]
    school_data.pupils.append(pupil("108", "Freya", "Lund", 3, "3AB"))
    serve(xod, school_data)
    second = mis_sync()["run_id"]

    history = page_text(browser.get(reverse("wizard:history", args=[school.slug])))
    assert f"#{first}" in history
    assert f"#{second}" in history
    changes = browser.get(reverse("wizard:changes", args=[school.slug, second]), {"kind": "new"})
    assert [row.name for row in changes.context["page"]] == ["Freya Lund"]

    undo_url = reverse("wizard:undo", args=[school.slug, second])
    confirm = page_text(browser.get(undo_url))
    assert "the 1 account it created will be archived" in confirm
    done = browser.post(undo_url, follow=True)
    assert f"Sync #{second} was undone." in page_text(done)
    assert User.objects.get(mis_id="108").archived_at is not None
    refused = browser.post(reverse("wizard:undo", args=[school.slug, first]), follow=True)
    assert "Only an applied sync can be undone" not in page_text(refused)  # first is fine
    assert SyncRun.objects.get(pk=first).status == Status.UNDONE


def test_a_failed_read_says_why_and_offers_to_try_again(school, browser, xod):
    xod.app.pause_authorisation(school.estab)
    run = sync_prepare(school=school)
    page = page_text(browser.get(reverse("wizard:run", args=[school.slug, run.pk])))
    assert "This sync did not finish" in page
    assert "paused" in page
    assert "Try again" in page
    assert browser.get(step_url(run, "usernames")).status_code == 302


# -- Who may do what ------------------------------------------------------------------------


def _urls(school, run):
    slug = school.slug
    return [
        ("get", reverse("wizard:start", args=[slug])),
        ("post", reverse("wizard:start", args=[slug])),
        ("get", reverse("wizard:history", args=[slug])),
        ("get", reverse("wizard:run", args=[slug, run.pk])),
        ("get", reverse("wizard:progress", args=[slug, run.pk])),
        ("get", reverse("wizard:changes", args=[slug, run.pk])),
        ("get", reverse("wizard:undo", args=[slug, run.pk])),
        ("post", reverse("wizard:undo", args=[slug, run.pk])),
        ("get", step_url(run, "usernames")),
        ("post", step_url(run, "usernames")),
        ("get", step_url(run, "summary")),
        ("get", reverse("wizard:match", args=[slug, run.pk, "pupil", "101"])),
        ("post", reverse("wizard:match", args=[slug, run.pk, "pupil", "101"])),
    ]


def test_only_the_schools_administrators_get_in(client, school, run):
    urls = _urls(school, run)
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("users:sign_in", args=[school.slug])), url
    for role in (User.Role.PUPIL, User.Role.STAFF):
        client.force_login(UserFactory.create(school=school, role=role))
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 403, (role, url)
    run.refresh_from_db()
    assert run.status == Status.PLANNED
    assert SyncRun.objects.count() == 1


def test_another_schools_administrator_gets_404_for_this_schools_run(
    client, school, run, other_school, other_admin
):
    client.force_login(other_admin)
    other = other_school.slug
    for name in ("wizard:run", "wizard:progress", "wizard:changes", "wizard:undo"):
        assert client.get(reverse(name, args=[other, run.pk])).status_code == 404, name
    assert client.post(reverse("wizard:undo", args=[other, run.pk])).status_code == 404
    assert client.get(reverse("wizard:step", args=[other, run.pk, "usernames"])).status_code == 404
    match = reverse("wizard:match", args=[other, run.pk, "pupil", "101"])
    assert client.get(match).status_code == 404
    assert not SchoolClass.objects.exists()


def test_match_by_hand_never_offers_an_account_already_claimed(
    school, browser, settings, django_capture_on_commit_callbacks
):
    UserFactory.create(school=school, username="zoe", forename="Zoe", surname="OBrien")
    free = UserFactory.create(school=school, username="jj", forename="Jo", surname="Jones")
    run = sync_prepare(school=school)
    walk_to_summary(browser, run)
    match_104 = reverse("wizard:match", args=[school.slug, run.pk, "pupil", "101"])
    offered = browser.get(match_104).context["candidates"]
    assert [a.username for a in offered] == ["jj"]  # zoe is 104's possible duplicate

    browser.post(match_104, {"account": free.pk})
    match_102 = reverse("wizard:match", args=[school.slug, run.pk, "pupil", "102"])
    assert list(browser.get(match_102).context["candidates"]) == []
    browser.post(match_102, {"account": free.pk})  # refused: taken by 101 already
    summary = page_text(browser.get(step_url(run, "summary")))
    assert "John Smith will take over <strong>jj</strong>" in summary
    assert "Jack Smith will take over" not in summary


def test_starting_again_sets_aside_a_sync_still_waiting_for_choices(
    school, browser, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    start = reverse("wizard:start", args=[school.slug])
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(start)
        browser.post(start)
    first, second = SyncRun.objects.order_by("pk")
    assert (first.status, second.status) == (Status.FAILED, Status.PLANNED)
    assert first.error == lifecycle.SET_ASIDE.format(newer=second.pk)
    assert "set aside before anything was changed" in first.error


def test_back_keeps_what_was_chosen_on_the_step(browser, run):
    browser.get(step_url(run, "usernames"))
    post_step(browser, run, "usernames", USERNAMES)
    page = post_step(
        browser,
        run,
        "passwords",
        {"passwords-year_3": "word_digits", "passwords-year_4": "pin4"},
        wizard_goto_step="usernames",
    )
    assert page.context["wizard"]["steps"].current == "usernames"
    again = browser.get(step_url(run, "passwords"))
    assert again.context["form"]["year_3"].value() == "word_digits"


def test_use_the_existing_account_for_everyone_answers_each_person(school, browser):
    UserFactory.create(school=school, username="zoe", forename="Zoe", surname="OBrien")
    run = sync_prepare(school=school)
    walk_to_summary(browser, run)
    post_step(browser, run, "summary", {"summary-resolve_all": "on"}, recheck="1")
    summary = browser.get(step_url(run, "summary"))
    assert summary.context["form"]["duplicate_pupil:104"].value() == "link"
    assert "Create 7 accounts and update 1" in page_text(summary)


def test_the_result_page_mentions_emails_only_when_staff_were_emailed(school, browser, xod):
    first = mis_sync()["run_id"]
    second = mis_sync()["run_id"]
    page = page_text(browser.get(reverse("wizard:run", args=[school.slug, first])))
    assert "The 2 new members of staff have been emailed a link to set a password." in page
    page = page_text(browser.get(reverse("wizard:run", args=[school.slug, second])))
    assert "emailed" not in page


def test_finish_in_a_second_tab_shows_what_became_of_the_sync(
    browser, run, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    summary = walk_to_summary(browser, run)
    with django_capture_on_commit_callbacks(execute=True):
        finish(browser, run, summary)
    again = finish(browser, run, summary)  # the same page, still open in another tab
    assert again.redirect_chain[-1][0] == reverse("wizard:run", args=[run.school.slug, run.pk])
    assert steps.NOT_READY in page_text(again)
    assert "This field is required" not in page_text(again)


def test_finish_in_a_session_without_the_choices_says_so_and_changes_nothing(
    school, browser, admin
):
    run = sync_prepare(school=school)
    walk_to_summary(browser, run)
    # Signed in again in another browser: the summary shows, the answers stayed behind.
    client = Client()
    client.force_login(admin)
    summary = client.get(step_url(run, "summary"))
    response = client.post(
        step_url(run, "summary"),
        {
            f"sync_{run.pk}-current_step": "summary",
            "summary-fingerprint": summary.context["form"].initial["fingerprint"],
        },
        follow=True,
    )
    assert steps.CHOICES_NOT_KEPT in page_text(response)
    assert response.context["wizard"]["steps"].current == "usernames"
    run.refresh_from_db()
    assert run.status == Status.PLANNED
