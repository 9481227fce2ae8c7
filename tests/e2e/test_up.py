"""`rollcall up`: the bot, a worker and the scheduler as real processes, stopped together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from standins.slack_requests import SlackSender
from standins.slack_web_api import SlackStandin
from tests.integration.worker_process import ROLLCALL, wait_until

pytestmark = pytest.mark.slow

SECRET = "up-test-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_up_serves_slack_and_stops_every_part_on_sigterm(
    slack_standin: SlackStandin, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "ROLLCALL_HOME": str(tmp_path),
        "ROLLCALL_DATABASE_URL": database_url,
        "ROLLCALL_REDIS_URL": redis_url,
        "SLACK_BOT_TOKEN": "xoxb-up-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "ROLLCALL_SLACK_API_URL": slack_standin.api_url,
    }
    log = (tmp_path / "up.log").open("wb")
    up = subprocess.Popen(
        [ROLLCALL, "up", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        # Given `rollcall up` answering on its port
        assert wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=60)

        # When Slack sends a signed slash command
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", signing_secret=SECRET)
        answer = sender.slash("help", response_url=slack_standin.new_response_url())

        # Then the bot answers with the subcommands
        assert answer.status_code == 200
        assert "/kindertrack register" in answer.text
    finally:
        up.send_signal(signal.SIGTERM)
        returncode = up.wait(timeout=60)
        log.close()
    # And every part stopped with it
    assert returncode == 0, (tmp_path / "up.log").read_text()[-3000:]
    assert not _answers(f"http://127.0.0.1:{port}/healthz")
