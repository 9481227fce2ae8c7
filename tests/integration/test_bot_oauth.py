"""OAuth mode over HTTP: install, store the token encrypted, serve that workspace only."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip(
    "greenlet",
    reason="slack_sdk's SQLAlchemy stores import sqlalchemy.ext.asyncio, which needs greenlet",
)

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bot.installation_store import metadata
from standins.slack_web_api import SlackStandin
from tests.fixtures.slack import BotServer, make_bot_settings

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers


def test_install_then_commands_work_for_that_workspace_only(
    bot_server_factory: Callable[..., BotServer], slack_standin: SlackStandin, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'oauth.db'}"
    engine = create_engine(database_url)
    metadata.create_all(engine)
    settings = make_bot_settings(
        slack_standin,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
        token_encryption_key=Fernet.generate_key().decode(),
        database_url=database_url,
    )
    server = bot_server_factory(settings, engine=engine)

    install = server.http.get("/slack/install")
    state = re.search(r"state=([\w-]+)", install.text)
    assert install.status_code == 200 and state is not None
    assert "scope=commands,chat:write,im:write,users:read,files:write" in install.text
    cookie = install.headers["set-cookie"].split(";")[0]
    redirect = server.http.get(
        f"/slack/oauth_redirect?code=abc&state={state.group(1)}", headers={"cookie": cookie}
    )
    assert redirect.status_code == 200, redirect.text

    with engine.connect() as db:
        [stored] = db.execute(text("SELECT bot_token FROM slack_bots")).scalars()
    assert "xoxb" not in stored

    ours = server.slash("help", team_id=slack_standin.team_id)
    theirs = server.slash("help", team_id="T0OTHER")
    assert "/kindertrack register" in ours.json()["text"]
    assert (theirs.status_code, theirs.text) == (200, "")  # Bolt: no installation, no answer


def test_oauth_without_an_encryption_key_refuses_to_start(
    slack_standin: SlackStandin, tmp_path: Path
) -> None:
    from bot.app import SlackSetupError, create_app

    settings = make_bot_settings(
        slack_standin,
        slack_bot_token=None,
        slack_client_id="1.2",
        slack_client_secret="s",
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
    )

    with pytest.raises(SlackSetupError):
        create_app(settings)
