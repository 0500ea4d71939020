"""Properties of the planner over generated schools (hypothesis): one line per record,
no account shared by two records, valid unique usernames, and plan -> apply -> plan
finds nothing left to do and nothing to hold."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misclient.snapshot import MisSnapshot
from misclient.upn import make_upn
from tests.wizard.planner_factories import (
    changes_left,
    pupil,
    replan,
    snapshot,
    staff,
    teaching_group,
)
from users.usernames import MAX_LENGTH, USERNAME_RE
from wizard.planner import build_plan
from wizard.planner.feed import on_roll
from wizard.planner.types import (
    CREATE_NEW,
    LINK,
    STAFF_ALL,
    STAFF_TEACHERS,
    Category,
    Decisions,
    LocalAccount,
    LocalClass,
    PlanSettings,
    SyncPlan,
    decision_key,
)
from wizard.planner.years import suggest_mapping

# Mostly a few common names, so twins and possible duplicates are frequent; sometimes
# anything at all, empty and unpronounceable included.
ODD_NAMES = st.one_of(
    st.sampled_from(["", " ", "🙂", "O'Brien", "ZOË", "X" * 101]), st.text(max_size=8)
)


def mostly(common: list[str], odd: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One of `common` nine times in ten, else something from `odd`."""
    choices = st.sampled_from([*common * 3, "?"])
    return choices.flatmap(lambda choice: odd if choice == "?" else st.just(choice))


FORENAMES = mostly(["John", "Zoë", "Amy"], ODD_NAMES)
SURNAMES = mostly(["Smith", "Łukasz", "O'Brien"], ODD_NAMES)
YEAR_NAMES = ["Reception", "Year 1", "Year 4", "Y6"]
YEAR_MAPPING = suggest_mapping(YEAR_NAMES, {})
YEARS = mostly(YEAR_NAMES, st.sampled_from(["Year Blue", ""]))
REGISTRATION = ["RB", "1A", "4ES", "6B", ""]
REGISTRATIONS = mostly(REGISTRATION[:-1], st.just(""))
NC_YEARS = st.sampled_from(["", "R", "1", "4", "6"])


@dataclass
class School:
    snap: MisSnapshot
    accounts: list[LocalAccount]
    classes: list[LocalClass]
    settings: PlanSettings
    decisions: Decisions


def _maybe(draw: st.DrawFn, value: str) -> str:
    return draw(st.sampled_from(["", value]))


@st.composite
def ids(draw: st.DrawFn, low: int, high: int, size: int) -> list[int]:
    """Distinct ids, now and then with one repeated (an MIS error the planner must catch)."""
    found = draw(st.lists(st.integers(low, high), max_size=size, unique=True))
    if found and draw(st.integers(0, 4)) == 0:
        found.append(found[0])
    return found


@st.composite
def feeds(draw: st.DrawFn) -> MisSnapshot:
    """Pupils and staff whose ids sometimes repeat and whose names often coincide."""
    pupils = [
        pupil(
            str(i),
            draw(FORENAMES),
            draw(SURNAMES),
            draw(YEARS),
            draw(REGISTRATIONS),
            external_id=_maybe(draw, f"e-{i}"),
            upn=draw(
                st.sampled_from(["", make_upn("801", "2000", 5, i), "Q801200005003"])
            ),  # wrong check letter
            former_upn=_maybe(draw, make_upn("801", "2000", 4, i)),
            status=draw(st.sampled_from(["OnRoll", "OnRoll", "Leaver"])),
        )
        for i in draw(ids(1, 40, 25))
    ]
    staff_list = [
        staff(
            str(i),
            draw(FORENAMES),
            draw(SURNAMES),
            email=draw(
                st.sampled_from(["", f"s{i}@school.example", "Office@school.example", "s@x"])
            ),
            is_teacher=draw(st.booleans()),
            external_id=_maybe(draw, f"x-{i}"),
        )
        for i in draw(ids(100, 115, 8))
    ]
    pupil_ids = st.lists(st.sampled_from([p.mis_id for p in pupils] or ["0"]), max_size=6)
    staff_ids = st.lists(st.sampled_from([s.mis_id for s in staff_list] or ["0"]), max_size=2)
    groups = [
        teaching_group("t-1", "Maths", draw(pupil_ids), staff_ids=tuple(draw(staff_ids))),
        teaching_group("t-2", "French", draw(pupil_ids), subject_name="French"),
    ]
    tutors = {name: draw(staff_ids) for name in REGISTRATION if name}
    return snapshot(pupils, staff_list, groups, tutors=tutors)


@st.composite
def local_classes(draw: st.DrawFn) -> list[LocalClass]:
    """Registration classes linked, made by hand or archived, and a teaching class."""
    found: list[LocalClass] = []
    for name in [*REGISTRATION[:-1], "Old", "Maths"]:
        if draw(st.booleans()):
            mis_id = "t-1" if name == "Maths" else f"reg-{name}"
            found.append(
                LocalClass(
                    id=len(found) + 1,
                    name=name,
                    kind="teaching" if name == "Maths" else "registration",
                    mis_id=_maybe(draw, mis_id),
                    year=draw(NC_YEARS),
                    archived=draw(st.booleans()),
                )
            )
    return found


