"""The schedule table and its message senders, on Dramatiq's StubBroker."""

from __future__ import annotations

from datetime import UTC, datetime

import dramatiq
from apscheduler.triggers.cron import CronTrigger
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker

from workers.scheduling import default_jobs, send_to_actor


def test_the_default_schedule_sweeps_every_ten_seconds_and_reminds_every_quarter_hour() -> None:
    # Given the shipped schedule
    jobs = {job.name: job for job in default_jobs()}
    assert set(jobs) == {"sweep_stuck_submissions", "send_due_reminders", "send_due_nudges"}
    start = datetime(2026, 3, 8, 7, 59, 30, tzinfo=UTC)

    def next_fires(name: str, count: int) -> list[str]:
        trigger = jobs[name].trigger
        assert isinstance(trigger, CronTrigger)
        fires, previous, now = [], None, start
        for _ in range(count):
            fire = trigger.get_next_fire_time(previous, now)
            assert fire is not None
            fires.append(fire.strftime("%H:%M:%S"))
            previous, now = fire, fire
        return fires

    # Then the sweep fires every 10 s on the clock, the reminders on each quarter hour
    assert next_fires("sweep_stuck_submissions", 3) == ["07:59:30", "07:59:40", "07:59:50"]
    assert next_fires("send_due_reminders", 3) == ["08:00:00", "08:15:00", "08:30:00"]
    # and the same-day nudges every five minutes (a school's closing time is met within 5)
    assert next_fires("send_due_nudges", 3) == ["08:00:00", "08:05:00", "08:10:00"]


def test_a_job_for_an_undeclared_actor_still_sends_a_message_by_name(
    stub_broker: StubBroker,
) -> None:
    # Given no actor of that name in this process
    stub_broker.declare_queue("default")
    # When its job fires
    message = send_to_actor("not_declared_in_this_process")()
    # Then one message for that actor name waits on the default queue
    assert message.actor_name == "not_declared_in_this_process"
    assert stub_broker.queues["default"].qsize() == 1


def test_a_job_for_a_declared_actor_uses_the_actor_and_its_queue(stub_broker: StubBroker) -> None:
    # Given an actor declared on its own queue
    @dramatiq.actor(actor_name="scheduled_in_a_test", queue_name="test_schedule")
    def scheduled_in_a_test() -> None:
        return None

    # When its job fires
    message = send_to_actor("scheduled_in_a_test")()
    # Then the message goes to the actor's queue
    assert message.queue_name == "test_schedule"
    assert stub_broker.queues["test_schedule"].qsize() == 1


def test_the_shipped_jobs_reach_the_real_actors_on_their_queues(stub_broker: StubBroker) -> None:
    # Given the actors of workers.actors declared on the test's broker
    import workers.actors

    # When each shipped job fires once
    sent = {job.name: job.send() for job in default_jobs()}
    # Then each message names its actor and sits on that actor's queue
    for name, message in sent.items():
        assert isinstance(message, Message)
        actor = getattr(workers.actors, name)
        assert message.actor_name == actor.actor_name
        assert message.queue_name == actor.queue_name
        assert stub_broker.queues[actor.queue_name].qsize() >= 1
