"""Many schools' reports in a fixed number of queries: the same reports as the
single-school path, whatever the schools hold."""

from __future__ import annotations

import gc
import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from core.ports import ProviderInfo
from core.services import approvals, imports, reports, schools, sending, students, validation
from core.services.reports import ReportRequest
from core.services.runtime import Runtime
from tests.fakes import FakeKinderTrack
from tests.statements import statements

START, END = date(2026, 11, 8), date(2026, 11, 21)
ZONES = ["America/Chicago", "America/Denver", "Pacific/Honolulu", "Asia/Tokyo"]


def _stay(rng: random.Random, day: date, *, clean: bool) -> tuple[str, str]:
    """A stay as CSV times: mostly a normal day, sometimes (unless ``clean``) open, long,
    past midnight or over the next day's."""
    if clean:
        start = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
        return start.isoformat(timespec="minutes"), (start + timedelta(hours=8)).isoformat(
            timespec="minutes"
        )
    start = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randrange(0, 1440))
    kind = rng.random()
    if kind < 0.1:
        return start.isoformat(timespec="minutes"), ""
    length = timedelta(minutes=rng.randrange(30, 16 * 60 if kind < 0.3 else 9 * 60))
    return start.isoformat(timespec="minutes"), (start + length).isoformat(timespec="minutes")


def _school(rt: Runtime, kindertrack: FakeKinderTrack, rng: random.Random, n: int) -> int:
    """A school with its own zone, children (linked or not, some authorized only part of
    the period) and attendance from the day before the period to the day after it."""
    sid = schools.add_school(rt, name=f"School {n}", timezone=ZONES[n % len(ZONES)]).id or 0
    if n % 5 != 4:
        provider = f"{20000 + n}"
        kindertrack.providers[provider] = ProviderInfo(provider, f"School {n}", True)
        schools.register_provider(rt, school_id=sid, provider_id=provider, actor="t")
    names = [f"Child {n}-{k}" for k in range(3 if n == 0 else rng.randrange(0, 5))]
    for k, name in enumerate(names):
        students.add_student(
            rt,
            school_id=sid,
            name=name,
            child_id=f"{100000 + n * 10 + k}" if n == 0 or rng.random() < 0.8 else None,
            actor="t",
        )
    lines = [
        f"{name},{check_in},{check_out}"
        for name in names
        for offset in range(-1, (END - START).days + 2)
        if rng.random() < 0.6
        for check_in, check_out in [_stay(rng, START + timedelta(days=offset), clean=n == 0)]
    ]
    if lines:
        content = "student,check_in,check_out\n" + "\n".join(lines) + "\n"
        imports.import_csv(rt, school_id=sid, content=content, actor="t")
    return sid


@pytest.fixture
def many(rt: Runtime, fake_kindertrack: FakeKinderTrack) -> list[int]:
    rng = random.Random(12)
    return [_school(rt, fake_kindertrack, rng, n) for n in range(10)]


def test_the_batched_reports_equal_the_single_school_ones(
    rt: Runtime, db: Engine, many: list[int]
) -> None:
    view = approvals.approve(rt, school_id=many[0], start=START, end=END, approved_by="U1")
    sending.run_submission(rt, submission_id=view.id)
    requests = [ReportRequest(sid, START, END) for sid in many]
    requests[3] = ReportRequest(many[3], START - timedelta(days=14), END)  # a longer range

    batched = reports.school_reports(rt, requests)

    assert list(batched) == requests
    for request in requests:
        single = reports.school_report(
            rt, school_id=request.school_id, start=request.start, end=request.end
        )
        assert batched[request] == single, request
        assert batched[request].fingerprint == single.fingerprint
    assert batched[requests[0]].already_submitted
    assert sum(len(r.errors) for r in batched.values()) > 0  # the data has mistakes to judge
    assert sum(len(r.rows) for r in batched.values()) > 10


def test_the_number_of_queries_does_not_grow_with_the_schools(
    rt: Runtime, db: Engine, many: list[int]
) -> None:
    counts = []
    for chosen in (many[:2], many):
        with statements(db) as sent:
            reports.school_reports(rt, [ReportRequest(sid, START, END) for sid in chosen])
        counts.append([s for s in sent if s.lstrip().upper().startswith("SELECT")])
    assert len(counts[0]) == len(counts[1]) == 6, counts[1]  # + pay periods, days away


def test_a_school_that_no_longer_exists_is_left_out_and_one_school_may_ask_twice(
    rt: Runtime, many: list[int]
) -> None:
    closing = ReportRequest(many[1], END + timedelta(days=1), END + timedelta(days=14))
    closed = ReportRequest(many[1], START, END)
    found = reports.school_reports(rt, [closed, ReportRequest(999_999, START, END), closing])
    assert list(found) == [closed, closing]
    for request in (closed, closing):
        assert found[request] == reports.school_report(
            rt, school_id=many[1], start=request.start, end=request.end
        )


def test_the_statewide_check_gives_each_schools_verdict_batch_by_batch(
    rt: Runtime, db: Engine, many: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given ten schools read three at a time, one of them already submitted
    monkeypatch.setattr(validation, "BATCH_SCHOOLS", 3)
    view = approvals.approve(rt, school_id=many[0], start=START, end=END, approved_by="U1")
    sending.run_submission(rt, submission_id=view.id)

    # When every school is checked
    with statements(db) as sent:
        checked = list(validation.check_schools(rt, start=START, end=END))

    # Then each verdict is what the school's own report says, in ID order
    assert [c.school_id for c in checked] == sorted(many)
    for verdict in checked:
        single = reports.school_report(rt, school_id=verdict.school_id, start=START, end=END)
        assert (verdict.school, verdict.provider_status, verdict.can_submit) == (
            single.school,
            single.provider_status,
            single.can_submit,
        )
        assert (verdict.already_submitted, verdict.errors, verdict.warnings) == (
            single.already_submitted,
            len(single.errors),
            len(single.warnings),
        )
    assert checked[0].already_submitted and sum(c.errors for c in checked) > 0
    # and the reads are the school IDs, then at most six per batch of three (a batch of
    # unregistered schools has no pay periods to read)
    selects = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    assert 1 + 4 * 5 <= len(selects) <= 1 + 4 * 6, selects


def test_collections_are_paused_only_while_a_batch_is_judged() -> None:
    assert gc.isenabled()
    with validation.collections_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with validation.collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
