"""Slack workspaces' view of schools: who directs a school, which school a channel works
on, and which posted messages follow a pay period. No Slack code: IDs are plain strings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core import i18n
from core.domain.submission import SubmissionState
from core.errors import Conflict, InvalidInput, NotADirector, NotAllowed, NotFound
from core.services.runtime import Runtime
from core.services.schools import get_school, insert_school, schools_of_team
from core.store.tables import ChannelSchool, Director, School, SlackMessage, Submission


def is_director(session: Session, *, school_id: int, user_id: str) -> bool:
    return (
        session.exec(
            select(Director.id).where(Director.school_id == school_id, Director.user_id == user_id)
        ).first()
        is not None
    )


def directors_of(session: Session, *, school_id: int) -> list[str]:
    return list(
        session.exec(
            select(Director.user_id)
            .where(Director.school_id == school_id)
            .order_by(col(Director.id))
        )
    )


def directors_of_schools(session: Session, school_ids: Sequence[int]) -> dict[int, list[str]]:
    """:func:`directors_of` for many schools in one query (a school with none is absent)."""
    found: dict[int, list[str]] = defaultdict(list)
    if not school_ids:
        return found
    rows = session.exec(
        select(col(Director.school_id), col(Director.user_id))
        .where(col(Director.school_id).in_(sorted(set(school_ids))))
        .order_by(col(Director.id))
    )
    for school_id, user_id in rows:
        found[school_id].append(user_id)
    return found


def require_director(session: Session, *, school_id: int, user_id: str) -> None:
    if not is_director(session, school_id=school_id, user_id=user_id):
        raise NotADirector(school_id)


def create_team_school(
    rt: Runtime, *, team_id: str, name: str, creator: str, channel_id: str | None = None
) -> School:
    """A school made from Slack: its creator is its first director; the channel works on it.

    One transaction: a school is never left without a director who can administer it. In a
    channel that already works on a school, only that school's directors may do this."""
    with rt.session() as session:
        if channel_id:
            _require_channel_owner(session, team_id=team_id, channel_id=channel_id, user_id=creator)
        school = insert_school(session, name=name, timezone=rt.default_timezone, team_id=team_id)
        session.add(Director(school_id=school.id or 0, user_id=creator, added_by=creator))
        if channel_id:
            _bind_channel(session, team_id=team_id, channel_id=channel_id, school_id=school.id or 0)
    return school


def link_to_workspace(rt: Runtime, *, school_id: int, team_id: str, director: str) -> School:
    """Give a school made from the command line (no workspace) to a Slack workspace, with
    its first director: until then no Slack request can reach it. The operator's act; a
    school already in a workspace is refused."""
    team_id, director = team_id.strip(), director.strip()
    if not team_id.startswith("T") or director[:1] not in ("U", "W"):
        raise InvalidInput(
            "Give the Slack workspace ID (T…) and the director's Slack user ID (U… or W…)."
        )
    with rt.session() as session:
        school = get_school(session, school_id=school_id)
        if school.team_id:
            raise Conflict(f"{school.name} already belongs to a Slack workspace.")
        taken = session.exec(
            select(School).where(School.team_id == team_id, School.name_key == school.name_key)
        ).first()
        if taken is not None:
            raise Conflict(f"That workspace already has a school named {taken.name}.")
        school.team_id = team_id
        session.add(school)
        session.add(Director(school_id=school_id, user_id=director, added_by="operator"))
        session.flush()
        return school


def add_director(rt: Runtime, *, school_id: int, user_id: str, by: str, team_id: str) -> bool:
    """Make ``user_id`` a director; False when they already were."""
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        require_director(session, school_id=school_id, user_id=by)
        if is_director(session, school_id=school_id, user_id=user_id):
            return False
        session.add(Director(school_id=school_id, user_id=user_id, added_by=by))
    return True


def remove_director(rt: Runtime, *, school_id: int, user_id: str, by: str, team_id: str) -> None:
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        require_director(session, school_id=school_id, user_id=by)
        row = session.exec(
            select(Director).where(Director.school_id == school_id, Director.user_id == user_id)
        ).first()
        if row is None:
            raise NotFound(i18n._("That person is not a director of this school."))
        if len(directors_of(session, school_id=school_id)) == 1:
            raise InvalidInput(
                i18n._("A school keeps at least one director: add another one first.")
            )
        session.delete(row)


def school_for_channel(session: Session, *, team_id: str, channel_id: str) -> School | None:
    """The school this channel works on; a workspace's only school needs no binding."""
    bound = session.exec(
        select(School)
        .join(ChannelSchool, col(ChannelSchool.school_id) == School.id)
        .where(ChannelSchool.team_id == team_id, ChannelSchool.channel_id == channel_id)
    ).first()
    if bound is not None:
        return bound
    schools = schools_of_team(session, team_id=team_id)
    return schools[0] if len(schools) == 1 else None


def bind_channel(rt: Runtime, *, team_id: str, channel_id: str, school_id: int, by: str) -> School:
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        require_director(session, school_id=school_id, user_id=by)
        _require_channel_owner(session, team_id=team_id, channel_id=channel_id, user_id=by)
        _bind_channel(session, team_id=team_id, channel_id=channel_id, school_id=school_id)
        return school


