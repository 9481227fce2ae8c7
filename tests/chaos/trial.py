"""One chaos trial: plan it from a seed, run it as real processes, fault it, quiesce it,
and judge it against the sandbox's own records.

Timings are shortened so a trial takes seconds: a 3 s submission lease, a 2 s KinderTrack
deadline, the sweep every second, an approved submission re-driven after 3 s idle, a
scheduler lock of 2 s. Everything else runs as deployed.
"""

from __future__ import annotations

import json
import random
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from core.domain.pay_periods import PayPeriodCalendar
from core.domain.submission import canonical_records
from core.services import imports, reports, schools, students
from core.services.runtime import Runtime
from core.store.database import make_engine, migrate
from core.store.tables import Submission
from kindertrack.client import HttpKinderTrack
from tests.chaos.checker import Held, Period, Records, Row, check
from tests.chaos.cluster import (
    ROLLCALL,
    PortLease,
    Proc,
    dead_letters,
    start_redis,
    wait_for_port,
    wait_for_redis,
)

API_KEY = "chaos-key"
ANCHOR = date(2026, 1, 4)
PERIODS = [(date(2026, 10, 25), date(2026, 11, 7)), (date(2026, 11, 8), date(2026, 11, 21))]
PROVIDERS = ["11111", "22222", "33333"]
LEASE_S = 3
QUIESCE_S = 60.0
COMMAND_TIMEOUT_S = 45.0
FAULTS = ("kill-worker", "stop-worker", "kill-redis", "kill-sandbox", "kill-scheduler")


@dataclass
class Plan:
    """What one trial does, all drawn from its seed."""

    schools: int
    periods: list[tuple[int, date, date]]
    workers: int
    schedulers: int
    ignore_key: bool
    latency_ms: int
    jitter_ms: int
    fail_rate: float
    drop_rate: float
    commands: list[tuple[float, int, date, date, str]]
    faults: list[tuple[float, str]]
    sandbox_seed: int

    @classmethod
    def draw(cls, rng: random.Random) -> Plan:
        school_count = rng.randint(1, 3)
        every = [(school, start, end) for school in range(school_count) for start, end in PERIODS]
        # 1-3 periods to submit, 1-2 concurrent commands each: every process start costs a
        # second of CPU, and a trial must take seconds.
        periods = sorted(rng.sample(every, rng.randint(1, min(3, len(every)))))
        commands = [
            (round(rng.uniform(0, 1.5), 2), school, start, end, rng.choice(["async", "yes"]))
            for school, start, end in periods
            for _ in range(rng.randint(1, 2))
        ]
        schedulers = rng.randint(0, 2)
        kinds = [k for k in FAULTS if k != "kill-scheduler" or schedulers]
        faults = sorted(
            (round(rng.uniform(0.2, 4.0), 2), rng.choice(kinds)) for _ in range(rng.randint(1, 3))
        )
        return cls(
            schools=school_count,
            periods=periods,
            workers=rng.randint(1, 3),
            schedulers=schedulers,
            ignore_key=rng.random() < 0.5,
            latency_ms=rng.randint(0, 300),
            jitter_ms=rng.randint(0, 300),
            fail_rate=round(rng.uniform(0, 0.3), 2),
            drop_rate=round(rng.uniform(0, 0.5), 2),
            commands=sorted(commands),
            faults=faults,
            sandbox_seed=rng.randrange(2**31),
        )

    def describe(self) -> str:
        kinds = [kind for *_, kind in self.commands]
        return (
            f"schools={self.schools} periods={len(self.periods)} workers={self.workers} "
            f"schedulers={self.schedulers} key={'ignored' if self.ignore_key else 'honoured'} "
            f"latency={self.latency_ms}+{self.jitter_ms}ms 503={self.fail_rate} "
            f"drop={self.drop_rate} submit=async:{kinds.count('async')}/yes:{kinds.count('yes')}"
        )


@dataclass
class TrialResult:
    index: int
    ok: bool
    line: str
    problems: list[str] = field(default_factory=list)


