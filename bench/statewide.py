"""A whole state in one deployment: does every school's validation, the reminder pass and
the cost per school stay flat from 100 to 3,500 schools?

Builds N schools (7 linked children, 14 days of attendance each: one closed pay period)
in a temporary SQLite database, or in ``ROLLCALL_DATABASE_URL`` (emptied first: give it
a database of its own), each school's attendance through Rollcall's own CSV import
(``core.services.imports.import_csv``). Then prints, measured in the same run:

1. every school's report (the statewide validation, ``rollcall check``): batched
   (``check_schools``, a fixed number of queries per 500 schools, only a verdict kept of
   each report) against one ``school_report`` per school,
   in one thread, and the batched one split over two processes (two cores);
2. the batched validation's cost per school at each size from 100 to N, and the growth
   ratio (cost per school at N over the cost at 100; flat is 1.0);
3. the reminder pass end to end: the set-based scan, the batches claimed, previews read
   together and delivered through ``SlackNotifier`` to the local Slack stand-in (real
   HTTP), by ``--reminder-processes`` worker processes of ``--threads`` threads each
   (``rollcall worker``'s defaults: 2 x 8); the Redis hop of each batch is not included.
   Twice, each by fresh worker processes: cold (no DM channel or locale remembered)
   and then as every later pay period's pass (remembered in the database), with the
   Slack calls and CPU seconds of each; the target is judged on the second.

Targets (issue 12, at 3,500 schools on PostgreSQL): validation 3 s or less on 2 cores,
the reminder pass 20 s or less, growth ratio 1.2 or less, submissions within 1.5x the
floor at 32-way concurrency.

    .venv/bin/python bench/statewide.py [--schools 3500] [--threads 8] [--reminder-processes 2]
        [--quick]
        [--concurrency 32] [--latency-ms 200] [--reuse] [--only validation|reminders|submissions]
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.notifier import SlackNotifier
from core.domain.pay_periods import PayPeriodCalendar
from core.domain.submission import SubmissionState
from core.ports import KinderTrack
from core.services import approvals, imports, sending
from core.services.periods import ASK_SPAN
from core.services.reminder_delivery import deliver_reminders
from core.services.reminders import DueReminder, due_reminders
from core.services.reports import school_report
from core.services.runtime import Runtime
from core.services.validation import check_schools
from core.store.database import make_engine, migrate
from core.store.tables import Director, PayPeriodRow, Registration, School, Student
from kindertrack.client import HttpKinderTrack
from kindertrack.sandbox.server import start_in_thread
from standins.slack_web_api import SlackStandin

CALENDAR = PayPeriodCalendar(date(2026, 1, 4), 14)
CLOSED = CALENDAR.containing(date(2026, 11, 8))
CURRENT = CALENDAR.containing(date(2026, 11, 22))
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
TZ = ZoneInfo("America/Chicago")
TEAM, TOKEN = "T0BENCH", "xoxb-bench"
CHILDREN = 7
SIZES = (100, 500, 1000, 2000, 3500)
BATCH = 50
"""Schools per reminder message (``workers.actors.REMINDER_BATCH``)."""
TARGETS = {"validation_s": 3.0, "reminders_s": 20.0, "growth": 1.2, "floor_ratio": 1.5}
API_KEY = "sandbox-key"


class _NoKinderTrack:
    """Nothing here calls KinderTrack: every provider's pay periods are cached."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the bench should not call KinderTrack.{name}")


def runtime(engine: Engine) -> Runtime:
    return Runtime(
        engine=engine,
        kindertrack=_NoKinderTrack(),
        calendar=CALENDAR,
        clock=lambda: NOW,
    )


def _csv(names: Sequence[str]) -> str:
    rows = [
        f"{name},{day.isoformat()}T07:45,{day.isoformat()}T16:30"
        for offset in range(CLOSED.days)
        for day in [CLOSED.start + timedelta(days=offset)]
        for name in names
    ]
    return "student,check_in,check_out\n" + "\n".join(rows) + "\n"


