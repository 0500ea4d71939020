"""One table of account fields: everything that lists them is derived from it."""

from __future__ import annotations

from dataclasses import fields

from users.models import User
from wizard.planner.feed import Person
from wizard.planner.fields import ACCOUNT_FIELDS, LINE_FIELDS, WRITTEN, Compare, differs
from wizard.planner.types import LocalAccount
from wizard.services.accounts import CLASS_IDS, account_state
from wizard.services.selectors import local_accounts

# What a LocalAccount holds beyond the table: its identity, login and memberships.
NOT_IN_THE_TABLE = {"id", "role", "username", "archived", "class_ids"}


def test_local_account_holds_exactly_the_fields_the_table_reads() -> None:
    read = {field.local for field in ACCOUNT_FIELDS if field.local}
    assert {f.name for f in fields(LocalAccount)} == read | NOT_IN_THE_TABLE


def test_every_field_is_a_user_column_and_every_line_key_a_person_attribute() -> None:
    columns = {f.name for f in User._meta.get_fields()}
    assert set(WRITTEN) <= columns
    person = {f.name for f in fields(Person)}
    assert {field.person_attr for field in LINE_FIELDS.values()} <= person


def test_the_state_a_change_row_keeps_has_every_field_and_the_classes(db) -> None:
    user = User(forename="Ann", surname="Lee", username="AnnL")
    state = account_state(user, {3, 1})
    assert set(state) == set(WRITTEN) | {CLASS_IDS}
    assert state[CLASS_IDS] == [1, 3]


def test_the_selectors_read_every_field_the_planner_compares(db) -> None:
    from tests.users.factories import SchoolFactory, UserFactory

    school = SchoolFactory.create()
    UserFactory.create(school=school, username="x", upn="A123", mis_external_id="e1")
    (account,) = local_accounts(school)
    assert (account.upn, account.mis_external_id, account.year) == ("A123", "e1", "")


def test_each_comparison() -> None:
    by_rule = {field.compare: field for field in ACCOUNT_FIELDS}
    assert differs(by_rule[Compare.EXACT], "Ann", "Anne")
    assert not differs(by_rule[Compare.FILLED], "", "e-1")
    assert not differs(by_rule[Compare.FILLED_ANY_CASE], "Ann@School.org", "ann@school.org ")
    assert not differs(by_rule[Compare.FILLED_UPPER], "A123", "a123")
    assert differs(by_rule[Compare.FILLED_UPPER], "A124", "a123")
