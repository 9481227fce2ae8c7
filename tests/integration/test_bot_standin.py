"""The Web API stand-in answers slack_sdk the way Slack does, and records every call."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from standins.slack_web_api import SlackStandin

pytestmark = pytest.mark.slow  # the Slack stand-in over real HTTP


@pytest.fixture
def client(slack_standin: SlackStandin) -> WebClient:
    return WebClient(token="xoxb-standin", base_url=slack_standin.api_url)


def test_post_update_and_permalink(client: WebClient, slack_standin: SlackStandin) -> None:
    posted = client.chat_postMessage(
        channel="C1", text="Report ready", blocks=[{"type": "divider"}]
    )
    client.chat_update(channel="C1", ts=posted["ts"], text="Report submitted")
    link = client.chat_getPermalink(channel="C1", message_ts=posted["ts"])

    assert slack_standin.messages[("C1", posted["ts"])]["text"] == "Report submitted"
    assert link["permalink"].endswith("/archives/C1/p" + posted["ts"].replace(".", ""))
    [call] = slack_standin.calls_for("chat.postMessage")
    assert call.token == "xoxb-standin"
    assert call.args["blocks"] == [{"type": "divider"}]


def test_update_of_unknown_message_fails_like_slack(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.chat_update(channel="C1", ts="1.2", text="x")
    assert error.value.response["error"] == "message_not_found"


def test_views_open_update_push_publish(client: WebClient, slack_standin: SlackStandin) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Link"}, "blocks": []}
    opened = client.views_open(trigger_id="1.1.t", view=modal)
    client.views_update(
        view_id=opened["view"]["id"], view={**modal, "blocks": [{"type": "divider"}]}
    )
    client.views_push(trigger_id="1.1.t", view=modal)
    client.views_publish(user_id="U1", view={"type": "home", "blocks": []})

    assert [c.method for c in slack_standin.calls] == [
        "views.open",
        "views.update",
        "views.push",
        "views.publish",
    ]
    assert slack_standin.views[opened["view"]["id"]]["blocks"] == [{"type": "divider"}]


def test_dm_channel_ephemeral_and_users(client: WebClient, slack_standin: SlackStandin) -> None:
    slack_standin.add_user("U0DIRECTOR", name="maria", tz="America/Chicago")

    channel = client.conversations_open(users="U0DIRECTOR")["channel"]["id"]
    client.chat_postEphemeral(channel="C1", user="U0DIRECTOR", text="only you")
    user = client.users_info(user="U0DIRECTOR")["user"]

    assert channel.startswith("D")
    assert user["tz"] == "America/Chicago"
    with pytest.raises(SlackApiError):
        client.users_info(user="U0NOBODY")


def test_files_upload_v2_uses_the_three_steps(
    client: WebClient, slack_standin: SlackStandin
) -> None:
    client.files_upload_v2(
        channel="C1", filename="report.csv", content="student,hours\n", title="Report"
    )

    methods = [c.method for c in slack_standin.calls]
    assert methods[:3] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert list(slack_standin.uploads.values()) == [b"student,hours\n"]
    assert slack_standin.calls_for("files.completeUploadExternal")[0].args["channel_id"] == "C1"


def test_a_registered_file_is_shown_and_downloaded_only_with_its_token(
    client: WebClient, slack_standin: SlackStandin
) -> None:
    # Given a file a user uploaded, readable by the token "xoxb-standin"
    file_id = slack_standin.add_file(
        b"student,check_in,check_out\n", token="xoxb-standin", user="U0DIRECTOR"
    )

    # files.info describes it, with a private download URL
    info = client.files_info(file=file_id)["file"]
    assert (info["id"], info["filetype"], info["size"]) == (file_id, "csv", 27)
    assert info["user"] == "U0DIRECTOR"
    url = info["url_private_download"]

    # The URL answers the bytes to that bearer token only
    good = httpx.get(url, headers={"Authorization": "Bearer xoxb-standin"})
    assert good.content == b"student,check_in,check_out\n"
    assert good.headers["content-type"] == "text/csv"
    # Anyone else gets Slack's 200 sign-in page, and another token cannot see it at all
    for headers in ({}, {"Authorization": "Bearer xoxb-other"}):
        refused = httpx.get(url, headers=headers)
        assert refused.status_code == 200
        assert refused.headers["content-type"].startswith("text/html")
        assert b"student" not in refused.content
    with pytest.raises(SlackApiError) as error:
        WebClient(token="xoxb-other", base_url=slack_standin.api_url).files_info(file=file_id)
    assert error.value.response["error"] == "file_not_found"
    downloads = slack_standin.calls_for("file_download")
    assert [c.token for c in downloads] == ["xoxb-standin", None, "xoxb-other"]


def test_unknown_method_answers_unknown_method_and_is_recorded(
    client: WebClient, slack_standin: SlackStandin
) -> None:
    with pytest.raises(SlackApiError) as error:
        client.api_call("reactions.add", params={"name": "tada"})

    assert error.value.response["error"] == "unknown_method"
    assert slack_standin.calls_for("reactions.add")[0].args == {"name": "tada"}


def test_failures_can_be_queued(client: WebClient, slack_standin: SlackStandin) -> None:
    slack_standin.fail_next("chat.postMessage", "channel_not_found")

    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x")
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_oauth_access_and_response_url(slack_standin: SlackStandin) -> None:
    anonymous = WebClient(base_url=slack_standin.api_url)
    answer = anonymous.oauth_v2_access(client_id="1.2", client_secret="s", code="abc")
    httpx.post(slack_standin.new_response_url(), json={"text": "done"})

    assert answer["team"]["id"] == slack_standin.team_id
    assert answer["access_token"].startswith("xoxb-")
    assert slack_standin.calls_for("response_url")[0].args["text"] == "done"


def test_reset_forgets_calls(client: WebClient, slack_standin: SlackStandin) -> None:
    client.auth_test()
    slack_standin.reset()
    assert slack_standin.calls == []
