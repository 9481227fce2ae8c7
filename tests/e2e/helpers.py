"""Run the real ``rollcall`` console script as a director would, in subprocesses.

Each test gets its own ``ROLLCALL_HOME`` and database: a fresh SQLite file, or (when
ROLLCALL_TEST_DATABASE_URL names a PostgreSQL server) the session's test database, which
the ``db`` fixture empties after the test. The KinderTrack sandbox runs over real HTTP.
Commands that do not depend on each other can run concurrently (``run_many``): each one
pays the interpreter's start-up, so this keeps the suite quick.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.domain.pay_periods import PayPeriod, PayPeriodCalendar
from core.messages import ALREADY_SUBMITTED, CORRECTED_CLAIM_CONTACT

ROLLCALL = str(Path(sys.executable).with_name("rollcall"))
ANCHOR = date(2026, 1, 4)
CALENDAR = PayPeriodCalendar(ANCHOR, 14)
#: One command's limit: a start takes ~0.4 s of CPU, but at a load of 30 on 2 cores, 60 s ran out.
COMMAND_TIMEOUT_S = 180

SECOND_SUBMIT_REFUSAL = f"{ALREADY_SUBMITTED} {CORRECTED_CLAIM_CONTACT}"


def last_closed_period() -> PayPeriod:
    """The period the CLI (on the real clock) treats as closed: every day in it is past."""
    return CALENDAR.last_closed(datetime.now(ZoneInfo("America/Chicago")).date())


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def ok(self) -> Result:
        assert self.returncode == 0, f"{self.args} failed ({self.returncode}): {self.stderr}"
        return self

    def refused(self) -> str:
        """The one-line reason of a refused command (exit 1, one line on stderr)."""
        assert self.returncode == 1, (
            f"{self.args} should be refused, got {self.returncode}: {self.stdout} {self.stderr}"
        )
        lines = self.stderr.splitlines()
        assert len(lines) == 1, f"{self.args}: expected one line on stderr, got {lines!r}"
        return lines[0]

    def json(self) -> Any:
        return json.loads(self.ok().stdout)


class Cli:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def run(self, *args: str) -> Result:
        done = subprocess.run(
            [ROLLCALL, *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        return Result(tuple(args), done.returncode, done.stdout, done.stderr)

    def run_many(self, *commands: tuple[str, ...]) -> list[Result]:
        """Independent commands at the same time; results in the order given."""
        with ThreadPoolExecutor(max_workers=len(commands)) as pool:
            return list(pool.map(lambda args: self.run(*args), commands))

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.cwd / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path


def make_cli(
    request: pytest.FixtureRequest, tmp_path: Path, *, kindertrack_url: str, api_key: str
) -> Cli:
    """A CLI pointed at a database of its own, the sandbox, and a home in ``tmp_path``."""
    if os.environ.get("ROLLCALL_TEST_DATABASE_URL"):
        request.getfixturevalue("db")  # empties the shared test database after the test
        database_url: str = request.getfixturevalue("database_url")
    else:
        database_url = f"sqlite:///{tmp_path / 'rollcall.db'}"
    home = tmp_path / "home"
    home.mkdir()
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "LANG", "LC_ALL", "TMPDIR"}}
    env = {
        **keep,
        "HOME": str(tmp_path),
        "PYTHONIOENCODING": "utf-8",
        "COLUMNS": "200",
        "ROLLCALL_HOME": str(home),
        "ROLLCALL_DATABASE_URL": database_url,
        "ROLLCALL_KINDERTRACK_URL": kindertrack_url,
        "ROLLCALL_KINDERTRACK_API_KEY": api_key,
        "ROLLCALL_PAY_PERIOD_ANCHOR": ANCHOR.isoformat(),
        "ROLLCALL_PAY_PERIOD_DAYS": "14",
    }
    return Cli(env, tmp_path)
