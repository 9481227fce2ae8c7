"""Reading an uploaded CSV from Slack (bot/files.py): files.info on the stand-in through
slack_sdk, then the download, here answered by httpx's MockTransport where Slack's
odd answers (a sign-in page, an error status) are needed."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient

from bot.files import read_csv_upload
from bot.slack_hosts import is_slack_url
from core.errors import InvalidInput
from standins.slack_web_api import SlackStandin

TOKEN = "xoxb-files-test"
UPLOADER = "U0DIRECTOR"
CSV = b"student,check_in,check_out\n"


@pytest.fixture
def client(slack_standin: SlackStandin) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack_standin.api_url)


def test_reads_the_file_with_the_bot_token(client: WebClient, slack_standin: SlackStandin) -> None:
    file_id = slack_standin.add_file(CSV, token=TOKEN, user=UPLOADER)

    assert read_csv_upload(client, file_id, uploader=UPLOADER) == CSV
    [download] = slack_standin.calls_for("file_download")
    assert download.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            httpx.Response(200, html="<html>Sign in</html>"),
            "Slack sent a sign-in page instead of the file. Rollcall needs the files:read",
        ),
        (httpx.Response(404, text="gone"), "Slack answered 404 when I downloaded the file"),
    ],
)
def test_an_answer_that_is_not_the_file_is_refused(
    client: WebClient, slack_standin: SlackStandin, answer: httpx.Response, expected: str
) -> None:
    file_id = slack_standin.add_file(CSV, token=TOKEN, user=UPLOADER)

    with pytest.raises(InvalidInput) as refused:
        read_csv_upload(
            client,
            file_id,
            uploader=UPLOADER,
            transport=httpx.MockTransport(lambda request: answer),
        )

    assert expected in str(refused.value)
    assert str(refused.value).startswith("Nothing was imported:")


def test_a_download_that_cannot_connect_says_to_try_again(
    client: WebClient, slack_standin: SlackStandin
) -> None:
    file_id = slack_standin.add_file(CSV, token=TOKEN, user=UPLOADER)

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(InvalidInput) as refused:
        read_csv_upload(
            client, file_id, uploader=UPLOADER, transport=httpx.MockTransport(unreachable)
        )

    assert "could not download the file from Slack. Try again" in str(refused.value)


def test_the_token_goes_to_no_download_address_but_slacks(slack_standin: SlackStandin) -> None:
    # Given files.info answered through "localhost" but naming a download on 127.0.0.1,
    # another host as far as the client can tell
    api = slack_standin.api_url
    assert "127.0.0.1" in api
    client = WebClient(token=TOKEN, base_url=api.replace("127.0.0.1", "localhost"))
    file_id = slack_standin.add_file(CSV, token=TOKEN, user=UPLOADER)

    with pytest.raises(InvalidInput, match="unexpected download address"):
        read_csv_upload(client, file_id, uploader=UPLOADER)

    # Then nothing was downloaded: the bot token was not sent there
    assert slack_standin.calls_for("file_download") == []


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://files.slack.com/files-pri/T1-F1/download/a.csv", True),
        ("https://slack.com/files-pri/T1-F1/a.csv", True),
        ("http://files.slack.com/files-pri/T1-F1/a.csv", False),  # not https
        ("https://files.slack.com.example.org/a.csv", False),
        ("https://evilslack.com/a.csv", False),
    ],
)
def test_only_slacks_own_addresses_are_trusted(url: str, trusted: bool) -> None:
    client = WebClient(token=TOKEN)  # Slack's own API, https://slack.com/api/
    assert is_slack_url(url, client.base_url) is trusted
