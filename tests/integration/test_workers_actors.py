"""The actors on Dramatiq's StubBroker: thin, retried only when safe, reminders once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from core.domain.submission import SubmissionState
from core.errors import KinderTrackUnavailable
from core.notices import Notice, ReminderDue
from core.ports import ProviderInfo
from core.services import approvals, imports, schools, sending, students, submissions
from core.services.runtime import Runtime
from tests.fakes import FakeKinderTrack
from workers import actors
from workers.runtime import use_runtime

START, END = date(2026, 11, 8), date(2026, 11, 21)
CSV = "student,check_in,check_out\nAva Smith,2026-11-09T08:00,2026-11-09T16:30\n"


class RecordingNotifier:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)

    def kinds(self) -> list[str]:
        return [n.kind for n in self.notices]

    def reminders(self) -> list[ReminderDue]:
        return [n for n in self.notices if isinstance(n, ReminderDue)]


@pytest.fixture
def notifier(rt: Runtime) -> Iterator[RecordingNotifier]:
    recording = RecordingNotifier()
    rt.notifier = recording
    use_runtime(rt)
    yield recording
    use_runtime(None)


def _school(rt: Runtime, name: str = "Sunny Days", provider: str = "12345") -> int:
    sid = schools.add_school(rt, name=name).id or 0
    schools.register_provider(rt, school_id=sid, provider_id=provider, actor="t")
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    imports.import_csv(rt, school_id=sid, content=CSV, actor="t")
    return sid


def test_submit_actor_submits_and_notifies(
    rt: Runtime, notifier: RecordingNotifier, stub_broker: StubBroker, stub_worker: Worker
) -> None:
    sid = _school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    actors.submit_submission.send(view.id)
    actors.submit_submission.send(view.id)
    stub_broker.join(actors.submit_submission.queue_name)
    stub_worker.join()

    assert submissions.get_submission(rt, submission_id=view.id).state is SubmissionState.SUBMITTED
    assert notifier.kinds() == ["submission"]


def test_unavailable_kindertrack_is_retried_later(
    rt: Runtime,
    notifier: RecordingNotifier,
    fake_kindertrack: FakeKinderTrack,
    stub_broker: StubBroker,
    stub_worker: Worker,
) -> None:
    sid = _school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    fake_kindertrack.fail_next.append(KinderTrackUnavailable("503"))

    actors.submit_submission.send_with_options(args=(view.id,), min_backoff=50, max_backoff=100)
    stub_broker.join(actors.submit_submission.queue_name)
    stub_worker.join()

    assert fake_kindertrack.posts == 2
    assert submissions.get_submission(rt, submission_id=view.id).state is SubmissionState.SUBMITTED
    assert len(fake_kindertrack.submissions) == 1


def test_an_inactive_provider_is_not_retried(
    rt: Runtime,
    notifier: RecordingNotifier,
    fake_kindertrack: FakeKinderTrack,
    stub_broker: StubBroker,
    stub_worker: Worker,
) -> None:
    sid = _school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    fake_kindertrack.providers["12345"] = ProviderInfo("12345", "Sunny Days", False)

    actors.submit_submission.send(view.id)
    stub_broker.join(actors.submit_submission.queue_name)
    stub_worker.join()

    assert submissions.get_submission(rt, submission_id=view.id).state is SubmissionState.REJECTED
    assert fake_kindertrack.posts == 1
    assert stub_broker.queues[f"{actors.submit_submission.queue_name}.DQ"].qsize() == 0
    assert notifier.kinds() == ["submission"]


def _run_reminders(stub_broker: StubBroker, stub_worker: Worker, schedulers: int) -> None:
    for _ in range(schedulers):
        actors.send_due_reminders.send()
    stub_broker.join(actors.send_due_reminders.queue_name)
    stub_worker.join()


def test_each_reminder_goes_out_once_even_with_two_schedulers(
    rt: Runtime,
    notifier: RecordingNotifier,
    fake_kindertrack: FakeKinderTrack,
    stub_broker: StubBroker,
    stub_worker: Worker,
) -> None:
    fake_kindertrack.providers["67890"] = ProviderInfo("67890", "Little Acorns", True)
    first = _school(rt)
    second = _school(rt, name="Little Acorns", provider="67890")
    rt.clock = lambda: datetime.now(UTC)

    with time_machine.travel(datetime(2026, 11, 19, 15, tzinfo=UTC), tick=False):
        _run_reminders(stub_broker, stub_worker, schedulers=2)
        _run_reminders(stub_broker, stub_worker, schedulers=2)
    closing = [n.school_id for n in notifier.reminders() if n.period_kind == "closing"]
    assert sorted(closing) == sorted([first, second])

    with time_machine.travel(datetime(2026, 11, 23, 15, tzinfo=UTC), tick=False):
        sending.run_submission(
            rt,
            submission_id=approvals.approve(
                rt, school_id=first, start=START, end=END, approved_by="U1"
            ).id,
        )
        _run_reminders(stub_broker, stub_worker, schedulers=2)
        _run_reminders(stub_broker, stub_worker, schedulers=2)
    closed = [n for n in notifier.reminders() if n.period_kind == "closed"]
    assert [n.school_id for n in closed] == [second]
    assert closed[0].errors == 0


def test_nothing_is_due_mid_period_long_after_the_last_close(
    rt: Runtime, notifier: RecordingNotifier, stub_broker: StubBroker, stub_worker: Worker
) -> None:
    _school(rt)
    rt.clock = lambda: datetime.now(UTC)

    with time_machine.travel(datetime(2026, 12, 14, 15, tzinfo=UTC), tick=False):
        _run_reminders(stub_broker, stub_worker, schedulers=2)

    assert notifier.kinds() == []


def test_a_refused_report_reads_its_dates_as_the_asker_writes_them(
    rt: Runtime, notifier: RecordingNotifier
) -> None:
    sid = _school(rt)
    spanish = {"team_id": "T0001", "channel_id": "D1", "user_id": "U1", "locale": "es-LA"}

    actors.build_report_job.fn(sid, "2026-11-21", "2026-11-08", spanish)
    actors.build_report_job.fn(sid, "2026-11-21", "2026-11-08", {**spanish, "locale": "en-US"})

    spanish_refusal, english_refusal = [getattr(n, "message", None) for n in notifier.notices]
    assert spanish_refusal == "El rango termina (8 nov 2026) antes de empezar (21 nov 2026)."
    assert english_refusal == "The range ends (Nov 8, 2026) before it starts (Nov 21, 2026)."
