"""Directors' DM channels and Slack locales, remembered in the database across processes
(``core.services.slack_users``, ``bot.slack_delivery``): a reminder delivered by a worker
process that never met the director costs one Slack call, through the Slack stand-in."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.notifier import SlackNotifier
from core.domain.pay_periods import PayPeriod
from core.ports import ProviderInfo
from core.services import imports, preferences, schools, students, workspace
from core.services.reminder_delivery import deliver_reminders
from core.services.reminders import DueReminder, ReminderKind
from core.services.runtime import Runtime
from core.services.slack_users import LOCALE_RECHECK, SlackUser, remember_slack_users
from core.store.tables import Reminder, SlackMessage, SlackUserRow
from standins.slack_web_api import SlackStandin
from tests.fakes import FakeKinderTrack, FrozenClock
from tests.fixtures.database import CALENDAR
from tests.fixtures.slack import make_bot_settings

pytestmark = pytest.mark.slow  # the Slack stand-in over real HTTP

TEAM, OTHER_TEAM = "T0001", "T0OTHER"
DIRECTOR = "U0DIRECTOR"
CLOSED = PayPeriod(date(2026, 11, 8), date(2026, 11, 21))  # the last closed period
CSV = "student,check_in,check_out\nAva Smith,2026-11-09T08:00,2026-11-09T16:30\n"


@pytest.fixture
def rt(db: Engine, clock: FrozenClock, fake_kindertrack: FakeKinderTrack) -> Runtime:
    return Runtime(engine=db, kindertrack=fake_kindertrack, calendar=CALENDAR, clock=clock)


def _new_process(rt: Runtime, standin: SlackStandin) -> None:
    """A notifier as a fresh worker process builds it: nothing of Slack in memory."""
    rt.notifier = SlackNotifier.from_settings(make_bot_settings(standin), runtime=lambda: rt)


def _school(rt: Runtime, name: str, provider: str) -> int:
    school = workspace.create_team_school(rt, team_id=TEAM, name=name, creator=DIRECTOR)
    sid = school.id or 0
    schools.register_provider(rt, school_id=sid, provider_id=provider, actor=DIRECTOR)
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    imports.import_csv(rt, school_id=sid, content=CSV, actor="t")
    return sid


def _remind(rt: Runtime, sid: int) -> list[DueReminder]:
    return deliver_reminders(rt, [DueReminder(sid, CLOSED, ReminderKind.CLOSED)])


def _remember(rt: Runtime, team_id: str, user: SlackUser) -> None:
    with rt.session() as session:
        remember_slack_users(session, {(team_id, DIRECTOR): user})


def _row(db: Engine, team_id: str) -> SlackUserRow | None:
    with Session(db) as session:
        return session.exec(
            select(SlackUserRow).where(
                SlackUserRow.team_id == team_id, SlackUserRow.user_id == DIRECTOR
            )
        ).first()


def _methods(standin: SlackStandin) -> list[str]:
    return [c.method for c in standin.calls if c.method != "conversations.info"]


def _text(post: Any) -> str:
    return json.dumps(post.args, ensure_ascii=False)


def test_a_dm_channel_and_locale_learned_by_one_process_serve_the_next(
    rt: Runtime, db: Engine, slack_standin: SlackStandin, fake_kindertrack: FakeKinderTrack
) -> None:
    # Given a director of two schools whose Slack is in Spanish
    fake_kindertrack.providers["23456"] = ProviderInfo("23456", "Little Oaks", True)
    first, second = _school(rt, "Sunny Days", "12345"), _school(rt, "Little Oaks", "23456")
    slack_standin.add_user(DIRECTOR, locale="es-LA")

    # When one worker process reminds about the first school
    _new_process(rt, slack_standin)
    assert [d.school_id for d in _remind(rt, first)] == [first]

    # Then it opened the DM and asked the locale once, and the database remembers both
    assert _methods(slack_standin) == ["users.info", "conversations.open", "chat.postMessage"]
    row = _row(db, TEAM)
    assert row is not None
    assert (row.dm_channel, row.locale) == ("D0DIRECTOR", "es")
    assert row.locale_checked_at == rt.now()

    # When another process, which never met the director, reminds about the second school
    slack_standin.reset()
    _new_process(rt, slack_standin)
    assert [d.school_id for d in _remind(rt, second)] == [second]

    # Then it posts in the director's language with one call: no DM opened, no locale asked
    assert _methods(slack_standin) == ["chat.postMessage"]
    (post,) = slack_standin.calls_for("chat.postMessage")
    assert post.args["channel"] == "D0DIRECTOR"
    assert "ya cerró y no se ha enviado" in _text(post)


@pytest.mark.parametrize("refusal", ["channel_not_found", "is_archived", "not_in_channel"])
def test_a_refused_dm_channel_is_forgotten_reopened_once_and_delivered_once(
    rt: Runtime, db: Engine, slack_standin: SlackStandin, refusal: str
) -> None:
    # Given a remembered DM channel that Slack no longer takes
    sid = _school(rt, "Sunny Days", "12345")
    slack_standin.add_user(DIRECTOR)
    _remember(rt, TEAM, SlackUser(dm_channel="D0GONE", locale="en", locale_checked_at=rt.now()))
    slack_standin.fail_next("chat.postMessage", refusal)

    # When the reminder goes out
    _new_process(rt, slack_standin)
    assert [d.school_id for d in _remind(rt, sid)] == [sid]

    # Then the refused channel was dropped, the DM opened again once and the post repeated
    assert _methods(slack_standin) == ["chat.postMessage", "conversations.open", "chat.postMessage"]
    posts = slack_standin.calls_for("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["D0GONE", "D0DIRECTOR"]
    row = _row(db, TEAM)
    assert row is not None and row.dm_channel == "D0DIRECTOR"
    # And the delivery is recorded once: one reminder delivered, one message to follow
    with Session(db) as session:
        reminders = session.exec(select(Reminder)).all()
        messages = session.exec(select(SlackMessage)).all()
    assert [(r.school_id, r.delivered_at is not None) for r in reminders] == [(sid, True)]
    assert [(m.channel_id, m.kind) for m in messages] == [("D0DIRECTOR", "reminder")]


def test_a_reopened_dm_channel_refused_again_is_not_reopened_twice(
    rt: Runtime, db: Engine, slack_standin: SlackStandin
) -> None:
    # Given a remembered DM channel, and Slack refusing the reopened one as well
    sid = _school(rt, "Sunny Days", "12345")
    slack_standin.add_user(DIRECTOR)
    _remember(rt, TEAM, SlackUser(dm_channel="D0GONE", locale="en", locale_checked_at=rt.now()))
    slack_standin.fail_next("chat.postMessage", "channel_not_found")
    slack_standin.fail_next("chat.postMessage", "channel_not_found")

    # When the reminder goes out, it fails (the claim is released for the next pass)
    _new_process(rt, slack_standin)
    with pytest.raises(Exception, match="refused every copy"):
        _remind(rt, sid)

    # Then the DM was opened again once, and nothing is recorded as delivered
    assert _methods(slack_standin) == ["chat.postMessage", "conversations.open", "chat.postMessage"]
    with Session(db) as session:
        assert session.exec(select(Reminder)).all() == []
        assert session.exec(select(SlackMessage)).all() == []


@pytest.mark.parametrize(
    ("age", "asked", "language_shown"),
    [
        (LOCALE_RECHECK + timedelta(hours=1), True, "ya cerró y no se ha enviado"),
        (LOCALE_RECHECK - timedelta(hours=1), False, "has closed and is not submitted"),
    ],
)
def test_a_locale_older_than_a_day_is_asked_again(
    rt: Runtime,
    db: Engine,
    clock: FrozenClock,
    slack_standin: SlackStandin,
    age: timedelta,
    asked: bool,
    language_shown: str,
) -> None:
    # Given a director whose remembered locale (English) was asked `age` ago, and whose
    # Slack is in Spanish now
    sid = _school(rt, "Sunny Days", "12345")
    slack_standin.add_user(DIRECTOR, locale="es-LA")
    checked = clock.now - age
    _remember(rt, TEAM, SlackUser(dm_channel="D0DIRECTOR", locale="en", locale_checked_at=checked))

    # When the reminder goes out
    _new_process(rt, slack_standin)
    _remind(rt, sid)

    # Then Slack is asked again only when the locale is older than a day
    assert len(slack_standin.calls_for("users.info")) == int(asked)
    assert slack_standin.calls_for("conversations.open") == []
    (post,) = slack_standin.calls_for("chat.postMessage")
    assert language_shown in _text(post)
    row = _row(db, TEAM)
    assert row is not None and row.dm_channel == "D0DIRECTOR"
    assert (row.locale, row.locale_checked_at) == (("es", clock.now) if asked else ("en", checked))


def test_the_language_a_director_chose_wins_over_the_remembered_locale(
    rt: Runtime, slack_standin: SlackStandin
) -> None:
    # Given a remembered Spanish locale, long out of date, and a director who chose English
    sid = _school(rt, "Sunny Days", "12345")
    old = rt.now() - 3 * LOCALE_RECHECK
    _remember(rt, TEAM, SlackUser(dm_channel="D0DIRECTOR", locale="es", locale_checked_at=old))
    preferences.set_language(rt, team_id=TEAM, user_id=DIRECTOR, language="en")

    # When the reminder goes out
    _new_process(rt, slack_standin)
    _remind(rt, sid)

    # Then it is in English, and Slack's locale is not asked for
    assert _methods(slack_standin) == ["chat.postMessage"]
    assert "has closed and is not submitted" in _text(
        slack_standin.calls_for("chat.postMessage")[0]
    )


def test_another_workspaces_row_never_serves_this_workspaces_user(
    rt: Runtime, db: Engine, slack_standin: SlackStandin
) -> None:
    # Given the same user ID remembered in another workspace, with its DM and locale
    sid = _school(rt, "Sunny Days", "12345")
    slack_standin.add_user(DIRECTOR)
    theirs = SlackUser(dm_channel="D0THEIRS", locale="es", locale_checked_at=rt.now())
    _remember(rt, OTHER_TEAM, theirs)

    # When this workspace's school is reminded
    _new_process(rt, slack_standin)
    _remind(rt, sid)

    # Then its own DM is opened and its own locale asked; the other row is left as it was
    assert _methods(slack_standin) == ["users.info", "conversations.open", "chat.postMessage"]
    (post,) = slack_standin.calls_for("chat.postMessage")
    assert post.args["channel"] == "D0DIRECTOR"
    assert "has closed and is not submitted" in _text(post)
    other = _row(db, OTHER_TEAM)
    assert other is not None
    assert (other.dm_channel, other.locale, other.locale_checked_at) == (
        "D0THEIRS",
        "es",
        theirs.locale_checked_at,
    )
    ours = _row(db, TEAM)
    assert ours is not None and (ours.dm_channel, ours.locale) == ("D0DIRECTOR", "en")
