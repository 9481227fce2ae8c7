"""JSON log lines: one object per line, whitelisted extras only (never a child's name)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from workers.logging import configure_logging


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_with_extras_is_one_json_object_carrying_them(log_stream: io.StringIO) -> None:
    # Given JSON logging
    log = logging.getLogger("tests.workers_logging")
    # When a submission event is logged with its identifiers
    log.info(
        "submission %s sent",
        42,
        extra={
            "event": "submitted",
            "submission_id": 42,
            "school_id": 7,
            "period": "2026-01-04/2026-01-17",
            "state": "submitted",
        },
    )
    # Then one line parses as JSON and carries the message and every extra field
    [line] = _lines(log_stream)
    assert line["message"] == "submission 42 sent"
    assert line["level"] == "INFO"
    assert line["logger"] == "tests.workers_logging"
    assert {k: line[k] for k in ("event", "submission_id", "school_id", "period", "state")} == {
        "event": "submitted",
        "submission_id": 42,
        "school_id": 7,
        "period": "2026-01-04/2026-01-17",
        "state": "submitted",
    }
    assert str(line["ts"]).endswith("+00:00")


def test_extras_outside_the_whitelist_never_reach_the_output(log_stream: io.StringIO) -> None:
    # Given a careless call that passes a child's name as an extra field
    # When it is logged
    logging.getLogger("tests.workers_logging").warning(
        "linked", extra={"student": "Ava Smith", "school_id": 7}
    )
    # Then the name is not in the line, the identifier is
    raw = log_stream.getvalue()
    assert "Ava" not in raw
    assert _lines(log_stream)[0]["school_id"] == 7


def test_an_exception_is_kept_inside_the_single_json_line(log_stream: io.StringIO) -> None:
    # Given an error being handled
    try:
        raise ValueError("boom")
    except ValueError:
        # When it is logged with its traceback
        logging.getLogger("tests.workers_logging").exception("failed", extra={"event": "failure"})
    # Then the output is still one JSON object, with the traceback in "exc"
    [line] = _lines(log_stream)
    assert line["event"] == "failure"
    assert "ValueError: boom" in str(line["exc"])


def test_configuring_twice_leaves_one_handler(log_stream: io.StringIO) -> None:
    # Given logging configured once (by the fixture), when configured again on the same stream
    configure_logging(logging.INFO, stream=log_stream)
    logging.getLogger("tests.workers_logging").info("once")
    # Then each record is written exactly once
    assert [line["message"] for line in _lines(log_stream)] == ["once"]


def test_a_failing_message_is_logged_by_actor_and_id_never_by_its_arguments(
    log_stream: io.StringIO,
) -> None:
    # Given an actor whose arguments are not all IDs (a registration's link code, a name)
    broker = StubBroker()
    broker.emit_after("process_boot")

    @dramatiq.actor(broker=broker, actor_name="register_like", max_retries=0)
    def register_like(provider_id: str, link_code: str, username: str) -> None:
        raise RuntimeError("KinderTrack unreachable")

    # When a real Dramatiq worker fails to process it and logs the failure
    message = register_like.send("12345", "K7PM2QXA", "Dana Director")
    # One thread: it has run the message when join returns, so stop() never meets a thread
    # that starts after it (that thread would wait out dramatiq's 10 min stop timeout)
    worker = Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    try:
        broker.join(register_like.queue_name, fail_fast=False)
        worker.join()
    finally:
        worker.stop()

    # Then the log names the actor and the message ID, and none of the arguments
    output = log_stream.getvalue()
    assert f"register_like[{message.message_id}]" in output
    assert "K7PM2QXA" not in output
    assert "Dana Director" not in output