def _require_channel_owner(
    session: Session, *, team_id: str, channel_id: str, user_id: str
) -> None:
    """Whoever moves a channel to another school (or gives it a new one) must direct the
    school it works on now, bound or as the workspace's only school: a staff member cannot
    take a school's channel over."""
    current = school_for_channel(session, team_id=team_id, channel_id=channel_id)
    if current is not None and not is_director(session, school_id=current.id or 0, user_id=user_id):
        raise NotAllowed(
            i18n._(
                "This channel works on {school}: only its directors can make it work on "
                "another school.",
                school=current.name,
            )
        )


def _bind_channel(session: Session, *, team_id: str, channel_id: str, school_id: int) -> None:
    row = session.exec(
        select(ChannelSchool).where(
            ChannelSchool.team_id == team_id, ChannelSchool.channel_id == channel_id
        )
    ).first() or ChannelSchool(team_id=team_id, channel_id=channel_id, school_id=school_id)
    row.school_id = school_id
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(
            i18n._("This channel was just bound to another school; try again.")
        ) from error


def remember_message(
    rt: Runtime,
    *,
    school_id: int,
    start: date,
    end: date,
    channel_id: str,
    ts: str,
    kind: str = "report",
    locale: str | None = None,
) -> None:
    """Remember a posted message of the period; ``locale`` (default: the current one) is
    the language it was written in, so updates keep it."""
    with rt.session() as session:
        session.add(
            SlackMessage(
                school_id=school_id,
                period_start=start,
                period_end=end,
                channel_id=channel_id,
                ts=ts,
                kind=kind,
                locale=locale or i18n.current(),
            )
        )


@dataclass(frozen=True)
class NewMessage:
    """A posted message of a period to remember (:func:`remember_messages`)."""

    school_id: int
    start: date
    end: date
    channel_id: str
    ts: str
    kind: str
    locale: str


def remember_messages(rt: Runtime, messages: Sequence[NewMessage]) -> None:
    """:func:`remember_message` for many messages, in one transaction."""
    if not messages:
        return
    with rt.session() as session:
        session.add_all(
            SlackMessage(
                school_id=m.school_id,
                period_start=m.start,
                period_end=m.end,
                channel_id=m.channel_id,
                ts=m.ts,
                kind=m.kind,
                locale=m.locale,
            )
            for m in messages
        )


def messages_for_period(
    rt: Runtime, *, school_id: int, start: date, end: date
) -> list[tuple[str, str]]:
    """(channel, ts) of every report message posted for the period, oldest first."""
    posted = posted_messages(rt, school_id=school_id, start=start, end=end)
    return [(message.channel_id, message.ts) for message in posted]


@dataclass(frozen=True)
class PostedMessage:
    channel_id: str
    ts: str
    locale: str
    """The language it was posted in (English for messages remembered before languages)."""


def posted_messages(rt: Runtime, *, school_id: int, start: date, end: date) -> list[PostedMessage]:
    """Every message posted for the period, oldest first, with its language."""
    with rt.session() as session:
        rows = session.exec(
            select(SlackMessage)
            .where(
                SlackMessage.school_id == school_id,
                SlackMessage.period_start == start,
                SlackMessage.period_end == end,
            )
            .order_by(col(SlackMessage.id))
        ).all()
        return [
            PostedMessage(r.channel_id, r.ts, i18n.normalize(r.locale) or i18n.ENGLISH)
            for r in rows
        ]


def set_reminder_channel(
    rt: Runtime, *, school_id: int, channel_id: str | None, by: str, team_id: str
) -> None:
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        require_director(session, school_id=school_id, user_id=by)
        school.reminder_channel = channel_id
        session.add(school)


@dataclass(frozen=True)
class OpenReport:
    """A posted report of a period not (being) submitted: one a change makes stale."""

    start: date
    end: date
    channel_id: str
    ts: str
    locale: str = i18n.ENGLISH
    """The language it was posted in."""


def open_report_messages(rt: Runtime, *, school_id: int) -> list[OpenReport]:
    """Every remembered message of the school's periods that are not being or already
    submitted, oldest first: what to redraw after a link, a sync or an import."""
    with rt.session() as session:
        locked = {
            (row.period_start, row.period_end)
            for row in session.exec(
                select(Submission).where(
                    Submission.school_id == school_id,
                    col(Submission.state).in_(
                        [str(SubmissionState.SUBMITTING), str(SubmissionState.SUBMITTED)]
                    ),
                )
            )
        }
        rows = session.exec(
            select(SlackMessage)
            .where(SlackMessage.school_id == school_id)
            .order_by(col(SlackMessage.id))
        ).all()
        return [
            OpenReport(
                r.period_start,
                r.period_end,
                r.channel_id,
                r.ts,
                i18n.normalize(r.locale) or i18n.ENGLISH,
            )
            for r in rows
            if (r.period_start, r.period_end) not in locked
        ]