def build(rt: Runtime, count: int, threads: int) -> list[int]:
    """``count`` registered schools, each with a director, linked children and a pay
    period of attendance imported from CSV (``threads`` schools at a time)."""
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda n: _build_school(rt, n), range(count)))


def _build_school(rt: Runtime, n: int) -> int:
    """One school: its rows, then its attendance imported from CSV."""
    names = [f"Child {k}" for k in range(CHILDREN)]
    with Session(rt.engine) as session:
        school = School(
            team_id=TEAM, name=f"School {n:04d}", name_key=f"school {n:04d}", timezone=TZ.key
        )
        session.add(school)
        session.flush()
        sid = school.id or 0
        session.add(
            Registration(
                school_id=sid,
                provider_id=f"{10000 + n:05d}",
                provider_name=school.name,
                periods_from=CLOSED.start - ASK_SPAN,
                periods_to=CLOSED.start + ASK_SPAN,
                periods_checked_at=NOW,
            )
        )
        for period in (CLOSED, CURRENT):
            session.add(PayPeriodRow(school_id=sid, start=period.start, end=period.end))
        session.add(Director(school_id=sid, user_id=f"U{n:05d}"))
        session.add_all(
            Student(
                school_id=sid,
                name=name,
                name_key=name.casefold(),
                child_id=f"{100000 + n * 10 + k:06d}",
            )
            for k, name in enumerate(names)
        )
        session.commit()
    imports.import_csv(rt, school_id=sid, content=_csv(names), actor="bench")
    return sid


class Timing(NamedTuple):
    """Median seconds of a run: on the wall clock, and of this process's CPU (on a shared
    machine the second moves less with the load; the database's own time is not in it)."""

    wall: float
    cpu: float


def timed(action: Callable[[], object], repeat: int) -> Timing:
    """Median seconds of ``action`` over ``repeat`` runs, each from a collected heap."""
    return timed_side_by_side({0: action}, repeat)[0]


def timed_side_by_side(actions: dict[int, Callable[[], object]], repeat: int) -> dict[int, Timing]:
    """:func:`timed` for several actions, run in rounds (each action once a round) rather
    than one after the other: a machine that slows down midway slows every action alike
    instead of showing as growth in the last ones."""
    for action in actions.values():
        action()  # warm up (statement caches, pages)
    walls: dict[int, list[float]] = {key: [] for key in actions}
    cpus: dict[int, list[float]] = {key: [] for key in actions}
    for _ in range(repeat):
        for key, action in actions.items():
            gc.collect()
            start, cpu = time.perf_counter(), time.process_time()
            action()
            walls[key].append(time.perf_counter() - start)
            cpus[key].append(time.process_time() - cpu)
    return {
        key: Timing(statistics.median(walls[key]), statistics.median(cpus[key])) for key in actions
    }


def batched(rt: Runtime, ids: Sequence[int]) -> int:
    """The statewide check (``rollcall check``) of these schools."""
    checked = list(check_schools(rt, start=CLOSED.start, end=CLOSED.end, school_ids=ids))
    assert len(checked) == len(ids) and all(c.can_submit for c in checked)
    return len(checked)


def one_by_one(rt: Runtime, ids: Sequence[int]) -> int:
    for sid in ids:
        report = school_report(rt, school_id=sid, start=CLOSED.start, end=CLOSED.end)
        assert report.can_submit
    return len(ids)


_process_rt: Runtime | None = None


def _process_init(url: str) -> None:
    global _process_rt
    _process_rt = runtime(make_engine(url))


def _process_validate(ids: list[int]) -> int:
    assert _process_rt is not None
    return batched(_process_rt, ids)


def two_cores(pool: ProcessPoolExecutor, ids: Sequence[int]) -> int:
    half = len(ids) // 2
    return sum(pool.map(_process_validate, [list(ids[:half]), list(ids[half:])]))


class PassResult(NamedTuple):
    """One reminder pass: seconds on the wall clock and of this process's CPU, reminders
    delivered, and the Slack calls it made (with the stand-in's CPU seconds)."""

    wall: float
    cpu: float
    delivered: int
    calls: dict[str, float]


