"""Reading an uploaded CSV from Slack (bot/files.py): files.info on the stand-in through
slack_sdk, then the download, here answered by httpx's MockTransport where Slack's
odd answers (a sign-in page, an error status) are needed."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient

from bot.files import read_csv_upload
from bot.standin import SlackStandin
from core.errors import InvalidInput

TOKEN = "xoxb-files-test"
CSV = b"student,check_in,check_out\n"


@pytest.fixture
def client(slack_standin: SlackStandin) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack_standin.api_url)


def test_reads_the_file_with_the_bot_token(client: WebClient, slack_standin: SlackStandin) -> None:
    file_id = slack_standin.add_file(CSV, token=TOKEN)

    assert read_csv_upload(client, file_id) == CSV
    [download] = slack_standin.calls_for("file_download")
    assert download.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            httpx.Response(200, html="<html>Sign in</html>"),
            "Slack sent a sign-in page instead of the file: Rollcall needs the files:read",
        ),
        (httpx.Response(404, text="gone"), "Slack answered 404 when I downloaded the file"),
    ],
)
def test_an_answer_that_is_not_the_file_is_refused(
    client: WebClient, slack_standin: SlackStandin, answer: httpx.Response, expected: str
) -> None:
    file_id = slack_standin.add_file(CSV, token=TOKEN)

    with pytest.raises(InvalidInput) as refused:
        read_csv_upload(client, file_id, transport=httpx.MockTransport(lambda request: answer))

    assert expected in str(refused.value)
    assert str(refused.value).startswith("Nothing was imported:")


def test_a_download_that_cannot_connect_says_to_try_again(
    client: WebClient, slack_standin: SlackStandin
) -> None:
    file_id = slack_standin.add_file(CSV, token=TOKEN)

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(InvalidInput) as refused:
        read_csv_upload(client, file_id, transport=httpx.MockTransport(unreachable))

    assert "could not download the file from Slack. Try again" in str(refused.value)
