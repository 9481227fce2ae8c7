"""Pay-period reminders at chosen instants, on the real database.

The calendar's periods around the frozen clock: 2026-11-08..11-21 and 11-22..12-05 (the
school's zone is America/Chicago, UTC-6 in winter).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.domain.pay_periods import PayPeriod
from core.notices import Notice
from core.ports import ProviderInfo
from core.services import approvals, imports, reminders, schools, sending, students
from core.services.reminder_delivery import deliver_reminders
from core.services.reminders import DueReminder, ReminderKind
from core.services.runtime import CollectingNotifier, Runtime
from core.store.tables import Reminder
from tests.fakes import FakeKinderTrack, FrozenClock

CLOSED = PayPeriod(date(2026, 11, 8), date(2026, 11, 21))
CURRENT = PayPeriod(date(2026, 11, 22), date(2026, 12, 5))


def _at(clock: FrozenClock, text: str) -> None:
    clock.now = datetime.fromisoformat(text).replace(tzinfo=UTC)


def _school(rt: Runtime, *, register: bool = True, name: str = "Sunny Days") -> int:
    """A school with a linked child who attended in both periods (reminders need attendance)."""
    sid = schools.add_school(rt, name=name).id or 0
    if register:
        schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    imports.import_csv(
        rt,
        school_id=sid,
        content=(
            "student,check_in,check_out\n"
            "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"
            "Ava Smith,2026-11-23T08:00,2026-11-23T16:30\n"
        ),
        actor="t",
    )
    return sid


def _due(rt: Runtime) -> list[tuple[int, PayPeriod, ReminderKind]]:
    return sorted(
        ((r.school_id, r.period, r.kind) for r in reminders.due_reminders(rt)),
        key=lambda t: (t[0], t[1].start, str(t[2])),
    )


def test_mid_period_only_the_closed_period_is_due(rt: Runtime, clock: FrozenClock) -> None:
    sid = _school(rt)
    _at(clock, "2026-11-25T18:00")

    assert _due(rt) == [(sid, CLOSED, ReminderKind.CLOSED)]


def test_closing_is_due_from_two_days_before_the_end_in_the_schools_zone(
    rt: Runtime, clock: FrozenClock
) -> None:
    sid = _school(rt)

    _at(clock, "2026-12-03T05:59")  # 2026-12-02 23:59 in Chicago
    assert (sid, CURRENT, ReminderKind.CLOSING) not in _due(rt)

    _at(clock, "2026-12-03T06:00")  # 2026-12-03 00:00 in Chicago: two days before 12-05
    assert (sid, CURRENT, ReminderKind.CLOSING) in _due(rt)

    _at(clock, "2026-12-05T23:00")  # the last day
    assert (sid, CURRENT, ReminderKind.CLOSING) in _due(rt)


def test_closed_is_due_after_the_end_and_only_for_a_week(rt: Runtime, clock: FrozenClock) -> None:
    sid = _school(rt)

    _at(clock, "2026-11-21T23:00")  # the period's last day, local time: still closing
    assert _due(rt) == [(sid, CLOSED, ReminderKind.CLOSING)]

    _at(clock, "2026-11-22T06:00")  # the day after, local time
    assert _due(rt) == [(sid, CLOSED, ReminderKind.CLOSED)]

    _at(clock, "2026-11-28T18:00")
    assert _due(rt) == [(sid, CLOSED, ReminderKind.CLOSED)]

    _at(clock, "2026-11-29T18:00")  # more than seven days after
    assert _due(rt) == []


def test_a_period_without_attendance_is_not_reminded(rt: Runtime, clock: FrozenClock) -> None:
    sid = schools.add_school(rt, name="Empty Days").id or 0
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    _at(clock, "2026-11-25T18:00")

    assert _due(rt) == []


def test_closed_is_not_due_once_submitted(rt: Runtime, clock: FrozenClock) -> None:
    sid = _school(rt)
    view = approvals.approve(
        rt, school_id=sid, start=CLOSED.start, end=CLOSED.end, approved_by="U1"
    )
    assert _due(rt) == [(sid, CLOSED, ReminderKind.CLOSED)]  # approved is not submitted yet

    sending.run_submission(rt, submission_id=view.id)

    assert _due(rt) == []


def test_unregistered_schools_get_no_reminders(rt: Runtime, clock: FrozenClock) -> None:
    _school(rt, register=False)
    _at(clock, "2026-12-04T18:00")
    assert _due(rt) == []


def test_claim_once_then_release(rt: Runtime, db: Engine) -> None:
    sid = _school(rt)
    (due,) = reminders.due_reminders(rt)
    assert due == DueReminder(sid, CLOSED, ReminderKind.CLOSED)

    assert reminders.claim_reminder(rt, due) is True
    assert reminders.claim_reminder(rt, due) is False
    assert reminders.due_reminders(rt) == []

    reminders.release_reminder(rt, due)

    assert reminders.due_reminders(rt) == [due]
    assert reminders.claim_reminder(rt, due) is True
    with Session(db) as session:
        assert len(session.exec(select(Reminder)).all()) == 1


def test_release_of_an_unclaimed_reminder_does_nothing(rt: Runtime) -> None:
    sid = _school(rt)
    reminders.release_reminder(rt, DueReminder(sid, CLOSED, ReminderKind.CLOSING))
    assert len(reminders.due_reminders(rt)) == 1


def test_racing_claims_send_a_reminder_once(rt: Runtime) -> None:
    sid = _school(rt)
    due = DueReminder(sid, CLOSED, ReminderKind.CLOSED)
    racers = 6
    barrier = threading.Barrier(racers)
    won: list[bool] = []

    def claim() -> None:
        barrier.wait()
        won.append(reminders.claim_reminder(rt, due))

    threads = [threading.Thread(target=claim) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(won) == [False] * (racers - 1) + [True]


def test_each_school_is_reminded_on_its_own(rt: Runtime, clock: FrozenClock) -> None:
    first = _school(rt)
    rt.kindertrack.providers["67890"] = ProviderInfo("67890", "Prairie Sprouts", True)  # type: ignore[attr-defined]
    second = _school(rt, name="Prairie Sprouts", register=False)
    schools.register_provider(rt, school_id=second, provider_id="67890", actor="t")
    reminders.claim_reminder(rt, DueReminder(first, CLOSED, ReminderKind.CLOSED))

    assert _due(rt) == [(second, CLOSED, ReminderKind.CLOSED)]


def test_a_claim_whose_sender_died_is_taken_over_after_a_while(
    rt: Runtime, clock: FrozenClock
) -> None:
    # Given a reminder claimed by a worker that died before delivering it
    sid = _school(rt)
    _at(clock, "2026-11-25T18:00")
    due = DueReminder(sid, CLOSED, ReminderKind.CLOSED)
    assert reminders.claim_reminder(rt, due)

    # Then for a while nobody else sends it, and afterwards one pass does
    _at(clock, "2026-11-25T18:05")
    assert _due(rt) == []
    assert not reminders.claim_reminder(rt, due)
    _at(clock, "2026-11-25T18:20")
    assert _due(rt) == [(sid, CLOSED, ReminderKind.CLOSED)]
    assert reminders.claim_reminder(rt, due)
    assert not reminders.claim_reminder(rt, due)

    # And once delivered it is never sent again
    reminders.mark_delivered(rt, due)
    _at(clock, "2026-11-26T18:00")
    assert _due(rt) == []
    assert not reminders.claim_reminder(rt, due)


def test_overlapping_batches_claimed_at_once_claim_each_reminder_once(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    ids = [_school(rt)]
    for n in range(1, 6):
        fake_kindertrack.providers[f"7000{n}"] = ProviderInfo(f"7000{n}", f"S{n}", True)
        ids.append(_school(rt, name=f"S{n}", register=False))
        schools.register_provider(rt, school_id=ids[-1], provider_id=f"7000{n}", actor="t")
    dues = reminders.due_reminders(rt)
    assert sorted(d.school_id for d in dues) == sorted(ids)
    batches = [dues[:4], dues[2:], dues, dues[::-1]]
    barrier = threading.Barrier(len(batches))
    won: list[DueReminder] = []

    def claim(batch: list[DueReminder]) -> None:
        barrier.wait()
        won.extend(reminders.claim_reminders(rt, batch))

    threads = [threading.Thread(target=claim, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(d.school_id for d in won) == sorted(ids)
    assert reminders.due_reminders(rt) == []
    reminders.release_reminders(rt, won[:2])
    assert sorted(d.school_id for d in reminders.due_reminders(rt)) == sorted(
        d.school_id for d in won[:2]
    )


class _RefusingNotifier:
    """Delivers every notice but those of ``refused`` schools (Slack said no)."""

    def __init__(self, refused: set[int]) -> None:
        self.refused = refused
        self.delivered: list[int] = []

    def notify(self, notice: Notice) -> None:
        if notice.school_id in self.refused:
            raise RuntimeError("Slack refused it")
        self.delivered.append(notice.school_id)


def _six_schools(rt: Runtime, fake_kindertrack: FakeKinderTrack) -> list[int]:
    ids = [_school(rt)]
    for n in range(1, 6):
        fake_kindertrack.providers[f"7000{n}"] = ProviderInfo(f"7000{n}", f"S{n}", True)
        ids.append(_school(rt, name=f"S{n}", register=False))
        schools.register_provider(rt, school_id=ids[-1], provider_id=f"7000{n}", actor="t")
    return ids


def test_a_batch_records_each_delivery_once_and_releases_only_the_refused_one(
    rt: Runtime, fake_kindertrack: FakeKinderTrack, db: Engine
) -> None:
    # Given six schools owed a reminder, and a Slack that refuses the third school's
    ids = _six_schools(rt, fake_kindertrack)
    notifier = _RefusingNotifier({ids[2]})
    rt.notifier = notifier
    dues = reminders.due_reminders(rt)

    # When the batch is delivered, its refusal is raised (the message is retried)...
    with pytest.raises(RuntimeError):
        deliver_reminders(rt, dues)

    # Then the five others were delivered and recorded as delivered, once each
    assert sorted(notifier.delivered) == sorted(set(ids) - {ids[2]})
    with Session(db) as session:
        rows = session.exec(select(Reminder)).all()
    assert sorted(r.school_id for r in rows if r.delivered_at is not None) == sorted(
        set(ids) - {ids[2]}
    )
    # and only the refused school is owed again; the retry sends it and nothing else
    assert [d.school_id for d in reminders.due_reminders(rt)] == [ids[2]]
    notifier.refused.clear()
    assert [d.school_id for d in deliver_reminders(rt, dues)] == [ids[2]]
    assert sorted(notifier.delivered) == sorted(ids)
    assert reminders.due_reminders(rt) == []


def test_a_batch_stopped_midway_records_what_was_sent_and_releases_the_rest(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    # Given a worker stopped (a BaseException) while notifying the fourth school of six
    ids = _six_schools(rt, fake_kindertrack)
    sent: list[int] = []

    class Stopping:
        def notify(self, notice: Notice) -> None:
            if len(sent) == 3:
                raise KeyboardInterrupt
            sent.append(notice.school_id)

    rt.notifier = Stopping()
    dues = reminders.due_reminders(rt)
    with pytest.raises(KeyboardInterrupt):
        deliver_reminders(rt, dues)

    # Then the three sent are never sent again, and the three others are owed at once
    owed = sorted(d.school_id for d in reminders.due_reminders(rt))
    assert owed == sorted(set(ids) - set(sent))
    rt.notifier = CollectingNotifier()
    assert sorted(d.school_id for d in deliver_reminders(rt, dues)) == owed