@st.composite
def schools(draw: st.DrawFn) -> School:
    snap = draw(feeds())
    classes = draw(local_classes())
    class_ids = st.frozensets(st.sampled_from([c.id for c in classes] or [0]), max_size=3)
    accounts: list[LocalAccount] = []

    def add(role: str, forename: str, surname: str, **fields: object) -> None:
        next_id = len(accounts) + 1
        accounts.append(
            LocalAccount(
                id=next_id,
                role=role,
                username=draw(st.sampled_from([f"u{next_id}", f"{forename}S{next_id}"])),
                forename=forename,
                surname=surname,
                class_ids=draw(class_ids),
                archived=draw(st.booleans()),
                **fields,  # type: ignore[arg-type]
            )
        )

    for p in snap.pupils:  # an account from an earlier sync, its details since drifted
        if draw(st.booleans()):
            ids = {"mis_id": _maybe(draw, p.mis_id), "mis_external_id": p.external_id}
            upn = draw(st.sampled_from(["", p.upn, p.former_upn]))
            forename = draw(st.sampled_from([p.forename, "Old"]))
            add("pupil", forename, p.surname, mis_source="xod", upn=upn, year="4", **ids)
    for s in snap.staff:
        if draw(st.booleans()):
            email = draw(st.sampled_from(["", s.email]))
            add("staff", s.forename, s.surname, mis_source="xod", mis_id=s.mis_id, email=email)
    for n in range(draw(st.integers(0, 3))):  # leavers, long gone or going now
        add("pupil", "Gone", f"Leaver{n}", mis_source="xod", mis_id=f"L{n}", year=draw(NC_YEARS))
    people = [("pupil", p.forename, p.surname) for p in snap.pupils]
    people += [("staff", s.forename, s.surname) for s in snap.staff]
    for _ in range(draw(st.integers(0, 5))):  # made by hand: possible duplicates
        role, forename, surname = draw(st.sampled_from(people or [("pupil", "Amy", "Smith")]))
        role = draw(st.sampled_from([role, role, "admin"]))
        email = _maybe(draw, "Office@school.example")
        add(role, forename, surname, year=draw(NC_YEARS), email=email)
    record_ids = [p.mis_id for p in snap.pupils] + [s.mis_id for s in snap.staff]
    record_keys = [decision_key("pupil", p.mis_id) for p in snap.pupils]
    record_keys += [decision_key("staff", s.mis_id) for s in snap.staff]
    answers = st.sampled_from([LINK, CREATE_NEW])
    decisions = Decisions(
        duplicates=draw(st.dictionaries(st.sampled_from(record_keys or ["pupil:0"]), answers)),
        all_duplicates=draw(st.sampled_from(["", LINK, CREATE_NEW])),
        not_duplicates=frozenset(
            draw(st.lists(st.tuples(st.sampled_from(record_ids or ["0"]), st.integers(1, 20))))
        ),
    )
    plan_settings = PlanSettings(
        year_mapping=YEAR_MAPPING,
        staff_scope=draw(st.sampled_from([STAFF_TEACHERS, STAFF_ALL])),
        subject_groups=draw(st.frozensets(st.sampled_from(["t-1", "t-2"]))),
    )
    return School(snap, accounts, classes, plan_settings, decisions)


def plan_of(school: School) -> SyncPlan:
    return build_plan(
        school.snap, school.accounts, school.settings, school.decisions, classes=school.classes
    )


RUNS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RUNS
@given(schools())
def test_every_record_is_in_exactly_one_category(school: School) -> None:
    plan = plan_of(school)

    in_scope_staff = [
        s for s in school.snap.staff if s.is_teacher or school.settings.staff_scope == STAFF_ALL
    ]
    records = [("pupil", p.mis_id) for p in school.snap.pupils if on_roll(p.status)]
    records += [("staff", s.mis_id) for s in in_scope_staff]
    lines = [(c.role, c.mis_id) for c in plan.accounts if c.category != Category.LEAVER]
    assert Counter(lines) == Counter(records)
    assert plan == plan_of(school)


@RUNS
@given(schools())
def test_no_account_is_given_to_two_records(school: School) -> None:
    plan = plan_of(school)

    used = [c.account_id for c in plan.accounts if c.account_id is not None]
    offered = [c.candidate_account_id for c in plan.of(Category.DUPLICATE)]
    assert len(used + offered) == len(set(used + offered))
    by_id = {a.id: a for a in school.accounts}
    for leaver in plan.of(Category.LEAVER):
        assert leaver.account_id is not None
        account = by_id[leaver.account_id]
        assert account.is_linked
        assert not account.archived


@RUNS
@given(schools())
def test_new_usernames_are_valid_and_unique_in_the_school(school: School) -> None:
    plan = plan_of(school)

    new = [c.username.lower() for c in plan.of(Category.NEW)]
    assert len(set(new)) == len(new)
    assert not set(new) & {a.username.lower() for a in school.accounts}
    for line in plan.of(Category.NEW):
        assert USERNAME_RE.match(line.username)
        assert len(line.username) <= MAX_LENGTH


@RUNS
@given(schools())
def test_planning_again_after_applying_finds_nothing_to_do(school: School) -> None:
    plan = plan_of(school)

    again, _, _ = replan(
        plan, school.snap, school.accounts, school.classes, school.settings, school.decisions
    )

    assert changes_left(again) == []
    assert again.hold_reasons == ()
