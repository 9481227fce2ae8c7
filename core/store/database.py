"""The engine and sessions, for SQLite (the laptop default) and PostgreSQL.

SQLite write transactions start with BEGIN IMMEDIATE so that two processes (a worker and
the CLI) queue for the write lock instead of failing with "database is locked".

Migrations run one at a time: Alembic keeps its migration context in module globals, so
a process migrates from one thread at a time (a lock), and two processes never migrate at
once (PostgreSQL: an advisory lock held for the whole upgrade; SQLite: the upgrade is one
``BEGIN IMMEDIATE`` transaction, which holds the database's write lock).
"""

from __future__ import annotations

import ast
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine

if TYPE_CHECKING:  # Alembic is imported only by what migrates or reads the schema's revision
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

#: Alembic's table of the revision a database is at (its default name).
VERSION_TABLE = "alembic_version"


#: The PostgreSQL advisory lock held while migrating (any fixed 64-bit number of ours).
MIGRATION_LOCK_KEY = 0x524F4C4C43414C4C  # "ROLLCALL"

_migrating = threading.Lock()


def make_engine(url: str, **options: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **options
        )
        _serialize_sqlite_writes(engine)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    engine = create_engine(url, **options)
    _ping_after_idle(engine, PING_AFTER_IDLE_S)
    return engine


PING_AFTER_IDLE_S = 1.0
"""A pooled server connection left idle longer than this is pinged before it is handed
out again (one used within the second is not: a busy worker's dozens of transactions a
second would each pay a round trip for nothing)."""


def _ping_after_idle(engine: Engine, idle_s: float) -> None:
    """SQLAlchemy's ``pool_pre_ping``, only for connections idle longer than ``idle_s``:
    one the server dropped (a restart, an idle timeout) is replaced before use, at no
    cost to a connection in steady use. A connection lost within ``idle_s`` fails its
    statement instead, as one lost mid-transaction does, and the caller's retry (the
    queue's, the sweep's) runs on a new one: SQLAlchemy renews the pool on a disconnect."""

    @event.listens_for(engine.pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"the connection was lost while idle: {error}") from error


def _serialize_sqlite_writes(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let BEGIN below be ours
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine, connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent), one migrator at a time."""
    from alembic import command

    with _migrating, engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
            connection.commit()
        try:
            command.upgrade(alembic_config(engine, connection), "head")
        finally:
            if postgres:
                connection.rollback()
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
                connection.commit()


@dataclass(frozen=True)
class SchemaState:
    """Where the database's schema stands against the migrations this code ships."""

    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return set(self.current) == set(self.heads)

    def describe(self) -> str:
        at = ", ".join(self.current) or "empty"
        return (
            f"The database schema is behind this Rollcall (at {at}, needs "
            f"{', '.join(self.heads)}): run `rollcall migrate` first."
        )


def schema_state(engine: Engine) -> SchemaState:
    """Read the database's migration revision (no change made).

    Every service and command reads it at start, so it does without Alembic (whose import,
    with Mako and Pygments, costs a start-up more than the rest of the check): the heads
    from the migration files, the current revision from Alembic's version table."""
    with engine.connect() as connection:
        current: list[str] = []
        if inspect(connection).has_table(VERSION_TABLE):
            rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
            current = [str(version) for version in rows.scalars()]
    return SchemaState(current=tuple(sorted(current)), heads=migration_heads())


def migration_heads() -> tuple[str, ...]:
    """The revisions no migration builds on (what ``alembic heads`` prints), read from the
    ``revision`` and ``down_revision`` literals of the migration files."""
    revisions: set[str] = set()
    built_on: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        values = _module_literals(path, ("revision", "down_revision"))
        revisions.add(str(values["revision"]))
        down = values.get("down_revision")
        built_on.update([down] if isinstance(down, str) else list(down or ()))
    return tuple(sorted(revisions - built_on))


def _module_literals(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            found[target.id] = ast.literal_eval(value)
    return found


@contextmanager
def statement_scope(engine: Engine) -> Iterator[Session]:
    """A session for work that is one statement (a fenced UPDATE, say): atomic by itself,
    so on PostgreSQL it runs in autocommit, one round trip instead of BEGIN, the
    statement and COMMIT. SQLite keeps its transaction (``BEGIN IMMEDIATE`` is its lock)."""
    if engine.dialect.name != "postgresql":
        with session_scope(engine) as session:
            yield session
        return
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        with Session(bind=autocommit, expire_on_commit=False) as session:
            yield session


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
