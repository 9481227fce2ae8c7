"""Alembic environment: the engine comes from the caller (core.store.database.migrate)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import core.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from core.config import get_settings
from core.store.database import make_engine

target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render SQLModel's AutoString as plain sa.String so migrations need no sqlmodel."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Autogenerate compares only Rollcall's own tables (the Slack stores' tables are
    created by their own migration)."""
    return not (
        type_ == "table"
        and name is not None
        and name.startswith("slack_")
        and name != "slack_message"
    )


def run_migrations_online() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = context.config.attributes.get("engine") or make_engine(
        get_settings().resolved_database_url
    )
    with engine.connect() as connection:
        _run(connection)


def _run(connection: Connection) -> None:
    """Migrate on ``connection`` in one transaction (the caller may hold a lock on it)."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


run_migrations_online()
