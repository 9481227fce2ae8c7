"""A message that fails for good is answered to the director, listed by `rollcall queues`
and re-driven by `rollcall redrive` (real Redis, a Dramatiq worker, the real database)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
import redis
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from typer.testing import CliRunner

from cli.main import app
from core.config import get_settings
from core.notices import Notice, ReportFailed, ReportReady
from core.services import reports, schools
from core.services.runtime import Runtime
from tests.integration.worker_process import wait_until
from workers.dispatch import enqueue_report
from workers.failures import REPORT_FAILED
from workers.runtime import use_runtime

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

START, END = date(2026, 11, 8), date(2026, 11, 21)


class RecordingNotifier:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)


@pytest.fixture
def notifier(rt: Runtime) -> Iterator[RecordingNotifier]:
    recording = RecordingNotifier()
    rt.notifier = recording
    use_runtime(rt)
    yield recording
    use_runtime(None)


@pytest.fixture
def worker(redis_broker: RedisBroker) -> Iterator[Worker]:
    consuming = Worker(redis_broker, worker_threads=2, worker_timeout=100)
    consuming.start()
    yield consuming
    consuming.stop()


@pytest.fixture
def cli(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ROLLCALL_REDIS_URL", redis_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_a_report_that_fails_for_good_is_answered_listed_and_redriven(
    rt: Runtime,
    notifier: RecordingNotifier,
    worker: Worker,
    redis_client: redis.Redis,
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a report whose building fails with an error nobody foresaw
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    build = reports.school_report

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(reports, "school_report", broken)
    destination = {"team_id": "T1", "channel_id": "C1", "ts": "1.2"}

    # When a worker takes it
    enqueue_report(sid, START, END, destination=destination)

    # Then the director's "Building…" message is replaced by what did not happen
    assert wait_until(lambda: bool(notifier.notices), timeout=20)
    assert notifier.notices == [
        ReportFailed(school_id=sid, message=REPORT_FAILED, destination=destination)
    ]

    # And `rollcall queues` lists the dead letter by actor and age
    listed = cli.invoke(app, ["queues", "--json"])
    assert listed.exit_code == 0, listed.output
    [dead] = json.loads(listed.output)["dead_letters"]
    assert (dead["actor"], dead["queue"]) == ("build_report", "reports")
    assert dead["age_seconds"] >= 0
    table = cli.invoke(app, ["queues"])
    assert "build_report" in table.output and "rollcall redrive" in table.output

    # When the bug is fixed and the operator re-drives the dead letters
    monkeypatch.setattr(reports, "school_report", build)
    redriven = cli.invoke(app, ["redrive", "--actor", "build_report"])

    # Then the message runs again and the report reaches the director; none is left dead
    assert redriven.exit_code == 0 and "Re-drove 1 dead letter." in redriven.output
    assert wait_until(lambda: len(notifier.notices) == 2, timeout=20)
    assert isinstance(notifier.notices[1], ReportReady)
    assert redis_client.zcard("dramatiq:reports.XQ") == 0
    assert json.loads(cli.invoke(app, ["queues", "--json"]).output)["dead_letters"] == []
