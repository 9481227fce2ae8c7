"""Bot tokens are encrypted at rest, and one workspace never sees another's."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip(
    "greenlet",
    reason="slack_sdk's SQLAlchemy stores import sqlalchemy.ext.asyncio, which needs greenlet",
)

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.installation_store import EncryptedInstallationStore, metadata

TOKEN = "xoxb-1111-2222-plaintexttoken"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'slack.db'}")
    metadata.create_all(engine)
    return engine


@pytest.fixture
def store(engine: Engine) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(
        client_id="111.222", engine=engine, encryption_key=Fernet.generate_key().decode()
    )


def _installation(team_id: str, token: str = TOKEN) -> Installation:
    return Installation(
        app_id="A0001",
        team_id=team_id,
        user_id="U0INSTALLER",
        bot_token=token,
        bot_id="B0001",
        bot_user_id="U0BOT",
        bot_scopes=["commands", "chat:write"],
    )


def test_token_columns_never_hold_the_plain_token(
    store: EncryptedInstallationStore, engine: Engine
) -> None:
    store.save(_installation("T1"))

    with engine.connect() as db:
        stored = [
            row[0]
            for table in ("slack_installations", "slack_bots")
            for row in db.execute(text(f"SELECT bot_token FROM {table}"))
        ]
    assert len(stored) == 2
    assert all(TOKEN not in value for value in stored)


def test_the_token_reads_back_in_clear(store: EncryptedInstallationStore) -> None:
    store.save(_installation("T1"))

    bot = store.find_bot(enterprise_id=None, team_id="T1")
    installation = store.find_installation(enterprise_id=None, team_id="T1")

    assert bot is not None and bot.bot_token == TOKEN
    assert installation is not None and installation.bot_token == TOKEN


def test_an_installation_of_t1_is_not_returned_for_t2(store: EncryptedInstallationStore) -> None:
    store.save(_installation("T1"))

    assert store.find_bot(enterprise_id=None, team_id="T2") is None
    assert store.find_installation(enterprise_id=None, team_id="T2") is None


def test_a_wrong_key_cannot_read_tokens(engine: Engine, store: EncryptedInstallationStore) -> None:
    from cryptography.fernet import InvalidToken

    store.save(_installation("T1"))
    thief = EncryptedInstallationStore(
        client_id="111.222", engine=engine, encryption_key=Fernet.generate_key().decode()
    )

    with pytest.raises(InvalidToken):
        thief.find_bot(enterprise_id=None, team_id="T1")


def test_rotated_key_still_reads_old_tokens(engine: Engine) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    EncryptedInstallationStore(client_id="1.2", engine=engine, encryption_key=old).save(
        _installation("T1")
    )

    rotated = EncryptedInstallationStore(
        client_id="1.2", engine=engine, encryption_key=f"{new},{old}"
    )

    bot = rotated.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == TOKEN


def test_long_tokens_fit_token_columns() -> None:
    for table in ("slack_installations", "slack_bots"):
        assert getattr(metadata.tables[table].c.bot_token.type, "length", None) is None