def _seed_file(path: Path) -> None:
    providers = [
        {"provider_id": pid, "name": f"Chaos Center {n + 1}", "status": "active"}
        for n, pid in enumerate(PROVIDERS)
    ]
    children = [
        {
            "child_id": f"{pid[0]}0000{c}",
            "provider_id": pid,
            "first_name": f"Child{c}",
            "last_name": f"Of{pid}",
            "authorized_from": "2026-01-01",
            "authorized_to": "2026-12-31",
        }
        for pid in PROVIDERS
        for c in (1, 2)
    ]
    seed = {
        "api_key": API_KEY,
        "pay_periods": {"anchor": ANCHOR.isoformat(), "length_days": 14},
        "providers": providers,
        "children": children,
    }
    path.write_text(json.dumps(seed), encoding="utf-8")


def _attendance_csv(rng: random.Random, pid: str) -> str:
    lines = ["student,check_in,check_out"]
    for start, _end in PERIODS:
        for c in (1, 2):
            for day in rng.sample(range(1, 12), 3):
                when = start + timedelta(days=day)
                arrive = rng.randint(7, 9)
                minutes = rng.choice(["00", "15", "30", "45"])
                leave = arrive + rng.randint(3, 8)
                lines.append(
                    f"Child{c} Of{pid},{when}T{arrive:02d}:{minutes},{when}T{leave:02d}:{minutes}"
                )
    return "\n".join(lines) + "\n"


class _Database:
    """A fresh database for one trial: a SQLite file, or a PostgreSQL database made and
    dropped on the given server."""

    def __init__(self, backend: str, directory: Path, postgres_url: str) -> None:
        self._admin: Engine | None = None
        self._name = ""
        if backend == "postgres":
            self._name = f"rollcall_chaos_{uuid.uuid4().hex[:10]}"
            self._admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
            with self._admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self._name}"'))
            url = make_url(postgres_url).set(database=self._name)
            self.url = url.render_as_string(hide_password=False)
        else:
            self.url = f"sqlite:///{directory / 'rollcall.db'}"
        self.engine = make_engine(self.url)
        migrate(self.engine)

    def drop(self) -> None:
        self.engine.dispose()
        if self._admin is not None:
            with self._admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))
            self._admin.dispose()


