"""New passwords for a pupil or a whole class: in the year group's format as the school
chose it (or the default), or in a chosen one; the old password stops working at once
and the new one prints on the card. Also the login cards of a sync's new pupils."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.fixtures_classes import Classes
from tests.fixtures_pages import page_text
from tests.users.factories import UserFactory
from tests.users.pdf_reading import text_of
from tests.wizard.school_data import mis_sync
from users import crypto, services
from users.credentials import PIN2, PIN4, WORD_DIGITS
from users.models import User
from users.services import NOT_A_PUPIL
from wizard.models import SyncRun, SyncSettings
from wizard.views.passwords import CLASS_RESET, PUPIL_RESET

pytestmark = pytest.mark.django_db


def password_of(pupil: User) -> str:
    pupil.refresh_from_db()
    return crypto.decrypt(pupil.printable_password)


def reset_pupil(client, pupil: User, password_format: str = "year_group"):
    url = reverse("wizard:pupil_password_reset", args=["oakfield", pupil.pk])
    return client.post(url, {"password_format": password_format}, follow=True)


def card_text(client, pupil: User) -> str:
    response = client.get(reverse("users:account_card", args=["oakfield", pupil.pk]))
    assert response["Content-Type"] == "application/pdf"
    return text_of(response.content)


def test_a_teacher_gives_a_pupil_a_new_password_the_old_one_stops_working(
    tess_client, classes: Classes
):
    ada = classes.ada
    # A word password first, so the new two-digit PIN cannot happen to be the same.
    old = services.pupil_password_reset(pupil=ada, password_format=WORD_DIGITS)
    old_hash = ada.password

    response = reset_pupil(tess_client, ada)

    new = password_of(ada)
    assert ada.password != old_hash
    assert not ada.check_password(old)
    assert ada.check_password(new)
    assert re.fullmatch(r"\d\d", new)  # Reception's default: a two-digit picture PIN
    assert ada.password_format == PIN2
    page = page_text(response)
    assert PUPIL_RESET.format(name=ada.full_name) in page
    assert reverse("users:account_card", args=["oakfield", ada.pk]) in page
    assert " ".join(new) in card_text(tess_client, ada)


def test_a_new_password_takes_the_format_the_school_chose_for_the_year(
    tess_client, classes: Classes, page_school
):
    SyncSettings.objects.create(school=page_school, password_formats={"R": PIN4})

    reset_pupil(tess_client, classes.ada)

    assert re.fullmatch(r"\d{4}", password_of(classes.ada))
    assert classes.ada.password_format == PIN4


def test_a_chosen_format_wins(tess_client, classes: Classes):
    reset_pupil(tess_client, classes.ada, WORD_DIGITS)

    assert re.fullmatch(r"[a-z]+\d\d", password_of(classes.ada))
    assert " ".join(password_of(classes.ada)) not in card_text(tess_client, classes.ada)
    assert password_of(classes.ada) in card_text(tess_client, classes.ada)


def test_the_done_page_shows_the_picture_pin_and_links_the_card(tess_client, classes: Classes):
    reset_pupil(tess_client, classes.ada)
    url = reverse("wizard:pupil_password_reset_done", args=["oakfield", classes.ada.pk])
    page = page_text(tess_client.get(url))
    first = password_of(classes.ada)[0]
    assert f"({first})" in page
    assert "<svg" in page


def test_a_pupils_open_session_ends_with_a_new_password(client, classes: Classes):
    client.force_login(classes.ada)
    assert client.session.get("_auth_user_id") == str(classes.ada.pk)

    services.pupil_password_reset(pupil=classes.ada, password_format=PIN2)

    client.get(reverse("users:my_classes", args=["oakfield"]))
    assert "_auth_user_id" not in client.session


def test_a_whole_class_gets_new_passwords_and_other_classes_keep_theirs(
    tess_client, classes: Classes
):
    before = {p.pk: p.password for p in (classes.ada, classes.ben, classes.cal)}
    url = reverse("wizard:class_password_reset", args=["oakfield", classes.robins.pk])

    response = tess_client.post(url, {"password_format": "year_group"}, follow=True)

    for pupil in (classes.ada, classes.ben):
        pupil.refresh_from_db()
        assert pupil.password != before[pupil.pk]
        assert pupil.check_password(password_of(pupil))
    classes.cal.refresh_from_db()
    assert classes.cal.password == before[classes.cal.pk]
    assert CLASS_RESET.format(count=2, plural="s", name="Robins") in page_text(response)
    cards = tess_client.get(reverse("users:class_cards", args=["oakfield", classes.robins.pk]))
    text = text_of(cards.content)
    assert " ".join(password_of(classes.ada)) in text
    assert " ".join(password_of(classes.ben)) in text


def test_a_class_can_all_get_one_chosen_format(client, classes: Classes, school_admin):
    client.force_login(school_admin)
    url = reverse("wizard:class_password_reset", args=["oakfield", classes.wrens.pk])
    response = client.post(url, {"password_format": PIN4})
    assert re.fullmatch(r"\d{4}", password_of(classes.cal))
    assert response["Location"] == reverse("users:class", args=["oakfield", classes.wrens.pk])


def test_an_unknown_format_is_refused_and_nothing_changes(tess_client, classes: Classes):
    before = classes.ada.password
    response = reset_pupil(tess_client, classes.ada, "open_sesame")
    assert "Select a valid choice" in page_text(response)
    classes.ada.refresh_from_db()
    assert classes.ada.password == before


def test_staff_passwords_are_never_reset_here(classes: Classes):
    with pytest.raises(ValueError, match=NOT_A_PUPIL):
        services.pupil_password_reset(pupil=classes.tess, password_format=PIN2)
    with pytest.raises(ValueError, match=NOT_A_PUPIL):
        services.pupils_password_reset(
            pupils=[classes.ada, classes.tess], format_of=lambda pupil: PIN2
        )
    classes.ada.refresh_from_db()
    assert classes.ada.check_password(password_of(classes.ada))


def test_a_syncs_new_pupils_cards_are_offered_on_its_page_and_print(client, school):
    mis_sync()
    run = SyncRun.objects.get(school=school)
    client.force_login(UserFactory.create(school=school, role=User.Role.ADMIN, username="HeadA"))

    page = page_text(client.get(reverse("wizard:run", args=[school.slug, run.pk])))
    assert "Print login cards for the 6 new pupils" in page

    response = client.get(reverse("wizard:run_cards", args=[school.slug, run.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    for pupil in User.objects.filter(school=school, role=User.Role.PUPIL):
        assert pupil.username in text
    for person in User.objects.filter(school=school, role=User.Role.STAFF):
        assert person.username not in text
    assert text.index("Class: 3AB") < text.index("Class: 4ES")
