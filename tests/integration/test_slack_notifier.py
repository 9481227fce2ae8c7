"""The Slack notifier as the workers use it: a real Dramatiq worker on the real Redis runs
the actors, which notify through SlackNotifier into the Slack stand-in, on the real test
database. Registration results, reminders to directors' DMs (or the reminder channel),
refusals, and the OAuth token of each school's workspace."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import dramatiq
import pytest
from cryptography.fernet import Fernet
from dramatiq.brokers.redis import RedisBroker
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy import Engine
from sqlmodel import Session, select

import workers.actors
import workers.runtime
from bot.blocks.limits import MESSAGE_BLOCKS, violations
from bot.blocks.report import APPROVE_ACTION
from bot.installation_store import EncryptedInstallationStore
from bot.notifier import SlackNotifier
from core.notices import RegistrationRefused
from core.ports import ProviderInfo
from core.services import (
    approvals,
    imports,
    preferences,
    reminders,
    schools,
    stays,
    students,
    workspace,
)
from core.services.runtime import Runtime
from core.store.tables import Reminder, SlackMessage
from standins.slack_web_api import SlackStandin
from tests.fakes import FakeKinderTrack, FrozenClock
from tests.fixtures.database import CALENDAR
from tests.fixtures.slack import BOT_TOKEN, make_bot_settings
from workers import dispatch
from workers.queues import queue_stats

pytestmark = pytest.mark.slow  # the Slack stand-in over real HTTP

TEAM, CHANNEL = "T0001", "C0SCHOOL"
DIRECTOR, DEPUTY = "U0DIRECTOR", "U0DEPUTY"
CLOSED = (date(2026, 11, 8), date(2026, 11, 21))  # the last closed period on the clock
CSV = (
    "student,check_in,check_out\n"
    "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"
    "Ava Smith,2026-11-10T08:00,\n"  # never checked out: one error
)


def _eventually(check: Callable[[], bool], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def _text(message: Any) -> str:
    return json.dumps(message, ensure_ascii=False)


def _mrkdwn(obj: Any) -> str:
    """The texts Slack formats (mrkdwn objects and the fallback ``text``); plain_text
    (headers, buttons) is shown literally and needs no escaping."""
    found: list[str] = []
    if isinstance(obj, dict):
        if obj.get("type") == "mrkdwn":
            found.append(obj["text"])
        for key, value in obj.items():
            if key == "text" and isinstance(value, str) and obj.get("type") is None:
                found.append(value)
            else:
                found.append(_mrkdwn(value))
    elif isinstance(obj, list):
        found += [_mrkdwn(item) for item in obj]
    return "\n".join(found)


@pytest.fixture
def rt(
    db: Engine, clock: FrozenClock, fake_kindertrack: FakeKinderTrack, slack_standin: SlackStandin
) -> Iterator[Runtime]:
    runtime = Runtime(engine=db, kindertrack=fake_kindertrack, calendar=CALENDAR, clock=clock)
    runtime.notifier = SlackNotifier.from_settings(
        make_bot_settings(slack_standin), runtime=lambda: runtime
    )
    workers.runtime.use_runtime(runtime)
    try:
        yield runtime
    finally:
        workers.runtime.use_runtime(None)


@pytest.fixture
def worker(redis_broker: RedisBroker, rt: Runtime) -> Iterator[dramatiq.Worker]:
    running = dramatiq.Worker(redis_broker, worker_timeout=100, worker_threads=2)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _school(rt: Runtime, *, name: str = "Sunny Days", register: bool = True) -> int:
    school = workspace.create_team_school(
        rt, team_id=TEAM, name=name, creator=DIRECTOR, channel_id=CHANNEL
    )
    sid = school.id or 0
    if register:
        schools.register_provider(rt, school_id=sid, provider_id="12345", actor=DIRECTOR)
        students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
        imports.import_csv(rt, school_id=sid, content=CSV, actor="t")
    return sid


def _placeholder(standin: SlackStandin, text: str = "Checking…") -> str:
    answer = WebClient(token=BOT_TOKEN, base_url=standin.api_url).chat_postMessage(
        channel=CHANNEL, text=text
    )
    return str(answer["ts"])


# --- registration ---------------------------------------------------------------------------


def test_registration_ok_updates_the_placeholder_with_the_green_tag(
    rt: Runtime,
    worker: dramatiq.Worker,
    slack_standin: SlackStandin,
    fake_kindertrack: FakeKinderTrack,
) -> None:
    # Given a placeholder posted by /kindertrack register, and a provider name with markup
    sid = _school(rt, register=False)
    fake_kindertrack.providers["12345"] = ProviderInfo("12345", "<!channel> *Sunny* & Co", True)
    ts = _placeholder(slack_standin)

    # When the worker verifies the provider ID
    dispatch.enqueue_registration(
        sid,
        "12345",
        link_code="K7PM2QXA",
        username=None,
        actor=DIRECTOR,
        team_id=TEAM,
        destination={"team_id": TEAM, "channel_id": CHANNEL, "ts": ts, "user_id": DIRECTOR},
    )

    # Then the placeholder shows the green Registered tag, the ID and the escaped name
    [update] = slack_standin.wait_for("chat.update", timeout=10)
    shown = _mrkdwn(update.args)
    assert update.args["ts"] == ts
    assert ":large_green_circle: Registered" in shown and "provider ID 12345" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "&amp; Co" in shown and "*Sunny*" not in shown


def test_registration_refused_answers_kindertracks_message_on_the_response_url(
    rt: Runtime, worker: dramatiq.Worker, slack_standin: SlackStandin
) -> None:
    sid = _school(rt, register=False)
    url = slack_standin.new_response_url()

    dispatch.enqueue_registration(
        sid,
        "54321",
        link_code="K7PM2QXA",
        username=None,
        actor=DIRECTOR,
        team_id=TEAM,
        destination={"team_id": TEAM, "channel_id": CHANNEL, "ts": None, "response_url": url},
    )

    [answer] = slack_standin.wait_for("response_url", timeout=10)
    assert "Inactive KinderTrack provider ID." in answer.args["text"]
    assert answer.args["response_type"] == "ephemeral"
    assert slack_standin.calls_for("chat.postMessage") == []


def test_a_report_that_cannot_be_built_is_explained_in_a_dm(
    rt: Runtime, worker: dramatiq.Worker, slack_standin: SlackStandin
) -> None:
    sid = _school(rt)

    dispatch.enqueue_report(
        sid,
        date(2026, 1, 1),
        date(2026, 12, 31),
        destination={"team_id": TEAM, "user_id": DIRECTOR},
    )

    [post] = slack_standin.wait_for("chat.postMessage", timeout=10)
    [opened] = slack_standin.calls_for("conversations.open")
    assert opened.args["users"] == DIRECTOR
    assert post.args["channel"].startswith("D")
    assert "Could not build the report" in post.args["text"]
    assert "at most 62 days" in post.args["text"]


# --- reminders ------------------------------------------------------------------------------


def test_closed_period_reminder_goes_to_each_director_and_follows_the_submission(
    rt: Runtime, worker: dramatiq.Worker, slack_standin: SlackStandin
) -> None:
    # Given a school with two directors and an unsubmitted, closed pay period
    sid = _school(rt, name="<!channel> & *Sunny*")
    workspace.add_director(rt, school_id=sid, user_id=DEPUTY, by=DIRECTOR, team_id=TEAM)

    # When the scheduler's reminder runs in a worker
    workers.actors.send_reminder.send(sid, CLOSED[0].isoformat(), CLOSED[1].isoformat(), "closed")

    # Then each director gets a DM with the preview and its buttons
    posts = slack_standin.wait_for("chat.postMessage", count=2, timeout=10)
    opened = [c.args["users"] for c in slack_standin.calls_for("conversations.open")]
    assert sorted(opened) == [DEPUTY, DIRECTOR]
    assert {p.args["channel"] for p in posts} == {"D0DIRECTOR", "D0DEPUTY"}
    for post in posts:
        shown = _text(post.args)
        assert "has closed and is not submitted" in shown
        assert "the preview is ready to approve" in shown
        assert "Review errors" in shown and "Refresh" in shown
        formatted = _mrkdwn(post.args)
        assert "<!channel>" not in formatted and "&lt;!channel&gt;" in formatted
        assert "*Sunny*" not in formatted and " & " not in formatted
        assert violations(post.args["blocks"], max_blocks=MESSAGE_BLOCKS) == []

    # And both DMs are remembered for the period
    def remembered_now() -> list[tuple[str, str]]:
        return workspace.messages_for_period(rt, school_id=sid, start=CLOSED[0], end=CLOSED[1])

    _eventually(lambda: len(remembered_now()) == 2)
    remembered = remembered_now()
    assert {channel for channel, _ in remembered} == {"D0DIRECTOR", "D0DEPUTY"}

    # When the error is fixed and the period is approved and submitted by a worker
    record = next(
        r
        for r in stays.list_attendance(rt, school_id=sid, start=CLOSED[0], end=CLOSED[1])
        if r.check_out is None
    )
    stays.edit_record(
        rt, school_id=sid, record_id=record.id, check_out="2026-11-10T12:00", actor=DIRECTOR
    )
    view = approvals.approve(
        rt, school_id=sid, start=CLOSED[0], end=CLOSED[1], approved_by=DIRECTOR
    )
    dispatch.enqueue_submission(view.id)

    # Then both DMs now say it was submitted, with the confirmation
    slack_standin.wait_for("chat.update", count=2, timeout=10)
    _eventually(
        lambda: all(
            "Submitted to KinderTrack" in _text(slack_standin.messages[key]) for key in remembered
        )
    )
    for key in remembered:
        assert APPROVE_ACTION not in _text(slack_standin.messages[key])


def test_closing_reminder_counts_days_and_errors_in_the_reminder_channel(
    rt: Runtime, worker: dramatiq.Worker, slack_standin: SlackStandin, clock: FrozenClock
) -> None:
    # Given a school that chose a reminder channel, 3 days before its period closes
    clock.now = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    sid = _school(rt)
    imports.import_csv(
        rt,
        school_id=sid,
        content="student,check_in,check_out\nAva Smith,2026-11-23T08:00,\n",
        actor="t",
    )
    workspace.set_reminder_channel(
        rt, school_id=sid, channel_id="C0REMIND", by=DIRECTOR, team_id=TEAM
    )
    period = CALENDAR.containing(date(2026, 12, 2))
    left = reminders.days_left(period, date(2026, 12, 2))

    # When the closing reminder runs
    workers.actors.send_reminder.send(
        sid, period.start.isoformat(), period.end.isoformat(), "closing"
    )

    # Then it is posted once, in that channel, with the days left and the errors to fix
    [post] = slack_standin.wait_for("chat.postMessage", timeout=10)
    assert post.args["channel"] == "C0REMIND"
    assert f"{left} days left, 1 error to fix" in post.args["text"]
    assert slack_standin.calls_for("conversations.open") == []


def test_a_public_reminder_channel_gets_no_preview_the_directors_get_it_by_dm(
    rt: Runtime, worker: dramatiq.Worker, slack_standin: SlackStandin, clock: FrozenClock
) -> None:
    # Given a reminder channel that is public (the preview names children)
    clock.now = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    sid = _school(rt)
    workspace.set_reminder_channel(
        rt, school_id=sid, channel_id="C0PUBLIC", by=DIRECTOR, team_id=TEAM
    )
    slack_standin.public_channels.add("C0PUBLIC")
    period = CALENDAR.containing(date(2026, 12, 2))

    # When the closing reminder runs
    workers.actors.send_reminder.send(
        sid, period.start.isoformat(), period.end.isoformat(), "closing"
    )

    # Then it goes to the director's DM, never to the public channel
    [post] = slack_standin.wait_for("chat.postMessage", timeout=10)
    assert post.args["channel"].startswith("D")
    assert all(
        c.args.get("channel") != "C0PUBLIC" for c in slack_standin.calls_for("chat.postMessage")
    )


# --- tokens ---------------------------------------------------------------------------------


def test_oauth_mode_uses_the_bot_token_of_the_schools_workspace(
    rt: Runtime, db: Engine, slack_standin: SlackStandin
) -> None:
    # Given an installable app with workspace T0001 installed (tokens encrypted at rest)
    key = Fernet.generate_key().decode()
    settings = make_bot_settings(
        slack_standin,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="secret",
        token_encryption_key=key,
    )
    store = EncryptedInstallationStore(client_id="111.222", engine=db, encryption_key=key)
    store.save_bot(
        Bot(
            app_id="A0001",
            enterprise_id=None,
            team_id=TEAM,
            bot_token="xoxb-oauth-T0001",
            bot_id="B0001",
            bot_user_id="U0BOT",
            installed_at=time.time(),
        )
    )
    notifier = SlackNotifier.from_settings(settings, runtime=lambda: rt)
    sid = _school(rt, register=False)
    elsewhere = workspace.create_team_school(
        rt, team_id="T0NOTINSTALLED", name="Elsewhere", creator="U0X"
    )

    # When a registration result is delivered for each school
    for school_id in (sid, elsewhere.id or 0):
        notifier.notify(
            RegistrationRefused(
                school_id=school_id,
                message="Inactive KinderTrack provider ID.",
                destination={"team_id": TEAM, "channel_id": CHANNEL},
            )
        )

    # Then T0001's school is answered with T0001's token; the other workspace gets nothing
    [post] = slack_standin.calls_for("chat.postMessage")
    assert post.token == "xoxb-oauth-T0001"
    assert "Inactive KinderTrack provider ID." in post.args["text"]


def test_a_reminder_reaches_each_director_in_their_own_language(
    rt: Runtime, worker: dramatiq.Worker, slack_standin: SlackStandin
) -> None:
    # Given two directors: the deputy's Slack is in Spanish, the director chose English
    sid = _school(rt)
    workspace.add_director(rt, school_id=sid, user_id=DEPUTY, by=DIRECTOR, team_id=TEAM)
    known = dict(slack_standin.users)
    slack_standin.add_user(DEPUTY, locale="es-LA")
    slack_standin.add_user(DIRECTOR, locale="es-ES")
    preferences.set_language(rt, team_id=TEAM, user_id=DIRECTOR, language="en")
    try:
        # When the closed-period reminder runs in a worker
        workers.actors.send_reminder.send(
            sid, CLOSED[0].isoformat(), CLOSED[1].isoformat(), "closed"
        )
        posts = slack_standin.wait_for("chat.postMessage", count=2, timeout=10)
    finally:
        slack_standin.users.clear()
        slack_standin.users.update(known)

    # Then each DM is written in its reader's language, and remembered in it
    by_channel = {p.args["channel"]: _text(p.args) for p in posts}
    assert "ya cerró y no se ha enviado" in by_channel["D0DEPUTY"]
    assert "has closed and is not submitted" in by_channel["D0DIRECTOR"]
    _eventually(
        lambda: (
            len(workspace.posted_messages(rt, school_id=sid, start=CLOSED[0], end=CLOSED[1])) == 2
        )
    )
    remembered = workspace.posted_messages(rt, school_id=sid, start=CLOSED[0], end=CLOSED[1])
    assert {(m.channel_id, m.locale) for m in remembered} == {
        ("D0DEPUTY", "es"),
        ("D0DIRECTOR", "en"),
    }


def test_reminders_go_in_batches_and_reach_each_school_once_with_two_schedulers(
    rt: Runtime,
    redis_broker: RedisBroker,
    slack_standin: SlackStandin,
    fake_kindertrack: FakeKinderTrack,
    db: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given ten schools with a closed, unsubmitted period, one director directing two
    monkeypatch.setattr(workers.actors, "REMINDER_BATCH", 4)
    ids = []
    for n in range(10):
        provider = f"{30000 + n}"
        fake_kindertrack.providers[provider] = ProviderInfo(provider, f"School {n}", True)
        school = workspace.create_team_school(
            rt, team_id=TEAM, name=f"School {n}", creator=f"U0DIR{n}"
        )
        sid = school.id or 0
        schools.register_provider(rt, school_id=sid, provider_id=provider, actor="t")
        students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
        imports.import_csv(rt, school_id=sid, content=CSV, actor="t")
        ids.append(sid)
    workspace.add_director(rt, school_id=ids[1], user_id="U0DIR0", by="U0DIR1", team_id=TEAM)

    # When two schedulers fire the same tick: each pass queues one message per batch
    workers.actors.send_due_reminders.fn()
    assert queue_stats(redis_broker.client, "reminders").depth == 3  # 4 + 4 + 2 schools
    workers.actors.send_due_reminders.fn()
    assert queue_stats(redis_broker.client, "reminders").depth == 6
    running = dramatiq.Worker(redis_broker, worker_timeout=100, worker_threads=4)
    running.start()
    try:
        redis_broker.join("reminders", timeout=30_000)
        # and a batch is delivered once more after the fact
        workers.actors.send_reminders.send([[ids[0], "2026-11-08", "2026-11-21", "closed"]])
        redis_broker.join("reminders", timeout=30_000)
        running.join()
    finally:
        running.stop()

    # Then each director got each school's reminder exactly once
    posts = slack_standin.calls_for("chat.postMessage")
    by_channel = sorted(p.args["channel"] for p in posts)
    assert by_channel == sorted(["D0DIR0", *(f"D0DIR{n}" for n in range(10))])
    of_both = [_text(p.args) for p in posts if p.args["channel"] == "D0DIR0"]
    assert sorted("School 1" in text for text in of_both) == [False, True]
    # and a director of two schools had their DM opened, and their locale asked, once
    opened = [c.args["users"] for c in slack_standin.calls_for("conversations.open")]
    assert sorted(opened) == sorted(f"U0DIR{n}" for n in range(10))
    asked = [c.args["user"] for c in slack_standin.calls_for("users.info")]
    assert sorted(asked) == sorted(f"U0DIR{n}" for n in range(10))
    # and every message posted is remembered once, to follow its period's submission
    with Session(db) as session:
        remembered = session.exec(select(SlackMessage)).all()
    assert sorted((m.channel_id, m.ts) for m in remembered) == sorted(slack_standin.messages)
    # and each delivery is recorded once
    with Session(db) as session:
        rows = session.exec(select(Reminder)).all()
    assert sorted(r.school_id for r in rows) == sorted(ids)
    assert all(r.delivered_at is not None for r in rows)
    assert reminders.due_reminders(rt) == []
