"""The roll-call board: who is checked in today, and who is away; and where each school's
boards were posted, so a change made another way than their buttons (an import) redraws
them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select

from core import i18n
from core.domain.instants import local_date, local_day_bounds, zone
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.store.tables import Absence, AttendanceRecord, BoardMessage, Closure, Student
from core.store.upsert import upsert


@dataclass(frozen=True)
class RollCallEntry:
    student_id: int
    student_name: str
    checked_in_at: datetime | None
    """The start of the child's open stay of today, or None when they are not checked in."""
    away: str | None = None
    """Today's absence kind of the child (or the center's closure), if one is recorded."""


def roll_call(rt: Runtime, *, school_id: int, team_id: str | None = None) -> list[RollCallEntry]:
    """Every student of the school, by name, with the start of their open stay of today
    (if any): the same "checked in" as :func:`check_in` and :func:`check_out` use."""
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = zone(school.timezone)
        lower, upper = local_day_bounds(local_date(rt.now(), tz), tz)
        students = session.exec(
            select(Student).where(Student.school_id == school_id).order_by(col(Student.name))
        ).all()
        open_since: dict[int, datetime] = {}
        for record in session.exec(
            select(AttendanceRecord)
            .where(
                AttendanceRecord.school_id == school_id,
                col(AttendanceRecord.check_out).is_(None),
                AttendanceRecord.check_in >= lower,
                AttendanceRecord.check_in < upper,
            )
            .order_by(col(AttendanceRecord.check_in))
        ):
            open_since[record.student_id] = record.check_in
        today = local_date(rt.now(), tz)
        away = dict(
            session.exec(
                select(col(Absence.student_id), col(Absence.kind)).where(
                    Absence.school_id == school_id, Absence.day == today
                )
            ).all()
        )
        closed = session.exec(
            select(Closure.kind).where(Closure.school_id == school_id, Closure.day == today)
        ).first()
        return [
            RollCallEntry(
                s.id or 0, s.name, open_since.get(s.id or 0), closed or away.get(s.id or 0)
            )
            for s in students
        ]


@dataclass(frozen=True)
class PostedBoard:
    """A school's board as remembered: where it is and the language it was posted in."""

    channel_id: str
    ts: str
    locale: str


def remember_board(rt: Runtime, *, school_id: int, channel_id: str, ts: str, locale: str) -> None:
    """The board just posted at (``channel_id``, ``ts``) in ``locale`` is the channel's
    board of the school now (it replaces an older one posted there)."""
    language = i18n.normalize(locale) or i18n.ENGLISH
    with rt.session() as session:
        upsert(
            session,
            BoardMessage,
            {
                "school_id": school_id,
                "channel_id": channel_id,
                "ts": ts,
                "locale": language,
                "posted_at": rt.now(),
            },
            key=["school_id", "channel_id"],
            update=["ts", "locale", "posted_at"],
        )


def posted_boards(rt: Runtime, *, school_id: int) -> list[PostedBoard]:
    """The school's remembered boards, one per channel, oldest first."""
    with rt.session() as session:
        rows = session.exec(
            select(BoardMessage)
            .where(BoardMessage.school_id == school_id)
            .order_by(col(BoardMessage.posted_at), col(BoardMessage.id))
        ).all()
        return [PostedBoard(r.channel_id, r.ts, r.locale) for r in rows]


def forget_board(rt: Runtime, *, school_id: int, channel_id: str, ts: str) -> None:
    """Forget the board at (``channel_id``, ``ts``), one Slack no longer has; a newer board
    posted in the channel meanwhile is kept."""
    with rt.session() as session:
        session.execute(
            delete(BoardMessage).where(
                col(BoardMessage.school_id) == school_id,
                col(BoardMessage.channel_id) == channel_id,
                col(BoardMessage.ts) == ts,
            )
        )
