"""OAuth installations with their tokens encrypted at rest.

Why: a bot token lets anyone act as Rollcall in a school's workspace, where children's
names and attendance live. A stolen database dump must not hand those tokens over, so
every token column holds a Fernet ciphertext (AES-128-CBC + HMAC-SHA256) keyed by
``ROLLCALL_TOKEN_ENCRYPTION_KEY``; only this process, holding the key, can read them.

The store wraps slack_sdk's :class:`SQLAlchemyInstallationStore` by composition (its
``save`` calls ``save_bot`` internally, so overriding both in a subclass would encrypt
twice). Token columns are widened to ``Text``: slack_sdk declares ``String(200)``, and a
Fernet ciphertext is about 2.3 times the token's length, which would overflow on
PostgreSQL for tokens longer than ~80 characters (rotating tokens are).

Key rotation: the setting may hold several comma-separated keys; the first encrypts,
any of them decrypts (``MultiFernet``).

Tables: :data:`metadata` describes ``slack_installations``, ``slack_bots`` and
``slack_oauth_states`` for the Alembic migration; tests use ``metadata.create_all``.
"""

from __future__ import annotations

import copy
from logging import Logger
from typing import TypeVar

from cryptography.fernet import Fernet, MultiFernet
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, Text
from sqlalchemy.engine import Engine

BOT_TOKEN_FIELDS = ("bot_token", "bot_refresh_token")
INSTALLATION_TOKEN_FIELDS = (*BOT_TOKEN_FIELDS, "user_token", "user_refresh_token")

T = TypeVar("T", Bot, Installation)


def _widen_token_columns(table: Table) -> Table:
    for name in INSTALLATION_TOKEN_FIELDS:
        if name in table.c:
            table.c[name].type = Text()
    return table


class _WideTokenStore(SQLAlchemyInstallationStore):
    """slack_sdk's store with ``Text`` token columns (room for ciphertexts)."""

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        return _widen_token_columns(super().build_installations_table(metadata, table_name))

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return _widen_token_columns(super().build_bots_table(metadata, table_name))


def build_metadata() -> MetaData:
    """The Slack tables, with the names the stores below use."""
    md = MetaData()
    _WideTokenStore.build_installations_table(
        md, SQLAlchemyInstallationStore.default_installations_table_name
    )
    _WideTokenStore.build_bots_table(md, SQLAlchemyInstallationStore.default_bots_table_name)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(
        md, SQLAlchemyOAuthStateStore.default_table_name
    )
    return md


metadata: MetaData = build_metadata()


def token_cipher(keys: str) -> MultiFernet:
    """A cipher from ``ROLLCALL_TOKEN_ENCRYPTION_KEY`` (comma-separated Fernet keys)."""
    parsed = [k.strip() for k in keys.split(",") if k.strip()]
    if not parsed:
        raise ValueError(
            "ROLLCALL_TOKEN_ENCRYPTION_KEY is empty; generate one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`"
        )
    return MultiFernet([Fernet(k.encode()) for k in parsed])


class EncryptedInstallationStore(InstallationStore):
    """An :class:`InstallationStore` whose token columns are never plaintext.

    Keyword-only: ``client_id`` (Slack app's client ID, part of every lookup),
    ``engine`` (SQLAlchemy), ``encryption_key`` (see :func:`token_cipher`), ``logger``.
    """

    def __init__(
        self,
        *,
        client_id: str,
        engine: Engine,
        encryption_key: str,
        logger: Logger | None = None,
    ) -> None:
        self._cipher = token_cipher(encryption_key)
        if logger is None:
            self._inner = _WideTokenStore(client_id=client_id, engine=engine)
        else:
            self._inner = _WideTokenStore(client_id=client_id, engine=engine, logger=logger)

    @property
    def logger(self) -> Logger:
        return self._inner.logger

    @property
    def metadata(self) -> MetaData:
        return self._inner.metadata

    def _encrypt(self, entity: T, fields: tuple[str, ...]) -> T:
        sealed = copy.copy(entity)
        for name in fields:
            value = getattr(sealed, name, None)
            if value:
                setattr(sealed, name, self._cipher.encrypt(value.encode()).decode())
        return sealed

    def _decrypt(self, entity: T | None, fields: tuple[str, ...]) -> T | None:
        if entity is None:
            return None
        for name in fields:
            value = getattr(entity, name, None)
            if value:
                setattr(entity, name, self._cipher.decrypt(value.encode()).decode())
        return entity

    def save(self, installation: Installation) -> None:
        self._inner.save(self._encrypt(installation, INSTALLATION_TOKEN_FIELDS))

    def save_bot(self, bot: Bot) -> None:
        self._inner.save_bot(self._encrypt(bot, BOT_TOKEN_FIELDS))

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        bot = self._inner.find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._decrypt(bot, BOT_TOKEN_FIELDS)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        installation = self._inner.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._decrypt(installation, INSTALLATION_TOKEN_FIELDS)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._inner.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        self._inner.delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget a workspace (``app_uninstalled`` / ``tokens_revoked``)."""
        self._inner.delete_all(enterprise_id=enterprise_id, team_id=team_id)
