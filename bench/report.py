"""How much slower is the Subsidy Report than fetching its rows, and does it scale linearly?

Builds schools with two attendance records a day per child over one 14-day pay period
(300 children: 8,400 records; every child has authorized units, a tenth of them fewer
than they attend, so the report warns 14 times for each of those) in a temporary SQLite
database, or in ``ROLLCALL_DATABASE_URL`` when set (its rows are removed afterwards).
Then, in one run:

1. the median time of ``core.services.reports.school_report`` (the report as
   ``rollcall report`` and the preview show it: rows, errors, warnings, totals,
   ``can_submit``) over the median time of the bare SQL fetch of the same rows (target:
   3 or less); for context, the same with the fingerprint the Slack preview binds its
   Approve button to, and a fetch typed as aware datetimes;
2. the report's median time at 50, 100, 200 and 400 children, and the cost of each added
   child from 50 to 200 and from 200 to 400 (linear growth: about the same).

Every action runs from a collected heap with the garbage collector on, so each pays for
the collections its own objects cause.

    .venv/bin/python bench/report.py [--repeat 9] [--children 300]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.domain.pay_periods import PayPeriodCalendar
from core.services.periods import ASK_SPAN
from core.services.reports import school_report
from core.services.runtime import Runtime
from core.store.database import make_engine, migrate
from core.store.tables import AttendanceRecord, PayPeriodRow, Registration, School, Student

CALENDAR = PayPeriodCalendar(date(2026, 1, 4), 14)
PERIOD = CALENDAR.containing(date(2026, 11, 8))
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
TZ = ZoneInfo("America/Chicago")
TARGET_RATIO = 3.0
SCALES = (50, 100, 200, 400)
STAYS = ((wall(7, 30), wall(11, 30)), (wall(12, 0), wall(17, 15)))
"""Two records a day: morning and afternoon (a child who goes home for lunch)."""


class _NoKinderTrack:
    """The report never calls KinderTrack here: the provider's pay periods are cached."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the report should not call KinderTrack.{name}")


