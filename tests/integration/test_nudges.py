"""Same-day nudges at each school's closing time, on the real database, Redis and a worker.

The clock is frozen on Wednesday 2026-11-25; Chicago is UTC-6 then, so 18:00 there is
2026-11-26 00:00 UTC.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine

import workers.actors
import workers.runtime
from bot.blocks.limits import MESSAGE_BLOCKS, violations
from bot.notifier import SlackNotifier
from core.errors import InvalidInput
from core.services import absences, imports, nudges, schools, stays, workspace
from core.services.nudges import DueNudge
from core.services.runtime import Runtime
from standins.slack_web_api import SlackStandin
from tests.fakes import FakeKinderTrack, FrozenClock
from tests.fixtures.database import CALENDAR
from tests.fixtures.slack import make_bot_settings

pytestmark = pytest.mark.slow  # the Slack stand-in over real HTTP

TEAM = "T0001"
DIRECTOR, DEPUTY = "U0DIRECTOR", "U0DEPUTY"
WED = date(2026, 11, 25)


def _at(clock: FrozenClock, utc: str) -> None:
    clock.now = datetime.fromisoformat(utc).replace(tzinfo=UTC)


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


def _school(rt: Runtime, name: str, csv_rows: str, *, creator: str = DIRECTOR) -> int:
    """A Slack school (its creator directs it) with this week's attendance."""
    sid = workspace.create_team_school(rt, team_id=TEAM, name=name, creator=creator).id or 0
    imports.import_csv(
        rt,
        school_id=sid,
        content="student,check_in,check_out\n" + csv_rows,
        actor="t",
        add_students=True,
    )
    return sid


def _troubled(rt: Runtime) -> int:
    """Ava is still checked in; Ben came yesterday and has nothing today."""
    return _school(
        rt,
        "<!channel> & *Sunny*",
        "Ava <b>,2026-11-25T08:00,\nBen Jones,2026-11-24T08:00,2026-11-24T16:00\n",
    )


def _clean(rt: Runtime) -> int:
    return _school(
        rt, "Prairie Sprouts", "Cara Diaz,2026-11-25T08:00,2026-11-25T16:00\n", creator=DEPUTY
    )


def test_a_nudge_is_due_from_each_schools_closing_time_in_its_zone(
    rt: Runtime, clock: FrozenClock
) -> None:
    first = _troubled(rt)
    second = _clean(rt)
    schools.set_closing_time(rt, school_id=second, closing="17:30")
    schools.add_school(rt, name="No Directors")  # made from the command line: nobody to tell

    _at(clock, "2026-11-25T23:29")  # 17:29 in Chicago
    assert nudges.due_nudges(rt) == []
    _at(clock, "2026-11-25T23:30")
    assert nudges.due_nudges(rt) == [DueNudge(second, WED)]
    _at(clock, "2026-11-26T00:00")  # 18:00, the default
    assert nudges.due_nudges(rt) == [DueNudge(first, WED), DueNudge(second, WED)]
    _at(clock, "2026-11-26T06:00")  # midnight in Chicago: Thursday, before closing
    assert nudges.due_nudges(rt) == []


def test_a_closing_time_must_be_a_time_of_day(rt: Runtime) -> None:
    sid = _clean(rt)
    for bad in ("6pm", "25:00", "18:60", "１８:00", ""):
        with pytest.raises(InvalidInput, match="write it as HH:MM"):
            schools.set_closing_time(rt, school_id=sid, closing=bad)


def test_racing_senders_claim_a_day_once(rt: Runtime, clock: FrozenClock) -> None:
    sid = _troubled(rt)
    _at(clock, "2026-11-26T00:05")
    due = DueNudge(sid, WED)
    barrier = threading.Barrier(6)
    won: list[bool] = []

    def claim() -> None:
        barrier.wait()
        won.append(nudges.claim_nudge(rt, due))

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(won) == [False] * 5 + [True]
    assert nudges.due_nudges(rt) == []


def test_an_absent_child_or_a_closed_day_is_not_nothing_recorded(
    rt: Runtime, clock: FrozenClock
) -> None:
    sid = _troubled(rt)
    _at(clock, "2026-11-26T00:05")
    assert [p.code for p in nudges.day_check(rt, school_id=sid, day=WED).problems] == [
        "still_checked_in",
        "not_recorded",
    ]

    absences.record_absence(rt, school_id=sid, student_name="Ben Jones", day=WED, actor="t")
    assert [p.code for p in nudges.day_check(rt, school_id=sid, day=WED).problems] == [
        "still_checked_in"
    ]

    # Thursday: a half day (one child came in the morning), then closed for Thanksgiving
    _at(clock, "2026-11-27T00:05")
    imports.import_csv(
        rt,
        school_id=sid,
        content="student,check_in,check_out\nCara Diaz,2026-11-26T08:00,2026-11-26T11:00\n",
        actor="t",
        add_students=True,
    )
    assert {
        p.code for p in nudges.day_check(rt, school_id=sid, day=date(2026, 11, 26)).problems
    } == {
        "missing_check_out",
        "not_recorded",
    }
    absences.record_absence(
        rt, school_id=sid, student_name="*", day="2026-11-26", kind="holiday", actor="t"
    )
    thursday = nudges.day_check(rt, school_id=sid, day=date(2026, 11, 26))
    assert [p.code for p in thursday.problems] == ["missing_check_out"]