class Trial:
    def __init__(self, index: int, seed: int, backend: str, root: Path, postgres_url: str) -> None:
        self.index = index
        self.rng = random.Random(f"{seed}:{index}")
        self.plan = Plan.draw(self.rng)
        self.backend = backend
        self.dir = root / f"trial-{index:04d}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.postgres_url = postgres_url
        self.history: list[str] = []
        self.started = time.monotonic()
        self.workers: list[Proc] = []
        self.schedulers: list[Proc] = []
        self.commands: list[Proc] = []
        self.harness_errors: list[str] = []
        self._lock = threading.Lock()
        self.aborted = threading.Event()

    # --- what happened, for the trial's line ------------------------------------------

    def note(self, event: str) -> None:
        with self._lock:
            self.history.append(f"{time.monotonic() - self.t0:.1f}s {event}")

    # --- the processes ---------------------------------------------------------------

    def _env(self, db_url: str) -> dict[str, str]:
        import os

        return {
            **os.environ,
            "ROLLCALL_HOME": str(self.dir / "home"),
            "ROLLCALL_DATABASE_URL": db_url,
            "ROLLCALL_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "ROLLCALL_KINDERTRACK_URL": f"http://127.0.0.1:{self.sandbox_port}",
            "ROLLCALL_KINDERTRACK_API_KEY": API_KEY,
            "ROLLCALL_PAY_PERIOD_ANCHOR": ANCHOR.isoformat(),
            "ROLLCALL_SUBMISSION_LEASE_SECONDS": str(LEASE_S),
            "ROLLCALL_KINDERTRACK_DEADLINE_SECONDS": "2",
            "ROLLCALL_KINDERTRACK_TIMEOUT": "1.5",
            "ROLLCALL_SWEEP_EVERY_SECONDS": "1",
            "ROLLCALL_SWEEP_IDLE_SECONDS": "3",
            "ROLLCALL_LOG_LEVEL": "WARNING",
        }

    def _start_sandbox(self) -> Proc:
        plan = self.plan
        argv = [
            ROLLCALL,
            "sandbox",
            "--port",
            str(self.sandbox_port),
            "--seed",
            str(self.dir / "seed.json"),
            "--state",
            str(self.dir / "kt-state.json"),
            "--latency-ms",
            str(plan.latency_ms),
            "--latency-jitter-ms",
            str(plan.jitter_ms),
            "--fail-rate",
            str(plan.fail_rate),
            "--drop-after-commit-rate",
            str(plan.drop_rate),
            "--rng-seed",
            str(plan.sandbox_seed),
        ]
        if plan.ignore_key:
            argv.append("--ignore-idempotency-key")
        proc = Proc("sandbox", argv, self.env, self.dir / "sandbox.log")
        wait_for_port(self.sandbox_port)
        return proc

    def _start_worker(self) -> None:
        argv = [ROLLCALL, "worker", "--processes", "1", "--threads", "2"]
        log = self.dir / f"worker-{len(self.workers)}.log"
        self.workers.append(Proc(f"worker#{len(self.workers)}", argv, self.env, log))

    def _start_scheduler(self) -> None:
        argv = [ROLLCALL, "scheduler", "--lock-ttl", "2"]
        log = self.dir / f"scheduler-{len(self.schedulers)}.log"
        self.schedulers.append(Proc(f"scheduler#{len(self.schedulers)}", argv, self.env, log))

    def _send_commands(self) -> None:
        for at, school, start, end, kind in self.plan.commands:
            if not self._sleep_until(at):
                return
            argv = [
                ROLLCALL,
                "submit",
                f"School {school + 1}",
                "--from",
                str(start),
                "--to",
                str(end),
                "--yes",
            ]
            if kind == "async":
                argv.append("--async")
            log = self.dir / f"command-{len(self.commands)}.log"
            self.commands.append(Proc(f"submit-{kind}", argv, self.env, log))

    def _sleep_until(self, at: float) -> bool:
        """Wait until ``at`` seconds into the trial; False when the run is interrupted."""
        return not self.aborted.wait(max(0.0, self.t0 + at - time.monotonic()))

    def abort(self) -> None:
        """The run is interrupted: stop waiting and kill what runs (from another thread;
        the trial's own clean-up still kills what is left and drops its database)."""
        self.aborted.set()
        for proc in [*self.commands, *self.workers, *self.schedulers]:
            proc.thaw()
            proc.kill()

    # --- faults ----------------------------------------------------------------------

    def _inject(self) -> None:
        for at, kind in self.plan.faults:
            if not self._sleep_until(at):
                return
            try:
                self._fault(kind)
            except Exception as error:  # the trial fails with it, never silently
                self.harness_errors.append(f"{kind}: {type(error).__name__}: {error}")
                return

    def _fault(self, kind: str) -> None:
        rng = self.rng
        if kind == "kill-worker":
            live = [w for w in self.workers if w.alive and not w.stopped]
            if not live:
                return
            victim = rng.choice(live)
            victim.kill()
            pause = rng.uniform(0.3, 1.0)
            self.note(f"SIGKILL {victim.name}, a new worker {pause:.1f}s later")
            time.sleep(pause)
            self._start_worker()
        elif kind == "stop-worker":
            live = [w for w in self.workers if w.alive and not w.stopped]
            if not live:
                return
            victim = rng.choice(live)
            pause = LEASE_S + rng.uniform(0.5, 1.5)
            self.note(f"SIGSTOP {victim.name} for {pause:.1f}s (past its lease)")
            victim.freeze()
            time.sleep(pause)
            victim.thaw()
        elif kind == "kill-redis":
            pause = rng.uniform(0.2, 1.5)
            self.note(f"kill -9 redis, restart on its AOF {pause:.1f}s later")
            self.redis.kill()
            time.sleep(pause)
            self.redis.restart()
            wait_for_redis(self.redis_port)
        elif kind == "kill-sandbox":
            pause = rng.uniform(0.2, 1.5)
            self.note(f"kill -9 sandbox, restart on its state {pause:.1f}s later")
            self.sandbox.kill()
            time.sleep(pause)
            self.sandbox.restart()
            wait_for_port(self.sandbox_port)
        elif kind == "kill-scheduler":
            live = [s for s in self.schedulers if s.alive]
            if not live:
                return
            victim = rng.choice(live)
            self.note(f"SIGKILL {victim.name}")
            victim.kill()

    # --- the trial -------------------------------------------------------------------

    def run(self) -> TrialResult:
        self.t0 = time.monotonic()
        ports = PortLease(2)
        self.redis_port, self.sandbox_port = ports.ports
        _seed_file(self.dir / "seed.json")
        database: _Database | None = None
        procs: list[Proc] = []
        problems: list[str] = []
        try:
            database = _Database(self.backend, self.dir, self.postgres_url)
            self.env = self._env(database.url)
            self.redis = start_redis(self.dir, self.redis_port)
            self.sandbox = self._start_sandbox()
            # Workers and schedulers start while the data is set up: their start-up (a
            # second or two of imports each) overlaps with it.
            for _ in range(self.plan.workers):
                self._start_worker()
            for _ in range(self.plan.schedulers):
                self._start_scheduler()
            approved = self._setup(database.engine)
            self.t0 = time.monotonic()
            threads = [
                threading.Thread(target=self._send_commands, name="commands"),
                threading.Thread(target=self._inject, name="faults"),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            problems += [f"harness: {e}" for e in self.harness_errors]
            problems += self._quiesce(database.engine)
            problems += self._judge(database.engine, approved)
        except Exception as error:  # a harness failure fails the trial, with its reason
            problems.append(f"harness: {type(error).__name__}: {error}")
        finally:
            procs = [*self.commands, *self.workers, *self.schedulers]
            procs += [
                p for p in (getattr(self, "sandbox", None), getattr(self, "redis", None)) if p
            ]
            for proc in procs:
                proc.thaw()
                proc.kill()
            if database is not None:
                database.drop()
            ports.release()
        took = time.monotonic() - self.started
        ok = not problems
        verdict = "exactly-once" if ok else "FAILED: " + "; ".join(problems)
        faults = ", ".join(self.history) or "no faults"
        line = (
            f"trial {self.index} [{self.backend}] {self.plan.describe()} | {faults} | "
            f"{verdict} ({took:.1f}s)"
        )
        if ok:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            line += f" logs: {self.dir}"
        return TrialResult(self.index, ok, line, problems)

    def _setup(self, engine: Engine) -> dict[Period, Records]:
        """Schools registered with KinderTrack, children linked, attendance imported; the
        records each planned period would send."""
        client = HttpKinderTrack(
            base_url=f"http://127.0.0.1:{self.sandbox_port}",
            api_key=API_KEY,
            deadline_s=30,
            max_retries=8,
            initial_backoff_s=0.05,
        )
        rt = Runtime(engine=engine, kindertrack=client, calendar=PayPeriodCalendar(ANCHOR, 14))
        expected: dict[Period, Records] = {}
        try:
            for n in range(self.plan.schools):
                pid = PROVIDERS[n]
                school_id = schools.add_school(rt, name=f"School {n + 1}").id or 0
                schools.register_provider(rt, school_id=school_id, provider_id=pid, actor="chaos")
                for c in (1, 2):
                    students.add_student(
                        rt,
                        school_id=school_id,
                        name=f"Child{c} Of{pid}",
                        child_id=f"{pid[0]}0000{c}",
                        actor="chaos",
                    )
                imports.import_csv(
                    rt, school_id=school_id, content=_attendance_csv(self.rng, pid), actor="chaos"
                )
                for school, start, end in self.plan.periods:
                    if school == n:
                        report = reports.school_report(
                            rt, school_id=school_id, start=start, end=end
                        )
                        if not report.can_submit:
                            raise RuntimeError(f"the trial's report is not submittable: {report}")
                        expected[(pid, start, end)] = canonical_records(report.records_to_send)
        finally:
            client.close()
        return expected

    def _quiesce(self, engine: Engine) -> list[str]:
        """Let the system finish: commands done, a worker and a scheduler alive, nothing
        approved or submitting; bounded by QUIESCE_S."""
        problems: list[str] = []
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        for command in self.commands:
            try:
                command.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:
                problems.append(f"a {command.name} command hung (log {command.log})")
        if self.aborted.is_set():
            return ["interrupted"]
        if not any(w.alive for w in self.workers):
            self._start_worker()
            self.note("quiesce: a worker started")
        if not any(s.alive for s in self.schedulers):
            self._start_scheduler()
            self.note("quiesce: a scheduler started (the sweep)")

        def open_rows() -> int:
            with engine.connect() as connection:
                return int(
                    connection.execute(
                        text(
                            "SELECT count(*) FROM submission "
                            "WHERE state IN ('approved', 'submitting')"
                        )
                    ).scalar_one()
                )

        if not _wait(lambda: open_rows() == 0, QUIESCE_S, self.aborted):
            problems.append(f"still {open_rows()} approved/submitting after {QUIESCE_S:.0f}s")
        refused = sum(1 for c in self.commands if c.popen.returncode not in (0, None))
        self.note(f"quiet ({len(self.commands) - refused} commands ok, {refused} refused)")
        return problems

    def _judge(self, engine: Engine, expected: dict[Period, Records]) -> list[str]:
        state_path = self.dir / "kt-state.json"
        stored: list[dict[str, Any]] = (
            json.loads(state_path.read_text(encoding="utf-8"))["submissions"]
            if state_path.exists()
            else []
        )
        held = [
            Held(
                provider_id=s["provider_id"],
                start=date.fromisoformat(s["period_start"]),
                end=date.fromisoformat(s["period_end"]),
                submission_id=str(s["answer"]["submission_id"]),
                records=s["records"],
            )
            for s in stored
        ]
        with engine.connect() as connection:
            result = connection.execute(select(Submission))
            rows = [
                Row(
                    provider_id=r.provider_id,
                    start=r.period_start,
                    end=r.period_end,
                    state=r.state,
                    kindertrack_submission_id=r.kindertrack_submission_id,
                    records=json.loads(r.payload or "[]"),
                )
                for r in result
            ]
        approved = {
            (r.provider_id, r.start, r.end): expected[(r.provider_id, r.start, r.end)]
            for r in rows
            if r.state != "draft"
        }
        return check(approved, held, rows, dead_letters=dead_letters(self.redis_port))


def _wait(predicate: Callable[[], bool], timeout: float, stop: threading.Event) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        if predicate():
            return True
        stop.wait(0.2)
    return predicate()


def run_trials(
    trials: int,
    seed: int,
    backend: str,
    root: Path,
    postgres_url: str,
    *,
    jobs: int = 1,
    echo: Callable[[str], None] = print,
) -> list[TrialResult]:
    """Run ``trials`` trials, ``jobs`` at a time (each with its own ports, Redis, sandbox
    and database); one line each as it ends, then the tally. A trial draws everything
    from ``seed`` and its index, so a line means the same whatever ``jobs`` was.

    Interrupted (KeyboardInterrupt), it abandons the trials under way (their processes
    killed, their databases dropped) and tallies the trials that finished."""
    started = datetime.now()
    results: list[TrialResult] = []
    indices = iter(range(trials))
    running: dict[Future[TrialResult], Trial] = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="trial") as pool:

        def start_next() -> None:
            index = next(indices, None)
            if index is not None:
                trial = Trial(index, seed, backend, root, postgres_url)
                running[pool.submit(trial.run)] = trial

        try:
            for _ in range(jobs):
                start_next()
            while running:
                done, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    del running[future]
                    result = future.result()
                    echo(result.line)
                    results.append(result)
                    start_next()
        except KeyboardInterrupt:
            for trial in running.values():
                trial.abort()
            echo(f"# interrupted after {len(results)} of {trials} trials")
    passed = sum(r.ok for r in results)
    took = (datetime.now() - started).total_seconds()
    echo(f"# {backend}: {len(results)} trials in {took:.0f}s")
    echo(f"chaos: {passed}/{len(results)} trials exactly-once (seed {seed})")
    return results
