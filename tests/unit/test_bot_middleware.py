"""Retried deliveries are acked and go no further, in HTTP and Socket Mode alike."""

from __future__ import annotations

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.middleware import skip_slack_retries

EVENT = '{"type":"event_callback","event_id":"Ev1","team_id":"T1","event":{"type":"x"}}'


def _run(request: BoltRequest) -> tuple[BoltResponse | None, bool]:
    called: list[bool] = []
    answer = skip_slack_retries(request, BoltResponse(status=200), lambda: called.append(True))
    return answer, bool(called)


def test_first_delivery_goes_on() -> None:
    assert _run(BoltRequest(body=EVENT)) == (None, True)


def test_http_retry_is_acked_and_stopped() -> None:
    answer, went_on = _run(BoltRequest(body=EVENT, headers={"x-slack-retry-num": "2"}))

    assert answer is not None and answer.status == 200
    assert not went_on


def test_socket_mode_retry_is_stopped() -> None:
    """Bolt's Socket Mode adapter turns retry_attempt into the same header."""
    request = BoltRequest(
        body={"type": "event_callback", "event": {"type": "x"}},
        mode="socket_mode",
        headers={"x-slack-retry-num": "1"},
    )

    assert _run(request)[1] is False