@pytest.fixture
def worker(redis_broker: RedisBroker, rt: Runtime) -> Iterator[dramatiq.Worker]:
    running = dramatiq.Worker(redis_broker, worker_timeout=100, worker_threads=2)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _scheduler_ticks(redis_broker: RedisBroker, worker: dramatiq.Worker, schedulers: int) -> None:
    """What the scheduler's job does, from ``schedulers`` schedulers at once."""
    for _ in range(schedulers):
        workers.actors.send_due_nudges.send()
    redis_broker.join(workers.actors.send_due_nudges.queue_name, timeout=20_000)
    worker.join()


def test_the_directors_hear_the_days_problems_once_and_a_clean_day_is_silent(
    rt: Runtime,
    clock: FrozenClock,
    redis_broker: RedisBroker,
    worker: dramatiq.Worker,
    slack_standin: SlackStandin,
) -> None:
    # Given a school with problems and two directors, and a clean school
    troubled = _troubled(rt)
    workspace.add_director(rt, school_id=troubled, user_id=DEPUTY, by=DIRECTOR, team_id=TEAM)
    clean = _clean(rt)

    # When two schedulers tick before closing time, then twice each after it
    _at(clock, "2026-11-25T23:55")  # 17:55
    _scheduler_ticks(redis_broker, worker, schedulers=2)
    assert slack_standin.calls_for("chat.postMessage") == []
    _at(clock, "2026-11-26T00:05")  # 18:05
    _scheduler_ticks(redis_broker, worker, schedulers=2)
    _at(clock, "2026-11-26T00:10")
    _scheduler_ticks(redis_broker, worker, schedulers=2)

    # Then each director of the troubled school got one DM, and the clean school nothing
    posts = slack_standin.calls_for("chat.postMessage")
    assert sorted(p.args["channel"] for p in posts) == ["D0DEPUTY", "D0DIRECTOR"]
    opened = sorted(c.args["users"] for c in slack_standin.calls_for("conversations.open"))
    assert opened == [DEPUTY, DIRECTOR]
    for post in posts:
        shown = json.dumps(post.args, ensure_ascii=False)
        assert "Still checked in" in shown and "Nothing recorded today" in shown
        assert "Ben Jones" in shown and "Cara Diaz" not in shown
        assert "&lt;!channel&gt;" in shown and "Ava &lt;b&gt;" in shown
        assert "<!channel>" not in shown and "<b>" not in shown
        assert violations(post.args["blocks"], max_blocks=MESSAGE_BLOCKS) == []

    # And the next day is a day of its own: Ava's stay is now a missing check-out (nobody
    # came to Sunny Days, so nobody is "not recorded" there), and at Prairie Sprouts, open
    # with Dan, Cara (who came on Wednesday) has nothing recorded
    _at(clock, "2026-11-26T20:00")
    imports.import_csv(
        rt,
        school_id=clean,
        content="student,check_in,check_out\nDan Lee,2026-11-26T08:00,2026-11-26T12:00\n",
        actor="t",
        add_students=True,
    )
    _at(clock, "2026-11-27T00:05")  # Thursday 18:05
    _scheduler_ticks(redis_broker, worker, schedulers=2)
    thursday = [
        (p.args["channel"], json.dumps(p.args, ensure_ascii=False))
        for p in slack_standin.calls_for("chat.postMessage")[2:]
    ]
    assert sorted(channel for channel, _ in thursday) == ["D0DEPUTY", "D0DEPUTY", "D0DIRECTOR"]
    troubled_texts = [t for _, t in thursday if "Sunny" in t]
    assert len(troubled_texts) == 2
    assert all("Missing check-outs" in t and "Still checked in" not in t for t in troubled_texts)
    assert not any("Nothing recorded" in t for t in troubled_texts)
    (sprouts,) = [t for _, t in thursday if "Prairie Sprouts" in t]
    assert "Cara Diaz" in sprouts and "Nothing recorded: add the check-in" in sprouts
    # Every time is on the school's clock and every day as a person writes it
    for _, text in thursday:
        assert "CST" not in text and "2026-11-" not in text and "(record" not in text
    assert all("checked in 8:00 AM, never checked out" in t for t in troubled_texts)


def test_a_day_fixed_before_closing_sends_nothing(
    rt: Runtime,
    clock: FrozenClock,
    redis_broker: RedisBroker,
    worker: dramatiq.Worker,
    slack_standin: SlackStandin,
) -> None:
    sid = _troubled(rt)
    _at(clock, "2026-11-25T23:00")
    (open_stay,) = [
        r
        for r in stays.list_attendance(rt, school_id=sid, start=WED, end=WED)
        if r.check_out is None
    ]
    stays.edit_record(
        rt, school_id=sid, record_id=open_stay.id, check_out="2026-11-25T16:45", actor=DIRECTOR
    )
    imports.import_csv(
        rt,
        school_id=sid,
        content="student,check_in,check_out\nBen Jones,2026-11-25T09:00,2026-11-25T15:00\n",
        actor="t",
    )

    _at(clock, "2026-11-26T00:05")
    _scheduler_ticks(redis_broker, worker, schedulers=2)

    assert slack_standin.calls_for("chat.postMessage") == []
    assert nudges.due_nudges(rt) == []  # claimed and done: a clean day is checked once