def build_school(engine: Engine, *, children: int, tag: str) -> int:
    """A registered school of ``children`` linked children, two records a day each."""
    name = f"Bench {tag} {children}"
    with Session(engine) as session:
        school = School(name=name, name_key=name.casefold(), timezone=TZ.key)
        session.add(school)
        session.flush()
        school_id = school.id or 0
        provider = f"{abs(hash((tag, children))) % 100000:05d}"
        session.add(
            Registration(
                school_id=school_id,
                provider_id=provider,
                provider_name=name,
                periods_from=PERIOD.start - ASK_SPAN,
                periods_to=PERIOD.start + ASK_SPAN,
                periods_checked_at=NOW,
            )
        )
        session.add(PayPeriodRow(school_id=school_id, start=PERIOD.start, end=PERIOD.end))
        pupils = [
            Student(
                school_id=school_id,
                name=f"Child {i:04d}",
                name_key=f"child {i:04d}",
                child_id=f"{100000 + i:06d}",
                birth_date=date(2022, 1, 1) + timedelta(days=i),
                units_per_day=1 if i % 10 == 0 else 2,  # a tenth warned every day
            )
            for i in range(children)
        ]
        session.add_all(pupils)
        session.flush()
        student_ids = [p.id for p in pupils]
        stamp = datetime.now(UTC)
        rows: list[dict[str, object]] = []
        for day in range(PERIOD.days):
            local_day = PERIOD.start + timedelta(days=day)
            for start, end in STAYS:
                check_in = datetime.combine(local_day, start, tzinfo=TZ).astimezone(UTC)
                check_out = datetime.combine(local_day, end, tzinfo=TZ).astimezone(UTC)
                rows.extend(
                    {
                        "school_id": school_id,
                        "student_id": sid,
                        "check_in": check_in,
                        "check_out": check_out,
                        "source": "bench",
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                    for sid in student_ids
                )
        session.execute(insert(AttendanceRecord), rows)
        session.commit()
    return school_id


def bare_fetch(engine: Engine, school_id: int) -> Callable[[], int]:
    """The same rows the report reads (a day either side of the period), by plain SQL."""
    lower = datetime.combine(PERIOD.start - timedelta(days=1), wall(0), tzinfo=TZ)
    upper = datetime.combine(PERIOD.end + timedelta(days=2), wall(0), tzinfo=TZ)
    params = {
        "school": school_id,
        "lower": lower.astimezone(UTC).replace(tzinfo=None),
        "upper": upper.astimezone(UTC).replace(tzinfo=None),
    }
    records = text(
        "SELECT id, student_id, check_in, check_out FROM attendance "
        "WHERE school_id = :school AND check_in >= :lower AND check_in < :upper"
    )
    students = text(
        "SELECT id, name, child_id, authorized_from, authorized_to, units_per_day, birth_date "
        "FROM student WHERE school_id = :school"
    )

    def fetch() -> int:
        with engine.connect() as connection:
            found = connection.execute(records, params).fetchall()
            connection.execute(students, {"school": school_id}).fetchall()
        return len(found)

    return fetch


def typed_fetch(engine: Engine, school_id: int) -> Callable[[], int]:
    """The same rows through SQLAlchemy Core with Rollcall's column types (aware datetimes):
    what any Python code needs before it can judge a record. For context only."""
    lower = datetime.combine(PERIOD.start - timedelta(days=1), wall(0), tzinfo=TZ)
    upper = datetime.combine(PERIOD.end + timedelta(days=2), wall(0), tzinfo=TZ)
    table = AttendanceRecord.__table__.c  # type: ignore[attr-defined]
    records = select(table.id, table.student_id, table.check_in, table.check_out).where(
        table.school_id == school_id, table.check_in >= lower, table.check_in < upper
    )

    def fetch() -> int:
        with engine.connect() as connection:
            return len(connection.execute(records).all())

    return fetch


def report_of(rt: Runtime, school_id: int) -> Callable[[], int]:
    def run() -> int:
        report = school_report(rt, school_id=school_id, start=PERIOD.start, end=PERIOD.end)
        assert report.can_submit, report.blocking_reasons
        return len(report.rows)

    return run


def preview_of(rt: Runtime, school_id: int) -> Callable[[], int]:
    """The report and its fingerprint: what the Slack preview computes (the Approve button
    is bound to the exact records seen)."""

    def run() -> int:
        report = school_report(rt, school_id=school_id, start=PERIOD.start, end=PERIOD.end)
        return len(report.fingerprint)

    return run


def medians_s(actions: dict[str, Callable[[], int]], repeat: int) -> dict[str, float]:
    """Median seconds of each action, measured side by side: every round runs each action
    once (in a rotating order), so a busy moment of the machine hits all of them alike.

    The garbage collector stays on, but each run starts from a collected heap: each action
    pays for the collections its own objects cause, not for those another left due."""
    for action in actions.values():
        action()  # warm up once, untimed (statement caches, pages)
    names = list(actions)
    timings: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeat):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            started = time.perf_counter()
            actions[name]()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in timings.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per measurement")
    parser.add_argument("--children", type=int, default=300, help="children in the ratio school")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rollcall-bench-") as tmp:
        url = os.environ.get("ROLLCALL_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate(engine)
        rt = Runtime(
            engine=engine,
            kindertrack=_NoKinderTrack(),
            calendar=CALENDAR,
            clock=lambda: NOW,
        )
        tag = uuid.uuid4().hex[:8]
        made: list[int] = []
        try:
            print(f"database: {engine.dialect.name}; period {PERIOD}; medians of {args.repeat}")
            started = time.perf_counter()
            school = build_school(engine, children=args.children, tag=tag)
            made.append(school)
            scaled = {n: build_school(engine, children=n, tag=tag) for n in SCALES}
            made.extend(scaled.values())
            records = args.children * PERIOD.days * len(STAYS)
            print(
                f"built {records:,} records for {args.children} children "
                f"(+ {sum(SCALES)} children for scaling) in {time.perf_counter() - started:.1f} s"
            )

            times = medians_s(
                {
                    "bare": bare_fetch(engine, school),
                    "typed": typed_fetch(engine, school),
                    "report": report_of(rt, school),
                    "preview": preview_of(rt, school),
                },
                args.repeat,
            )
            ratio = times["report"] / times["bare"]
            verdict = "OK" if ratio <= TARGET_RATIO else f"OVER the target of {TARGET_RATIO:g}"
            print()
            print(f"1. report vs bare SQL fetch ({args.children} children, {records:,} records)")
            print(f"   bare SQL fetch (driver rows)       {times['bare'] * 1000:8.1f} ms")
            print(f"   typed fetch (Core, aware instants) {times['typed'] * 1000:8.1f} ms")
            print(f"   school_report                      {times['report'] * 1000:8.1f} ms")
            print(f"   report / bare fetch  {ratio:6.2f}   (target <= {TARGET_RATIO:g}: {verdict})")
            print(f"   report / typed fetch {times['report'] / times['typed']:6.2f}   (context)")
            print(
                f"   report + fingerprint (the Slack preview) {times['preview'] * 1000:.1f} ms, "
                f"{times['preview'] / times['bare']:.2f} x the bare fetch (context)"
            )

            print()
            print("2. report time by school size (should grow linearly)")
            sized = medians_s(
                {str(n): report_of(rt, sid) for n, sid in scaled.items()}, args.repeat
            )
            print(f"   {'children':>8} {'records':>8} {'report ms':>10} {'per child ms':>13}")
            per_child = []
            for n in SCALES:
                seconds = sized[str(n)]
                per_child.append(seconds / n)
                print(
                    f"   {n:>8} {n * PERIOD.days * len(STAYS):>8,} {seconds * 1000:>10.1f} "
                    f"{seconds / n * 1000:>13.3f}"
                )
            spread = max(per_child) / min(per_child)
            print(f"   per-child time, largest / smallest: {spread:.2f} (fixed costs included)")
            # Linear growth: each added child costs the same, small school or large. The
            # cost per added child from 50 to 200 children against that from 200 to 400.
            low = (sized["200"] - sized["50"]) / 150
            high = (sized["400"] - sized["200"]) / 200
            growth = high / low
            shape = "linear" if 1 / 1.5 <= growth <= 1.5 else "NOT linear"
            print(
                f"   cost per added child: {low * 1000:.3f} ms (50 to 200), "
                f"{high * 1000:.3f} ms (200 to 400); ratio {growth:.2f} ({shape})"
            )
        finally:
            with engine.begin() as connection:
                for sid in made:
                    for table in ("attendance", "student", "registration", "audit", "school"):
                        key = "id" if table == "school" else "school_id"
                        connection.execute(
                            text(f"DELETE FROM {table} WHERE {key} = :school"), {"school": sid}
                        )
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
