"""INSERT … ON CONFLICT in the session's own dialect.

Why: a row keyed by a unique constraint (a reminder's once-only claim, a remembered Slack
user, a channel's board, a user's language) is written in one statement that the
database decides, not a read then a write that two processes can interleave into an
IntegrityError. PostgreSQL and SQLite spell ON CONFLICT alike, but SQLAlchemy builds it
from each dialect's own ``insert``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session


def insert_or_skip(session: Session, table: Any) -> Any:
    """An INSERT into ``table`` (a SQLModel table class) that can take
    ``.on_conflict_do_nothing()`` or ``.on_conflict_do_update()``, for the database the
    session is bound to."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)


def upsert(
    session: Session, table: Any, row: dict[str, Any], *, key: list[str], update: list[str]
) -> None:
    """Write ``row`` into ``table`` in one statement: inserted, or, where the unique
    ``key`` columns already hold a row, that row's ``update`` columns set from it."""
    insert = insert_or_skip(session, table).values(**row)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=key, set_={name: insert.excluded[name] for name in update}
        )
    )
