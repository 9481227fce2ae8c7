"""Issue 9, cases 7 and 8: the bot talks only to Slack.

7. Slack's download URL answering 302 to another host: the worker followed it and imported
   that host's file. 8. A tampered ``response_url`` (in a modal's private_metadata) made the
   worker POST the registration result to a non-Slack host.
A canary server stands for the other host: the test fails if anything connects to it.
"""

from __future__ import annotations

from collections.abc import Callable

import dramatiq
import pytest
from slack_sdk import WebClient

from bot.blocks import modals
from bot.blocks.modals import ModalMeta
from bot.files import read_csv_upload
from core.errors import InvalidInput
from core.services.runtime import Runtime
from core.services.workspace import create_team_school
from standins.slack_web_api import SlackStandin
from tests.fixtures.slack import BOT_TOKEN, BotServer
from tests.security.conftest import Canary

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

TEAM = "T0001"
DIRECTOR = "U0DIRECTOR"
CHANNEL = "C0SCHOOL"


def test_case_7_a_download_redirected_off_slack_is_not_followed(
    slack_standin: SlackStandin, canary: Canary
) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack_standin.api_url)
    file_id = slack_standin.add_file(
        b"student,check_in,check_out\n",
        token=BOT_TOKEN,
        user=DIRECTOR,
        redirect_to=f"{canary.url}/evil.csv",
    )

    with pytest.raises(InvalidInput, match="Nothing was imported"):
        read_csv_upload(client, file_id, uploader=DIRECTOR)

    assert canary.hits == []
    assert len(slack_standin.calls_for("file_download")) == 1


def test_case_7_a_redirect_that_stays_on_slack_is_followed(
    slack_standin: SlackStandin,
) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack_standin.api_url)
    real = slack_standin.add_file(b"student,check_in,check_out\n", token=BOT_TOKEN, user=DIRECTOR)
    moved = slack_standin.add_file(
        b"", token=BOT_TOKEN, user=DIRECTOR, redirect_to=f"{slack_standin.url}/files-pri/{real}/a"
    )

    assert read_csv_upload(client, moved, uploader=DIRECTOR) == b"student,check_in,check_out\n"


def test_case_8_a_tampered_response_url_is_not_used_the_answer_goes_by_dm(
    bot_server_factory: Callable[..., BotServer],
    slack_runtime: Runtime,
    worker: dramatiq.Worker,
    canary: Canary,
) -> None:
    school = create_team_school(
        slack_runtime, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id=CHANNEL
    )
    server = bot_server_factory()
    values = {
        modals.PROVIDER_BLOCK: {
            modals.PROVIDER_ACTION: {"type": "plain_text_input", "value": "12345"}
        },
        modals.LINK_CODE_BLOCK: {
            modals.LINK_CODE_ACTION: {"type": "plain_text_input", "value": "K7PM2QXA"}
        },
    }

    response = server.view_submission(
        modals.REGISTER_CALLBACK,
        values=values,
        private_metadata=ModalMeta(school.id or 0, CHANNEL, f"{canary.url}/hook").encode(),
    )

    assert response.status_code == 200
    [dm] = server.standin.wait_for("chat.postMessage", timeout=15)
    assert dm.args["channel"] != CHANNEL  # the director's DM, not the channel
    assert "provider ID 12345" in dm.args["text"]
    assert canary.hits == []
    assert server.standin.calls_for("response_url") == []