def _reminding_worker(connection: Connection, url: str, api_url: str, threads: int) -> None:
    """One worker process as ``rollcall worker`` runs the reminders queue: its own engine
    sized to its threads, a ``SlackNotifier`` with nothing of Slack in memory, JSON logs
    at INFO (to /dev/null), ``threads`` threads taking batches. Says ready, takes its
    share of the batches, answers (CPU seconds, reminders delivered) and closes."""
    from rollcall.bootstrap import pool_options
    from workers.logging import configure_logging

    with open(os.devnull, "w", encoding="utf-8") as devnull:
        configure_logging(stream=devnull)
        engine = make_engine(url, **pool_options(url, threads))
        rt = runtime(engine)
        rt.notifier = SlackNotifier(
            token_for_team=lambda team: TOKEN, base_url=api_url, runtime=lambda: rt
        )
        connection.send("ready")
        batches: list[list[DueReminder]] = connection.recv()
        cpu = time.process_time()
        with ThreadPoolExecutor(threads) as pool:
            delivered = sum(
                len(sent) for sent in pool.map(lambda b: deliver_reminders(rt, b), batches)
            )
        connection.send((time.process_time() - cpu, delivered))
        engine.dispose()


def start_workers(
    target: Callable[..., None], arguments: Sequence[tuple[Any, ...]]
) -> tuple[list[Connection], list[multiprocessing.process.BaseProcess]]:
    """One fresh (spawned) process per item of ``arguments``, each running ``target`` with
    its end of a pipe first; returns once every one has said it is ready."""
    context = multiprocessing.get_context("spawn")
    pipes: list[Connection] = []
    workers: list[multiprocessing.process.BaseProcess] = []
    for args in arguments:
        ours, theirs = context.Pipe()
        worker = context.Process(target=target, args=(theirs, *args), daemon=True)
        worker.start()
        pipes.append(ours)
        workers.append(worker)
    for pipe in pipes:
        assert pipe.recv() == "ready"
    return pipes, workers


def reminder_pass(
    rt: Runtime,
    api_url: str,
    processes: int,
    threads: int,
    counts: Callable[[], dict[str, float]],
    *,
    cold: bool,
) -> PassResult:
    """One pass with every reminder due again: the scan here (the scheduler's fan-out
    actor), the batches dealt round ``processes`` fresh worker processes of ``threads``
    threads (the GIL is per process, so one process would measure it); ``cold`` also
    forgets what Slack told about the directors."""
    with Session(rt.engine) as session:
        session.execute(text("DELETE FROM reminder"))
        session.execute(text("DELETE FROM slack_message"))
        if cold:
            session.execute(text("DELETE FROM slack_user"))
        session.commit()
    url = rt.engine.url.render_as_string(hide_password=False)
    pipes, workers = start_workers(
        _reminding_worker, [(url, api_url, threads) for _ in range(processes)]
    )
    before = counts()
    start, cpu = time.perf_counter(), time.process_time()
    due = due_reminders(rt)
    batches: list[list[DueReminder]] = [due[i : i + BATCH] for i in range(0, len(due), BATCH)]
    for n, pipe in enumerate(pipes):
        pipe.send(batches[n::processes])
    answers = [pipe.recv() for pipe in pipes]
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = counts()
    for worker in workers:
        worker.join(timeout=30)
    return PassResult(
        elapsed,
        cpu + sum(spent for spent, _ in answers),
        sum(done for _, done in answers),
        {k: after[k] - before[k] for k in after},
    )


SLACK_METHODS = ("chat.postMessage", "conversations.open", "users.info")


def _serve_standin(connection: Connection) -> None:
    """The Slack stand-in in a process of its own, as Slack's servers are: in the bench's
    process its HTTP handling would take the GIL from the pass it measures. Sends its
    address, then answers each "count" with the calls of each method so far and its own
    CPU seconds (``cpu``), until "done"."""
    with SlackStandin(team_id=TEAM) as standin:
        connection.send(standin.api_url)
        while connection.recv() == "count":
            calls: dict[str, float] = {m: len(standin.calls_for(m)) for m in SLACK_METHODS}
            connection.send({**calls, "cpu": time.process_time()})


