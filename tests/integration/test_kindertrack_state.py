"""Submissions survive a sandbox restart with a state file; ``rollcall sandbox`` serves."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.errors import AlreadySubmitted
from core.ports import SubmittedRecord
from kindertrack.client import HttpKinderTrack
from tests.fixtures.sandbox import SandboxHarness

pytestmark = pytest.mark.slow  # the KinderTrack sandbox over real HTTP

CST = timezone(timedelta(hours=-6))
PERIOD = (date(2026, 1, 4), date(2026, 1, 17))
RECORDS = [
    SubmittedRecord(
        "234567", datetime(2026, 1, 5, 8, tzinfo=CST), datetime(2026, 1, 5, 16, tzinfo=CST)
    )
]
ROLLCALL = Path(sys.executable).with_name("rollcall")


def test_submissions_survive_a_restart(sandbox: SandboxHarness, tmp_path: Path) -> None:
    # given a sandbox keeping its state in a file, with one submission made
    state = tmp_path / "state" / "kindertrack.json"
    first = sandbox.start(state_path=state)
    receipt = sandbox.client(first).submit_attendance(
        "12345", *PERIOD, RECORDS, idempotency_key="k"
    )
    first.stop()
    # when a new sandbox starts on the same state file
    second = sandbox.start(state_path=state)
    client = sandbox.client(second)
    # then it still holds the submission, replays it, and refuses a second one
    assert client.find_submissions("12345", *PERIOD) == [receipt]
    assert client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k") == receipt
    with pytest.raises(AlreadySubmitted):
        client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="other")
    assert second.stats()["commits"] == 0


def test_state_file_is_whole_json_with_no_temp_files_left(
    sandbox: SandboxHarness, tmp_path: Path
) -> None:
    # given two submissions written through a state file
    state = tmp_path / "kindertrack.json"
    client = sandbox.client(sandbox.start(state_path=state))
    client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="a")
    next_records = [
        SubmittedRecord(
            r.child_id, r.check_in + timedelta(days=14), r.check_out + timedelta(days=14)
        )
        for r in RECORDS
    ]
    client.submit_attendance(
        "12345", date(2026, 1, 18), date(2026, 1, 31), next_records, idempotency_key="b"
    )
    # then the file holds both, as readable JSON, and only the file is there
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert [s["idempotency_key"] for s in saved["submissions"]] == ["a", "b"]
    assert [p.name for p in tmp_path.iterdir()] == ["kindertrack.json"]


def test_without_a_state_file_a_restart_forgets(sandbox: SandboxHarness) -> None:
    first = sandbox.start()
    sandbox.client(first).submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    first.stop()
    assert sandbox.client(sandbox.start()).find_submissions("12345", *PERIOD) == []


@pytest.fixture
def rollcall_sandbox(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``rollcall sandbox`` as a real process on a free port; yields its URL and state file."""
    state = tmp_path / "state.json"
    process = subprocess.Popen(
        [str(ROLLCALL), "sandbox", "--port", "0", "--state", str(state), "--latency-ms", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://" in line, line + (
            process.stderr.read() if process.stderr else ""
        )
        yield line.split("listening on ", 1)[1].split()[0], state
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_rollcall_sandbox_command_serves_the_default_seed(
    rollcall_sandbox: tuple[str, Path],
) -> None:
    # given `rollcall sandbox` running as its own process
    url, state = rollcall_sandbox
    # when a client submits through it
    with HttpKinderTrack(base_url=url, api_key="sandbox-key") as client:
        assert client.get_provider("12345").name == "Sunny Days"
        receipt = client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    # then the answer came back and the state file holds the submission
    assert receipt.accepted == 1
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["submissions"][0]["answer"]["submission_id"] == receipt.submission_id


def test_rollcall_sandbox_refuses_a_bad_seed_in_one_line(tmp_path: Path) -> None:
    # given a seed file that is not JSON
    seed = tmp_path / "seed.json"
    seed.write_text("{", encoding="utf-8")
    # when the command starts on it
    done = subprocess.run(
        [str(ROLLCALL), "sandbox", "--port", "0", "--seed", str(seed)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    # then it exits non-zero with a one-line reason on stderr
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0
    assert "is not valid JSON" in done.stderr
