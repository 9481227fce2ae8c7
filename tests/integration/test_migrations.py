"""The Alembic migrations build exactly the schema the models describe, and undo cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect
from sqlmodel import SQLModel

import core.store.tables  # noqa: F401
from bot.installation_store import metadata as slack_metadata
from core.store.database import (
    alembic_config,
    make_engine,
    migrate,
    migration_heads,
    schema_state,
)


def _combined() -> MetaData:
    combined = MetaData()
    for source in (SQLModel.metadata, slack_metadata):
        for table in source.tables.values():
            table.to_metadata(combined)
    return combined


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), _combined())

    assert diff == []


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine)

    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert {"submission", "slack_bots", "director"} <= set(inspect(engine).get_table_names())


def test_the_schema_check_reads_what_alembic_reads_without_importing_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    alembic_heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()

    def alembic_current() -> tuple[str, ...]:
        with engine.connect() as connection:
            return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))

    assert migration_heads() == tuple(sorted(alembic_heads))
    empty = schema_state(engine)
    assert (empty.current, empty.up_to_date) == (alembic_current(), False) == ((), False)
    command.upgrade(alembic_config(engine), "0001")
    behind = schema_state(engine)
    assert (behind.current, behind.up_to_date) == (alembic_current(), False) == (("0001",), False)
    migrate(engine)
    assert schema_state(engine).current == alembic_current() == migration_heads()
    assert schema_state(engine).up_to_date