@contextmanager
def standin_process() -> Iterator[tuple[str, Callable[[], dict[str, float]]]]:
    """The stand-in's Web API address, and a function answering its counts so far."""
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_standin, args=(theirs,), daemon=True
    )
    process.start()

    def counts() -> dict[str, float]:
        ours.send("count")
        answer: dict[str, float] = ours.recv()
        return answer

    try:
        yield str(ours.recv()), counts
    finally:
        ours.send("done")
        process.join(timeout=10)


def write_seed(path: Path, count: int) -> None:
    """A sandbox seed with the bench's providers and children (no link codes: every
    provider has authorized the vendor key)."""
    seed = {
        "api_key": API_KEY,
        "timezone": TZ.key,
        "pay_periods": {"anchor": CALENDAR.anchor.isoformat(), "length_days": CALENDAR.length_days},
        "providers": [
            {"provider_id": f"{10000 + n:05d}", "name": f"School {n:04d}", "status": "active"}
            for n in range(count)
        ],
        "children": [
            {
                "child_id": f"{100000 + n * 10 + k:06d}",
                "provider_id": f"{10000 + n:05d}",
                "first_name": "Child",
                "last_name": str(k),
                "authorized_from": "2026-01-01",
                "authorized_to": "2026-12-31",
            }
            for n in range(count)
            for k in range(CHILDREN)
        ],
    }
    path.write_text(json.dumps(seed), encoding="utf-8")


def _serve_sandbox(connection: Connection, seed: Path, latency_ms: int) -> None:
    """The KinderTrack sandbox in a process of its own, as KinderTrack is: in the bench's
    process its HTTP handling would take the GIL from the submissions it measures. Sends
    its address, answers ``"cpu"`` with its CPU seconds so far, serves until ``"stop"``."""
    with start_in_thread(seed, latency_ms=latency_ms) as sandbox:
        connection.send(sandbox.url)
        while connection.recv() == "cpu":
            connection.send(time.process_time())


@contextmanager
def sandbox_process(seed: Path, latency_ms: int) -> Iterator[tuple[str, Callable[[], float]]]:
    """The sandbox's address, and a function that answers its CPU seconds so far, serving
    ``seed`` at ``latency_ms`` until the block ends."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve_sandbox, args=(theirs, seed, latency_ms), daemon=True)
    process.start()

    def cpu() -> float:
        ours.send("cpu")
        return float(ours.recv())

    try:
        yield str(ours.recv()), cpu
    finally:
        ours.send("stop")
        process.join(timeout=10)


SUBMITTER = "rollcall-bench-submitter"
"""The PostgreSQL ``application_name`` of the submitting processes' connections, so that
their backends' CPU can be found in ``pg_stat_activity``."""


class SubmissionRun(NamedTuple):
    """One pass of submissions: wall seconds, how many were submitted, and CPU seconds
    of the worker processes, the sandbox and the worker processes' PostgreSQL backends
    (None when the backends cannot be read: SQLite, or a server on another host)."""

    wall: float
    submitted: int
    workers_cpu: float
    sandbox_cpu: float
    database_cpu: float | None


def _submitting_worker(
    connection: Connection, url: str, sandbox_url: str, threads: int, submission_ids: list[int]
) -> None:
    """One worker process as ``rollcall worker --submissions`` runs it: its own engine
    sized to its threads (``rollcall.bootstrap.pool_options``), one KinderTrack client
    timed for the metrics, JSON logs at INFO (written to /dev/null), ``threads`` threads
    taking submissions. Says ready, waits for the start, answers (CPU seconds, submitted),
    then waits to be told to close (its backends are read before they go)."""
    from rollcall.bootstrap import pool_options
    from workers.logging import configure_logging
    from workers.metrics import MeteredKinderTrack

    with open(os.devnull, "w", encoding="utf-8") as devnull:
        configure_logging(stream=devnull)
        options = pool_options(url, threads)
        if make_url(url).get_backend_name() == "postgresql":
            options["connect_args"] = {"application_name": SUBMITTER}
        engine = make_engine(url, **options)
        client = HttpKinderTrack(base_url=sandbox_url, api_key=API_KEY)
        rt = Runtime(
            engine=engine,
            kindertrack=cast(KinderTrack, MeteredKinderTrack(client)),
            calendar=CALENDAR,
            clock=lambda: NOW,
        )
        connection.send("ready")
        connection.recv()
        cpu = time.process_time()
        with ThreadPoolExecutor(threads) as pool:
            results = list(
                pool.map(lambda i: sending.run_submission(rt, submission_id=i), submission_ids)
            )
        cpu = time.process_time() - cpu
        submitted = sum(r.submission.state is SubmissionState.SUBMITTED for r in results)
        connection.send((cpu, submitted))
        connection.recv()
        engine.dispose()
        client.close()


