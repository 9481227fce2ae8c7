"""Rows keyed by a unique constraint are written in one INSERT … ON CONFLICT
(``core.store.upsert``): a channel's board and a user's language, written by many
threads at once for a key nobody has written yet, end as one row holding one writer's
values, and no writer fails."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import Session, select

from core.services import preferences, workspace
from core.services.board import posted_boards, remember_board
from core.services.runtime import Runtime
from core.store.tables import BoardMessage, UserPreference
from tests.fakes import FrozenClock

WRITERS = 8


def _school(rt: Runtime) -> int:
    school = workspace.create_team_school(rt, team_id="T0001", name="Sunny Days", creator="U1")
    return school.id or 0


def test_a_board_posted_again_in_a_channel_replaces_the_one_remembered_there(
    rt: Runtime, clock: FrozenClock
) -> None:
    sid = _school(rt)
    remember_board(rt, school_id=sid, channel_id="C1", ts="1.0", locale="en-US")
    clock.advance(timedelta(minutes=1))
    remember_board(rt, school_id=sid, channel_id="C1", ts="2.0", locale="es-LA")
    remember_board(rt, school_id=sid, channel_id="C2", ts="3.0", locale="xx")

    boards = posted_boards(rt, school_id=sid)

    assert [(b.channel_id, b.ts, b.locale) for b in boards] == [
        ("C1", "2.0", "es"),
        ("C2", "3.0", "en"),
    ]


def test_boards_remembered_at_once_in_one_channel_leave_one_row(rt: Runtime) -> None:
    sid = _school(rt)
    stamps = [f"{n}.0" for n in range(WRITERS)]

    with ThreadPoolExecutor(WRITERS) as pool:
        list(
            pool.map(
                lambda ts: remember_board(rt, school_id=sid, channel_id="C1", ts=ts, locale="en"),
                stamps,
            )
        )

    with Session(rt.engine) as session:
        rows = session.exec(select(BoardMessage).where(BoardMessage.school_id == sid)).all()
    assert len(rows) == 1 and rows[0].ts in stamps


def test_languages_chosen_at_once_by_one_user_leave_one_row(rt: Runtime) -> None:
    choices = ["es", "en"] * (WRITERS // 2)

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = list(
            pool.map(
                lambda language: preferences.set_language(
                    rt, team_id="T0001", user_id="U1", language=language
                ),
                choices,
            )
        )

    assert answers == choices
    with Session(rt.engine) as session:
        rows = session.exec(select(UserPreference)).all()
        assert len(rows) == 1 and rows[0].language in {"es", "en"}
        assert preferences.language_of(session, team_id="T0001", user_id="U1") == rows[0].language


def test_a_language_cleared_follows_slack_again(rt: Runtime) -> None:
    preferences.set_language(rt, team_id="T0001", user_id="U1", language="es")
    preferences.set_language(rt, team_id="T0001", user_id="U1", language=None)

    with Session(rt.engine) as session:
        assert preferences.language_of(session, team_id="T0001", user_id="U1") is None
        assert len(session.exec(select(UserPreference)).all()) == 1
