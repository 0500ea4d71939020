"""The sign-in load test's parts: the school it prepares (pupils whose picture PINs are
the ones their cards print), and bench/locustfile.py run by locust itself against the test
server for three pupils and an administrator (the load itself is `bench_sign_in`)."""

from __future__ import annotations

import pytest

from bench.signin_flow import Login, read_logins, write_logins
from users import cards
from users.models import School, SignInAttempt, User
from wizard.management.commands.bench_sign_in import prepare_school, run_locust

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_locustfile_signs_pupils_in_while_an_administrator_browses(live_server, tmp_path):
    school, logins = prepare_school(pupils=3, admins=1)
    _assert_the_logins_sign_in(school, logins)
    write_logins(tmp_path / "logins.csv", logins)
    assert read_logins(tmp_path / "logins.csv") == logins

    figures = run_locust(
        tmp_path, live_server.url, school, {"clients": 3, "admins": 1, "window": 1.0}
    )

    assert figures["signed_in"] == 3, figures
    assert figures["failed"] == 0
    assert figures["errors"] == []
    steps = {step["name"]: step for step in figures["steps"]}
    assert steps["pupil signs in (whole)"]["requests"] == 3
    assert steps["pictures (signs in)"]["requests"] == 3
    assert steps["password (signs in)"]["requests"] == 1
    assert all(step["failures"] == 0 for step in steps.values())
    outcomes = SignInAttempt.objects.filter(school=School.objects.get(pk=school.pk))
    assert sorted(outcomes.values_list("username", "outcome")) == sorted(
        (login.username.lower(), SignInAttempt.Outcome.SIGNED_IN) for login in logins
    )


def _assert_the_logins_sign_in(school: School, logins: list[Login]) -> None:
    """Three pupils whose PINs are the ones their cards print, and an administrator."""
    assert [login.role for login in logins] == ["pupil", "pupil", "pupil", "admin"]
    for login in logins:
        account = User.objects.get(school=school, username=login.username)
        assert account.role == login.role
        assert account.check_password(login.secret)
        if login.role == "pupil":
            assert login.secret.isdigit()
            assert len(login.secret) in (2, 4)
            assert cards.card_for(account, "").password == login.secret
