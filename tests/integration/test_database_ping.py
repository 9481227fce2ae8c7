"""A pooled PostgreSQL connection is pinged before use only after it sat idle: one the
server dropped meanwhile is replaced, one in steady use costs no round trip.

Only the dropped connection needs a server; the pool's rule of when to ping is checked on
the suite's database, whichever it is (SQLite's engine gets the same hook here)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from core.store import database


@pytest.fixture
def postgres(db: Engine) -> Engine:
    if db.dialect.name != "postgresql":
        pytest.skip(
            "a server dropping a connection needs a server; SQLite's file has none to drop"
            " (the PostgreSQL suite, `make test-postgres`, runs this)"
        )
    return db


def _engine(server: Engine, idle_s: float, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", idle_s)
    url = server.url.render_as_string(hide_password=False)
    return database.make_engine(url, pool_size=1, max_overflow=0)


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_use(
    postgres: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(postgres, 0.0, monkeypatch)
    try:
        first = _backend(engine)
        with postgres.connect() as admin:
            admin.exec_driver_sql(f"SELECT pg_terminate_backend({first})")
            admin.commit()

        second = _backend(engine)  # no error: the dropped connection was replaced

        assert second != first
    finally:
        engine.dispose()


@pytest.mark.parametrize(("idle_s", "expected"), [(60.0, 0), (0.0, 2)])
def test_only_a_connection_idle_longer_than_the_threshold_is_pinged(
    db: Engine, monkeypatch: pytest.MonkeyPatch, idle_s: float, expected: int
) -> None:
    engine = _engine(db, idle_s, monkeypatch)
    if engine.dialect.name != "postgresql":  # make_engine pings only a server's connections
        database._ping_after_idle(engine, idle_s)
    pinged: list[object] = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pinged.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    try:
        used = {_connection(engine) for _ in range(3)}  # the first use is of a new one

        assert len(pinged) == expected
        assert len(used) == 1  # the one connection, kept
    finally:
        engine.dispose()


def _connection(engine: Engine) -> int:
    """Which DBAPI connection the pool handed out (after running a statement on it)."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        return id(connection.connection.dbapi_connection)