def _backends_cpu(engine: Engine) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the submitting processes,
    read from /proc (empty when the server is not on this host)."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
            {"name": SUBMITTER},
        ).scalars()
        found: dict[int, float] = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return found


def submissions_pace(
    url: str,
    ids: Sequence[int],
    *,
    concurrency: int,
    processes: int,
    latency_ms: int,
    folder: Path,
) -> SubmissionRun:
    """Submit every school's closed period to the sandbox at ``latency_ms`` as the
    submissions worker does: ``processes`` processes of ``concurrency / processes``
    threads each, every process with its own engine and KinderTrack client (the GIL is
    per process). The schools are dealt round the processes."""
    seed = folder / "seed.json"
    write_seed(seed, len(ids))
    threads = max(concurrency // processes, 1)
    with sandbox_process(seed, latency_ms) as (sandbox_url, sandbox_cpu):
        client = HttpKinderTrack(base_url=sandbox_url, api_key=API_KEY)
        engine = make_engine(url, pool_size=10, max_overflow=4)
        rt = Runtime(engine=engine, kindertrack=client, calendar=CALENDAR, clock=lambda: NOW)
        with ThreadPoolExecutor(8) as pool:
            approved = list(
                pool.map(
                    lambda sid: (
                        approvals.approve(
                            rt, school_id=sid, start=CLOSED.start, end=CLOSED.end, approved_by="UB"
                        ).id
                    ),
                    ids,
                )
            )
        _vacuum(engine, ("submission",))
        pipes, workers = start_workers(
            _submitting_worker,
            [(url, sandbox_url, threads, approved[n::processes]) for n in range(processes)],
        )
        backends, sandbox_before = _backends_cpu(engine), sandbox_cpu()
        start = time.perf_counter()
        for pipe in pipes:
            pipe.send("go")
        answers = [pipe.recv() for pipe in pipes]
        elapsed = time.perf_counter() - start
        sandbox_spent = sandbox_cpu() - sandbox_before
        after = _backends_cpu(engine)
        for pipe in pipes:
            pipe.send("close")
        for worker in workers:
            worker.join(timeout=30)
        engine.dispose()
        client.close()
    database = (
        sum(spent - backends.get(pid, 0.0) for pid, spent in after.items()) if after else None
    )
    return SubmissionRun(
        wall=elapsed,
        submitted=sum(done for _cpu, done in answers),
        workers_cpu=sum(cpu for cpu, _done in answers),
        sandbox_cpu=sandbox_spent,
        database_cpu=database,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--schools", type=int, default=3500)
    parser.add_argument(
        "--threads", type=int, default=8, help="threads of each reminder worker process"
    )
    parser.add_argument(
        "--reminder-processes",
        type=int,
        default=2,
        help="reminder worker processes (rollcall worker's default)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sample", type=int, default=500, help="schools timed one report at a time"
    )
    parser.add_argument("--quick", action="store_true", help="100 schools, one repeat (CI)")
    parser.add_argument("--concurrency", type=int, default=32, help="submission threads")
    parser.add_argument(
        "--processes", type=int, default=2, help="submission worker processes (rollcall worker)"
    )
    parser.add_argument("--latency-ms", type=int, default=200, help="the sandbox's latency")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the schools a previous run built (same N)"
    )
    parser.add_argument(
        "--only", choices=["validation", "reminders", "submissions"], action="append"
    )
    args = parser.parse_args(argv)
    count, repeat = (100, 1) if args.quick else (args.schools, args.repeat)
    sizes = sorted({size for size in SIZES if size < count} | {count})

    url = os.environ.get("ROLLCALL_DATABASE_URL")
    folder = tempfile.TemporaryDirectory(prefix="rollcall-statewide-")
    url = url or f"sqlite:///{folder.name}/bench.db"
    engine = make_engine(url, pool_size=args.threads + 2, max_overflow=4)
    if engine.dialect.name == "sqlite":
        engine = make_engine(url)
    migrate(engine)
    rt = runtime(engine)
    print(f"database: {engine.dialect.name}; load average at start: {os.getloadavg()}")
    sections = set(args.only or ["validation", "reminders", "submissions"])
    with Session(engine) as session:
        ids = [i or 0 for i in session.exec(select(School.id).order_by(col(School.id))).all()]
    if args.reuse and len(ids) == count:
        print(f"reusing the {count} schools already built")
        _reset_submissions(engine)
    else:
        _empty(engine)
        start = time.perf_counter()
        ids = build(rt, count, 1 if engine.dialect.name == "sqlite" else args.threads)
        built = time.perf_counter() - start
        _vacuum(engine)
        records = count * CHILDREN * CLOSED.days
        print(
            f"built {count} schools x {CHILDREN} children x {CLOSED.days} days"
            f" ({records:,} records) through the CSV import in {built:.1f} s"
            f" ({built / count * 1000:.1f} ms a school)"
        )
    if "validation" in sections:
        validation(rt, url, ids, sizes, repeat, args.sample)
    if "reminders" in sections:
        reminders(rt, count, args.reminder_processes, args.threads)
    if "submissions" in sections:
        submissions_section(url, ids, args, Path(folder.name))
    print(f"\nload average at the end: {os.getloadavg()}")
    engine.dispose()
    folder.cleanup()
    return 0


def validation(
    rt: Runtime, url: str, ids: list[int], sizes: list[int], repeat: int, sample_size: int
) -> None:
    count = len(ids)

    print("\n1. every school's report (statewide validation)")
    sample = ids[: min(count, sample_size)]
    per_school = timed(lambda: one_by_one(rt, sample), 1).wall * count / len(sample)
    one_thread = timed(lambda: batched(rt, ids), repeat)
    with ProcessPoolExecutor(2, initializer=_process_init, initargs=(url,)) as pool:
        two = timed(lambda: two_cores(pool, ids), repeat).wall
    print(
        f"   one report per school, 1 thread : {per_school:8.2f} s"
        + (f"   (measured on {len(sample)} schools, scaled)" if len(sample) < count else "")
    )
    print(
        f"   batched, 1 thread               : {one_thread.wall:8.2f} s"
        f"   ({per_school / one_thread.wall:.1f}x faster; {one_thread.cpu:.2f} CPU-s)"
    )
    print(
        f"   batched, 2 processes            : {two:8.2f} s"
        f"   target <= {TARGETS['validation_s']} s: {_verdict(two <= TARGETS['validation_s'])}"
    )

    print("\n2. batched validation: cost per school by size (sizes measured in turn, each round)")
    costs = timed_side_by_side({size: partial(batched, rt, ids[:size]) for size in sizes}, repeat)
    for size, cost in costs.items():
        print(
            f"   {size:5d} schools: {cost.wall / size * 1000:6.3f} ms a school"
            f" ({cost.cpu / size * 1000:6.3f} CPU-ms)"
        )
    first, last = costs[sizes[0]], costs[sizes[-1]]
    growth = (last.wall / sizes[-1]) / (first.wall / sizes[0])
    print(
        f"   growth ratio ({sizes[-1]} vs {sizes[0]}): {growth:.2f}"
        f" (CPU: {(last.cpu / sizes[-1]) / (first.cpu / sizes[0]):.2f})"
        f"   target <= {TARGETS['growth']}: {_verdict(growth <= TARGETS['growth'])}"
    )


def reminders(rt: Runtime, count: int, processes: int, threads: int) -> None:
    print(
        "\n3. the reminder pass, end to end through the Slack stand-in"
        f" ({processes} worker processes x {threads} threads)"
    )
    with standin_process() as (api_url, counts):
        cold = reminder_pass(rt, api_url, processes, threads, counts, cold=True)
        warm = reminder_pass(rt, api_url, processes, threads, counts, cold=False)
    target = TARGETS["reminders_s"]
    for label, run in (("cold (nothing remembered)", cold), ("warm (every later pass) ", warm)):
        posted = run.calls["chat.postMessage"]
        assert run.delivered == count and posted == count, (label, run.delivered, posted)
        made = sum(run.calls[m] for m in SLACK_METHODS)
        print(
            f"   {label}: {run.delivered} reminders in {run.wall:6.2f} s ({run.cpu:.2f} CPU-s,"
            f" {run.cpu / run.delivered * 1000:.2f} CPU-ms a reminder; the stand-in"
            f" {run.calls['cpu']:.2f} CPU-s); Slack calls {made:.0f}"
            f" ({made / run.delivered:.2f} a reminder: {posted:.0f} messages,"
            f" {run.calls['conversations.open']:.0f} DMs opened,"
            f" {run.calls['users.info']:.0f} locales asked)"
            + (f"   target <= {target} s: {_verdict(run.wall <= target)}" if run is warm else "")
        )


def submissions_section(url: str, ids: list[int], args: argparse.Namespace, folder: Path) -> None:
    threads = max(args.concurrency // args.processes, 1)
    concurrency = threads * args.processes
    print(
        f"\n4. submissions: {concurrency} at a time ({args.processes} worker processes x"
        f" {threads} threads), the sandbox at {args.latency_ms} ms"
    )
    run = submissions_pace(
        url,
        ids,
        concurrency=concurrency,
        processes=args.processes,
        latency_ms=args.latency_ms,
        folder=folder,
    )
    assert run.submitted == len(ids), (run.submitted, len(ids))
    done, elapsed = run.submitted, run.wall
    floor = len(ids) * args.latency_ms / 1000 / concurrency
    print(
        f"   {done} submitted in {elapsed:.2f} s ({done / elapsed:.1f}/s); floor"
        f" {floor:.2f} s (schools x latency / concurrency): {elapsed / floor:.2f}x the floor"
        f"   target <= {TARGETS['floor_ratio']}x:"
        f" {_verdict(elapsed / floor <= TARGETS['floor_ratio'])}"
    )
    database = run.database_cpu
    total = run.workers_cpu + run.sandbox_cpu + (database or 0.0)
    cores = os.cpu_count() or 1
    print(
        f"   CPU a submission: workers {run.workers_cpu / done * 1000:.1f} ms, sandbox"
        f" {run.sandbox_cpu / done * 1000:.1f} ms, PostgreSQL backends "
        + (f"{database / done * 1000:.1f} ms" if database is not None else "not read")
        + f"; {total / done * 1000:.1f} CPU-ms in all ({total:.1f} CPU-s)"
    )
    print(
        f"   on a quiet machine: at least {max(floor, total / cores):.2f} s"
        f" (the floor, or this CPU spread over {cores} cores):"
        f" {max(floor, total / cores) / floor:.2f}x the floor"
    )


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _reset_submissions(engine: Engine) -> None:
    """A rerun on the same schools starts with no submission and no reminder."""
    tables = ("submission", "reminder", "slack_message")
    with engine.begin() as connection:
        for table in tables:
            connection.execute(text(f"DELETE FROM {table}"))
    _vacuum(engine, tables)


def _vacuum(engine: Engine, tables: Sequence[str] = ()) -> None:
    """What PostgreSQL's autovacuum does between runs in production, done now: a server
    run with it off (this machine's) would otherwise measure each rerun on the dead rows
    of the ones before (a submission row is written three times) and plan every query
    without statistics. Nothing to do on SQLite."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM ANALYZE {', '.join(tables)}"))


def _empty(engine: Engine) -> None:
    """Start from empty tables (the bench's database is its own)."""
    import core.store.tables  # noqa: F401

    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


if __name__ == "__main__":
    raise SystemExit(main())
