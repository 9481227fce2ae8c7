"""Students and their KinderTrack child IDs, on the real database."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.errors import Conflict, InvalidInput, RollcallError
from core.ports import RosterChild
from core.services import schools, students
from core.services.runtime import Runtime
from core.store.tables import Student
from tests.fakes import FakeKinderTrack


def _school(rt: Runtime, *, register: bool = True) -> int:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    if register:
        schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    return sid


def _stored(db: Engine) -> list[tuple[str, str | None]]:
    with Session(db) as session:
        rows = session.exec(select(Student).order_by(Student.name)).all()
    return [(s.name, s.child_id) for s in rows]


def test_add_a_student_with_and_without_child_id(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)

    ava = students.add_student(rt, school_id=sid, name="Ava  Smith", child_id="123456", actor="t")
    mia = students.add_student(rt, school_id=sid, name="Mia Chen", actor="t")

    assert (ava.name, ava.child_id) == ("Ava Smith", "123456")
    assert mia.child_id is None
    assert _stored(db) == [("Ava Smith", "123456"), ("Mia Chen", None)]


def test_a_duplicate_name_is_refused_ignoring_case_and_accents(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    students.add_student(rt, school_id=sid, name="José Núñez", actor="t")

    with pytest.raises(Conflict, match="already exists"):
        students.add_student(rt, school_id=sid, name="jose  NUNEZ", actor="t")
    assert _stored(db) == [("José Núñez", None)]


def test_a_duplicate_child_id_is_refused(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")

    with pytest.raises(Conflict, match="Child ID 123456 is already linked"):
        students.add_student(rt, school_id=sid, name="Eve Smith", child_id="123456", actor="t")
    assert _stored(db) == [("Ava Smith", "123456")]


def test_a_child_id_that_is_not_six_ascii_digits_is_refused(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)

    with pytest.raises(InvalidInput, match="uses digits other than 0-9"):
        students.add_student(
            rt, school_id=sid, name="Ava Smith", child_id="１２３４５６", actor="t"
        )
    assert _stored(db) == []


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Ava Smith", None), ("Ava Smith", None)),
        (("Ava Smith", "123456"), ("Eve Smith", "123456")),
    ],
    ids=["same-name", "same-child-id"],
)
def test_the_database_itself_refuses_duplicates(
    rt: Runtime, db: Engine, first: tuple[str, str | None], second: tuple[str, str | None]
) -> None:
    """The unique constraints hold even when application checks are bypassed."""
    sid = _school(rt, register=False)
    with Session(db) as session:
        for name, child in (first, second):
            session.add(Student(school_id=sid, name=name, name_key=name.lower(), child_id=child))
        with pytest.raises(IntegrityError):
            session.commit()


@pytest.mark.parametrize("same", ["name", "child_id"])
def test_racing_adds_store_exactly_one_student(rt: Runtime, db: Engine, same: str) -> None:
    sid = _school(rt, register=False)
    racers = 6
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def add(i: int) -> None:
        name = "Ava Smith" if same == "name" else f"Ava Smith {i}"
        child = "123456" if same == "child_id" else None
        barrier.wait()
        try:
            students.add_student(rt, school_id=sid, name=name, child_id=child, actor="t")
            outcomes.append("added")
        except Conflict:
            outcomes.append("refused")
        except RollcallError as error:  # pragma: no cover - shows what went wrong
            outcomes.append(repr(error))

    threads = [threading.Thread(target=add, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["added"] + ["refused"] * (racers - 1)
    assert len(_stored(db)) == 1


def test_link_is_checked_against_kindertracks_roster(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    students.add_student(rt, school_id=sid, name="Ava Smith", actor="t")

    with pytest.raises(InvalidInput, match="KinderTrack has no child 999999 for provider 12345"):
        students.link_student(rt, school_id=sid, name="Ava Smith", child_id="999999", actor="t")
    assert _stored(db) == [("Ava Smith", None)]

    linked = students.link_student(
        rt, school_id=sid, name="ava smith", child_id="123456", actor="t"
    )
    assert linked.child_id == "123456"
    assert (linked.authorized_from, linked.authorized_to) == (date(2026, 1, 1), date(2026, 12, 31))


def test_link_to_a_child_id_held_by_another_student_is_refused(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    students.add_student(rt, school_id=sid, name="Eve Smith", actor="t")

    with pytest.raises(Conflict, match="already linked to another student"):
        students.link_student(rt, school_id=sid, name="Eve Smith", child_id="123456", actor="t")
    assert _stored(db) == [("Ava Smith", "123456"), ("Eve Smith", None)]


def test_link_of_an_unknown_student_is_refused(rt: Runtime) -> None:
    sid = _school(rt)
    with pytest.raises(RollcallError, match="No student named 'Zoe Q'"):
        students.link_student(rt, school_id=sid, name="Zoe Q", child_id="123456", actor="t")


def test_sync_links_exact_matches_and_keeps_near_ones_for_review(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    for name in ("ava SMITH", "Jose Nunez", "Zoe Quinn", "Liam Johnsen"):
        students.add_student(rt, school_id=sid, name=name, actor="t")

    result = students.sync_students(rt, school_id=sid, actor="t")

    assert sorted(result.linked) == [("Jose Nunez", "234567"), ("ava SMITH", "123456")]
    assert result.already_linked == 0
    assert result.unmatched_students == ["Zoe Quinn"]
    assert [(s.student_name, s.child.child_id) for s in result.needs_review] == [
        ("Liam Johnsen", "345678")
    ]
    assert result.unmatched_roster == []
    assert _stored(db) == [
        ("Jose Nunez", "234567"),
        ("Liam Johnsen", None),
        ("Zoe Quinn", None),
        ("ava SMITH", "123456"),
    ]

    again = students.sync_students(rt, school_id=sid, actor="t")
    assert again.linked == []
    assert again.already_linked == 2

    # a director confirms the near match; confirming it twice changes nothing more
    liam = result.needs_review[0]
    for _ in range(2):
        students.confirm_suggestion(
            rt, school_id=sid, student_id=liam.student_id, child_id="345678", actor="t"
        )
    assert ("Liam Johnsen", "345678") in _stored(db)


def test_sync_links_by_birth_date_and_never_links_an_ambiguous_name(
    rt: Runtime, db: Engine, fake_kindertrack: FakeKinderTrack
) -> None:
    fake_kindertrack.children["12345"] = [
        RosterChild("100001", "Ava", "Smith", birth_date=date(2022, 3, 14), units_per_day=2),
        RosterChild("100002", "Ava", "Smith", birth_date=date(2023, 5, 1)),
        RosterChild("200001", "Mia", "Chen"),
        RosterChild("200002", "Mia", "Chen"),
    ]
    sid = _school(rt)
    students.add_student(rt, school_id=sid, name="Smith Ava", birth_date="2022-03-14", actor="t")
    students.add_student(rt, school_id=sid, name="Mia Chen", actor="t")

    result = students.sync_students(rt, school_id=sid, actor="t")

    assert result.linked == [("Smith Ava", "100001")]
    assert [(name, [c.child_id for c in cs]) for name, cs in result.ambiguous] == [
        ("Mia Chen", ["200001", "200002"])
    ]
    assert _stored(db) == [("Mia Chen", None), ("Smith Ava", "100001")]
    with Session(db) as session:
        ava = session.exec(select(Student).where(Student.child_id == "100001")).one()
    assert (ava.birth_date, ava.units_per_day) == (date(2022, 3, 14), 2)


def test_a_suggestion_for_a_student_linked_since_is_refused(rt: Runtime) -> None:
    sid = _school(rt)
    liam = students.add_student(rt, school_id=sid, name="Liam Johnsen", actor="t")
    students.link_student(rt, school_id=sid, name="Liam Johnsen", child_id="123456", actor="t")

    with pytest.raises(Conflict, match="already linked to child ID 123456"):
        students.confirm_suggestion(
            rt, school_id=sid, student_id=liam.id or 0, child_id="345678", actor="t"
        )


def test_sync_does_not_take_a_child_id_already_linked_by_hand(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    students.add_student(rt, school_id=sid, name="Ava S.", child_id="123456", actor="t")
    students.add_student(rt, school_id=sid, name="Ava Smith", actor="t")

    result = students.sync_students(rt, school_id=sid, actor="t")

    assert result.linked == []
    assert result.unmatched_students == ["Ava Smith"]
    assert "123456" not in {c.child_id for c in result.unmatched_roster}


def test_sync_needs_a_registered_provider(rt: Runtime) -> None:
    sid = _school(rt, register=False)
    with pytest.raises(InvalidInput, match="Register the school's KinderTrack provider ID"):
        students.sync_students(rt, school_id=sid, actor="t")
