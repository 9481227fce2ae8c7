"""Our signed requests are the ones Slack sends: slack_sdk's verifier and Bolt agree."""

from __future__ import annotations

import json
import time

from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from standins import slack_requests

SECRET = "s3cr3t"


def test_signature_is_accepted_by_slack_sdk() -> None:
    body = slack_requests.slash_command_body("help")
    signed = slack_requests.sign(body, secret=SECRET, content_type=slack_requests.FORM)

    assert SignatureVerifier(SECRET).is_valid_request(signed.body, signed.headers)


def test_known_vector_from_slack_docs() -> None:
    """The example in Slack's "Verifying requests from Slack"."""
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
        b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
        b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        b"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )

    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert (
        slack_requests.signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body) == expected
    )


def test_stale_signature_is_rejected_by_slack_sdk() -> None:
    signed = slack_requests.sign(
        b"x", secret=SECRET, content_type=slack_requests.FORM, timestamp=int(time.time()) - 301
    )

    assert not SignatureVerifier(SECRET).is_valid_request(signed.body, signed.headers)


def test_payloads_parse_as_bolt_expects() -> None:
    command = BoltRequest(body=slack_requests.slash_command_body("in Ava Smith").decode())
    action = BoltRequest(body=slack_requests.block_actions_body("approve", value="42").decode())
    view = BoltRequest(body=slack_requests.view_submission_body("link").decode())
    event = BoltRequest(
        body=slack_requests.event_body(slack_requests.app_home_opened_event()).decode()
    )

    assert command.body["command"] == "/kindertrack"
    assert command.body["text"] == "in Ava Smith"
    assert action.body["actions"][0]["value"] == "42"
    assert view.body["view"]["callback_id"] == "link"
    assert event.body["event"]["type"] == "app_home_opened"
    assert json.loads(slack_requests.event_body({"type": "x"}))["type"] == "event_callback"
