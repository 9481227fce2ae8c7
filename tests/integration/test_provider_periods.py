"""A school bills by its provider's own pay periods (asked of KinderTrack, cached), on the
real database; the monthly journey also against the sandbox over real HTTP."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from core.domain.pay_periods import PayPeriod
from core.domain.submission import SubmissionState
from core.errors import KinderTrackUnavailable, PeriodsNotCached
from core.services import (
    approvals,
    imports,
    periods,
    reminders,
    reports,
    schools,
    sending,
    students,
)
from core.services.runtime import Runtime
from kindertrack.client import HttpKinderTrack
from tests.fakes import FakeKinderTrack, FrozenClock
from tests.fixtures.sandbox import SandboxHarness

OCTOBER = PayPeriod(date(2026, 10, 1), date(2026, 10, 31))
TODAY = date(2026, 11, 25)  # the frozen clock's date


def _school(rt: Runtime, provider_id: str, name: str = "Maple Grove") -> int:
    sid = schools.add_school(rt, name=name).id or 0
    schools.register_provider(rt, school_id=sid, provider_id=provider_id, actor="t")
    return sid


def test_a_monthly_provider_registers_reports_and_submits_its_month(
    rt: Runtime, kindertrack_client: HttpKinderTrack, sandbox: SandboxHarness
) -> None:
    # Given a center that bills monthly (the sandbox's provider 24680), registered
    live = dataclasses.replace(rt, kindertrack=kindertrack_client)
    sid = _school(live, "24680")
    students.add_student(live, school_id=sid, name="Owen Berg", child_id="135790", actor="t")
    imports.import_csv(
        live,
        school_id=sid,
        content="student,check_in,check_out\n"
        "Owen Berg,2026-10-05T08:00,2026-10-05T16:00\n"
        "Owen Berg,2026-10-30T08:00,2026-10-30T12:00\n",
        actor="t",
    )

    # When the director asks for the last closed period, previews and submits it
    last = periods.school_periods(live, school_id=sid, around=TODAY).last_closed(TODAY)
    report = reports.school_report(live, school_id=sid, start=last.start, end=last.end)
    view = approvals.approve(live, school_id=sid, start=last.start, end=last.end, approved_by="U1")
    result = sending.run_submission(live, submission_id=view.id)

    # Then the period is October, ready, and KinderTrack took both records for it
    assert last == OCTOBER
    assert report.pay_period_match and report.can_submit, report.blocking_reasons
    assert result.submission.state is SubmissionState.SUBMITTED
    (found,) = kindertrack_client.find_submissions("24680", OCTOBER.start, OCTOBER.end)
    assert found.accepted == 2
    # and a biweekly range inside the month is not a period of this center
    fortnight = reports.school_report(
        live, school_id=sid, start=date(2026, 10, 4), end=date(2026, 10, 17)
    )
    assert not fortnight.pay_period_match and not fortnight.can_submit


def test_the_cache_answers_until_it_is_old_then_kindertrack_is_asked_again(
    rt: Runtime, fake_kindertrack: FakeKinderTrack, clock: FrozenClock
) -> None:
    sid = _school(rt, "12345", name="Sunny Days")
    asked = fake_kindertrack.period_asks

    for _ in range(3):
        reports.school_report(rt, school_id=sid, start=date(2026, 11, 8), end=date(2026, 11, 21))
    assert fake_kindertrack.period_asks == asked  # registration's answer serves

    clock.advance(periods.REFRESH_AFTER)
    fake_kindertrack.periods_down = True
    # KinderTrack down: the cached periods still judge the range
    report = reports.school_report(
        rt, school_id=sid, start=date(2026, 11, 8), end=date(2026, 11, 21)
    )
    assert report.pay_period_match
    assert fake_kindertrack.period_asks == asked + 1


def test_what_slack_reads_never_asks_kindertrack_and_says_when_a_worker_should(
    rt: Runtime, fake_kindertrack: FakeKinderTrack, clock: FrozenClock
) -> None:
    sid = _school(rt, "12345", name="Sunny Days")
    asked = fake_kindertrack.period_asks
    fresh = periods.periods_as_cached(rt, school_id=sid, around=TODAY)

    clock.advance(periods.REFRESH_AFTER)
    old = periods.periods_as_cached(rt, school_id=sid, around=TODAY)
    cards, due = periods.periods_of_schools_as_cached(rt, {sid: TODAY})
    report = reports.school_report(
        rt,
        school_id=sid,
        start=date(2026, 11, 8),
        end=date(2026, 11, 21),
        refresh_periods=False,
    )

    assert fake_kindertrack.period_asks == asked  # none of these asked KinderTrack
    assert not fresh.refresh_due and old.refresh_due and due == {sid: TODAY}
    assert old.periods.last_closed(TODAY) == PayPeriod(date(2026, 11, 8), date(2026, 11, 21))
    assert cards[sid].last_closed(TODAY) == old.periods.last_closed(TODAY)
    assert report.pay_period_match
    # a day the cache does not reach is refused, never guessed from the settings' calendar
    with pytest.raises(PeriodsNotCached):
        periods.periods_as_cached(rt, school_id=sid, around=TODAY + timedelta(days=400))


def test_a_change_of_billing_keeps_the_submitted_periods_as_they_were(
    rt: Runtime, fake_kindertrack: FakeKinderTrack, clock: FrozenClock
) -> None:
    # Given a biweekly school that submitted 2026-11-08..21
    sid = _school(rt, "12345", name="Sunny Days")
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    imports.import_csv(
        rt,
        school_id=sid,
        content="student,check_in,check_out\nAva Smith,2026-11-09T08:00,2026-11-09T16:00\n",
        actor="t",
    )
    start, end = date(2026, 11, 8), date(2026, 11, 21)
    view = approvals.approve(rt, school_id=sid, start=start, end=end, approved_by="U1")
    sending.run_submission(rt, submission_id=view.id)

    # When the provider switches to monthly billing and KinderTrack's answer changes
    fake_kindertrack.billing["12345"] = "monthly"
    clock.advance(periods.REFRESH_AFTER)
    now = periods.school_periods(rt, school_id=sid, around=TODAY)

    # Then new periods are months, and the submitted fortnight stays a submitted period
    assert now.containing(date(2026, 12, 15)) == PayPeriod(date(2026, 12, 1), date(2026, 12, 31))
    assert now.containing(TODAY) == PayPeriod(date(2026, 11, 1), date(2026, 11, 30))
    assert now.last_closed(TODAY) == OCTOBER
    old = reports.school_report(rt, school_id=sid, start=start, end=end)
    assert old.pay_period_match and old.already_submitted and not old.can_submit
    assert not now.is_exact(date(2026, 11, 22), date(2026, 12, 5))  # unsubmitted: gone


def test_reminders_follow_each_schools_own_periods(
    rt: Runtime, fake_kindertrack: FakeKinderTrack, clock: FrozenClock
) -> None:
    # Given a monthly school with attendance in November, two days before the month ends
    fake_kindertrack.providers["24680"] = dataclasses.replace(
        fake_kindertrack.providers["12345"], provider_id="24680", name="Maple Grove"
    )
    fake_kindertrack.billing["24680"] = "monthly"
    sid = _school(rt, "24680")
    students.add_student(rt, school_id=sid, name="Owen Berg", actor="t")
    imports.import_csv(
        rt,
        school_id=sid,
        content="student,check_in,check_out\nOwen Berg,2026-11-20T08:00,2026-11-20T16:00\n",
        actor="t",
    )
    clock.advance(timedelta(days=3))  # 2026-11-28, local

    due = reminders.due_reminders(rt)

    # Then the closing reminder is about the month, not the settings' fortnight
    assert [(d.school_id, d.period, str(d.kind)) for d in due] == [
        (sid, PayPeriod(date(2026, 11, 1), date(2026, 11, 30)), "closing")
    ]


def test_a_school_never_answered_by_kindertrack_says_so(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    fake_kindertrack.periods_down = True

    # A day far beyond the cached range cannot be judged by a cache that does not reach it
    with pytest.raises(KinderTrackUnavailable):
        periods.school_periods(rt, school_id=sid, around=TODAY + timedelta(days=400))
