"""Fault injection in the sandbox, and what the client makes of each fault, over real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from core.errors import KinderTrackUnavailable, OutcomeUnknown
from core.ports import SubmittedRecord
from kindertrack.sandbox import RunningSandbox
from tests.fixtures.sandbox import SandboxHarness

pytestmark = pytest.mark.slow  # the KinderTrack sandbox over real HTTP

CST = timezone(timedelta(hours=-6))
PERIOD = (date(2026, 1, 4), date(2026, 1, 17))
RECORDS = [
    SubmittedRecord(
        "123456", datetime(2026, 1, 5, 8, tzinfo=CST), datetime(2026, 1, 5, 16, tzinfo=CST)
    )
]
BODY = {
    "period_start": "2026-01-04",
    "period_end": "2026-01-17",
    "records": [
        {
            "child_id": "123456",
            "check_in": "2026-01-05T08:00:00-06:00",
            "check_out": "2026-01-05T16:00:00-06:00",
        }
    ],
}


def wait_for(running: RunningSandbox, counter: str, value: int, within_s: float = 3.0) -> None:
    deadline = time.monotonic() + within_s
    while running.stats()[counter] != value:
        assert time.monotonic() < deadline, f"{counter} never reached {value}"
        time.sleep(0.02)


def test_dropped_answer_reaches_httpx_as_a_protocol_error(sandbox: SandboxHarness) -> None:
    # given a sandbox that commits every new submission and then hangs up
    dropping = sandbox.start(drop_after_commit_rate=1.0)
    # when a submission is posted with plain httpx
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.post(
            f"{dropping.url}/v1/providers/12345/attendance-submissions",
            json=BODY,
            headers={"Authorization": f"Bearer {dropping.api_key}", "Idempotency-Key": "d"},
        )
    # then no answer came back, yet the submission was committed
    assert dropping.stats()["drops"] == 1
    assert dropping.stats()["commits"] == 1


def test_dropped_answer_is_outcome_unknown_then_found_by_reconciliation(
    sandbox: SandboxHarness,
) -> None:
    # given a sandbox that commits and then drops the connection
    dropping = sandbox.start(drop_after_commit_rate=1.0)
    client = sandbox.client(dropping)
    # when the client submits
    with pytest.raises(OutcomeUnknown):
        client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    # then it did not resend on its own, and reconciliation finds the committed submission
    stats = dropping.stats()
    assert (stats["submission_posts"], stats["commits"], stats["drops"]) == (1, 1, 1)
    (found,) = client.find_submissions("12345", *PERIOD)
    assert found.accepted == 1
    # and a resend with the same key is a replay of it, not a second submission
    replay = client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    assert replay == found
    assert dropping.stats()["commits"] == 1


def test_injected_503s_are_retried_then_reported_unavailable(sandbox: SandboxHarness) -> None:
    # given a sandbox that answers 503 to everything
    failing = sandbox.start(fail_rate=1.0)
    client = sandbox.client(failing, max_retries=2)
    # when the client submits
    with pytest.raises(KinderTrackUnavailable, match="503") as raised:
        client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    # then it tried three times, nothing was done, and the error is not "outcome unknown"
    assert not isinstance(raised.value, OutcomeUnknown)
    stats = failing.stats()
    assert (stats["submission_posts"], stats["failures_injected"], stats["commits"]) == (3, 3, 0)


def test_partial_fail_rate_is_ridden_out_by_retries(sandbox: SandboxHarness) -> None:
    # given a sandbox failing half the requests (seeded, so the run is reproducible)
    flaky = sandbox.start(fail_rate=0.5, rng_seed=7)
    client = sandbox.client(flaky, max_retries=10)
    # when the client works through several calls
    for _ in range(5):
        assert client.get_provider("12345").active
    receipt = client.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    # then everything succeeded, and the one submission was committed once
    stats = flaky.stats()
    assert stats["failures_injected"] > 0
    assert stats["commits"] == 1
    assert client.find_submissions("12345", *PERIOD) == [receipt]


def test_latency_delays_every_answer(sandbox: SandboxHarness) -> None:
    slow = sandbox.start(latency_ms=200)
    client = sandbox.client(slow)
    started = time.monotonic()
    client.get_provider("12345")
    assert time.monotonic() - started >= 0.2


def test_client_gone_during_latency_leaves_nothing_committed(sandbox: SandboxHarness) -> None:
    # given a sandbox slower than the client's patience
    slow = sandbox.start(latency_ms=400)
    impatient = sandbox.client(slow, timeout=httpx.Timeout(0.1, connect=2.0))
    # when the client submits and gives up before the answer
    with pytest.raises(OutcomeUnknown):
        impatient.submit_attendance("12345", *PERIOD, RECORDS, idempotency_key="k")
    impatient.close()
    # then the sandbox abandons the request once its latency is over: nothing is committed
    wait_for(slow, "abandoned", 1)
    assert slow.stats()["commits"] == 0
    assert sandbox.client(slow).find_submissions("12345", *PERIOD) == []


def test_stats_are_never_delayed_or_failed(sandbox: SandboxHarness) -> None:
    # given a sandbox that fails everything, slowly
    hostile = sandbox.start(latency_ms=2000, fail_rate=1.0)
    # when its stats are read, then they come back at once
    started = time.monotonic()
    assert hostile.stats()["commits"] == 0
    assert time.monotonic() - started < 1.0


def test_client_killed_during_latency_leaves_nothing_committed(sandbox: SandboxHarness) -> None:
    # given a slow sandbox, and a client process that has sent its submission
    slow = sandbox.start(latency_ms=1500)
    post = (
        "import httpx, json, sys; httpx.post(sys.argv[1], json=json.loads(sys.argv[2]), "
        "headers={'Authorization': 'Bearer ' + sys.argv[3], 'Idempotency-Key': 'k'}, timeout=30)"
    )
    url = f"{slow.url}/v1/providers/12345/attendance-submissions"
    client = subprocess.Popen([sys.executable, "-c", post, url, json.dumps(BODY), slow.api_key])
    try:
        wait_for(slow, "submission_posts", 1, within_s=10)
    finally:
        # when the client process is killed while the sandbox is still waiting
        client.kill()
        client.wait(timeout=10)
    # then the sandbox abandons the request and nothing is committed
    wait_for(slow, "abandoned", 1)
    assert slow.stats()["commits"] == 0
