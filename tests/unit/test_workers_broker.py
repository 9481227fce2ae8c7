"""The retry policy and the broker wiring, on Dramatiq's StubBroker."""

from __future__ import annotations

import dramatiq
import pytest
import redis.exceptions
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout

from core.errors import AlreadySubmitted, InactiveProvider, KinderTrackUnavailable, OutcomeUnknown
from rollcall.bootstrap import SchemaBehind
from workers.broker import MAX_RETRIES, build_broker, build_middleware, should_retry
from workers.failures import AnswerFailures


@pytest.mark.parametrize(
    "exception",
    [KinderTrackUnavailable("503"), OutcomeUnknown("timeout after send"), dramatiq.Retry()],
)
def test_errors_that_are_safe_to_retry_are_retried_up_to_the_cap(exception: Exception) -> None:
    # Given an error that says it is retryable
    # Then it is retried while under the cap, and not at the cap
    assert should_retry(0, exception)
    assert should_retry(MAX_RETRIES - 1, exception)
    assert not should_retry(MAX_RETRIES, exception)


@pytest.mark.parametrize(
    "exception",
    [
        OperationalError("SELECT 1", {}, ConnectionRefusedError("db down")),
        SQLAlchemyTimeout("QueuePool limit reached"),
        redis.exceptions.ConnectionError("redis down"),
        SchemaBehind("The database schema is behind: run `rollcall migrate` first."),
    ],
)
def test_infrastructure_hiccups_are_retried_not_dead_lettered(exception: Exception) -> None:
    # Given the database, its pool or Redis failing (or a migration still on its way)
    # Then the message is retried with backoff, up to the cap
    assert should_retry(0, exception)
    assert not should_retry(MAX_RETRIES, exception)


@pytest.mark.parametrize(
    "exception", [AlreadySubmitted(), InactiveProvider(), KeyError("bug"), RuntimeError("?")]
)
def test_kindertrack_refusals_and_bugs_are_never_retried(exception: Exception) -> None:
    # Given a KinderTrack 4xx answer (retryable=False) or a plain bug
    # Then not even the first retry happens
    assert not should_retry(0, exception)


def test_the_broker_has_the_explicit_middleware_list_with_the_retry_policy() -> None:
    # Given the broker Rollcall builds (connecting lazily, so no Redis is needed)
    broker = build_broker("redis://127.0.0.1:1/0")
    # Then its middleware is exactly the documented list, in order
    kinds = [type(m) for m in broker.middleware]
    assert kinds == [
        AgeLimit,
        TimeLimit,
        ShutdownNotifications,
        Callbacks,
        Pipelines,
        AnswerFailures,
        Retries,
        CurrentMessage,
    ]
    retries = next(m for m in broker.middleware if isinstance(m, Retries))
    assert retries.retry_when is should_retry
    broker.close()


def test_a_retryable_failure_is_retried_and_a_refusal_is_dead_lettered(
    stub_broker: StubBroker, stub_worker: Worker
) -> None:
    # Given two actors: one fails once with a retryable error, one is refused by KinderTrack
    calls = {"flaky": 0, "refused": 0}

    @dramatiq.actor(min_backoff=10, max_backoff=20)
    def flaky() -> None:
        calls["flaky"] += 1
        if calls["flaky"] == 1:
            raise KinderTrackUnavailable("503")

    @dramatiq.actor(min_backoff=10, max_backoff=20)
    def refused() -> None:
        calls["refused"] += 1
        raise AlreadySubmitted()

    # When both are sent and processed
    flaky.send()
    refused.send()
    stub_broker.join(flaky.queue_name, fail_fast=False)
    stub_worker.join()

    # Then the flaky one ran twice and succeeded; the refused one ran once and is dead
    assert calls == {"flaky": 2, "refused": 1}
    assert [m.actor_name for m in stub_broker.dead_letters] == ["refused"]


def test_actors_imported_earlier_follow_the_broker_a_test_sets(stub_broker: StubBroker) -> None:
    # Given workers.actors imported (under whatever broker was global before)
    import workers.actors

    # When the test's StubBroker is set, then ping is declared on it and sends to it
    assert workers.actors.ping.broker is stub_broker
    workers.actors.ping.send()
    assert stub_broker.queues["default"].qsize() == 1


def test_middleware_lists_are_fresh_per_broker() -> None:
    # Given two middleware lists, then no middleware instance is shared between brokers
    first, second = build_middleware(), build_middleware()
    assert not {id(m) for m in first} & {id(m) for m in second}
