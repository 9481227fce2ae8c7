"""a school's report version, kept by the database; the approved records on the approval

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 17:00:00

``school.report_version`` counts the changes to what a school's reports are made of. The
database keeps it, with triggers on every table a report reads (``REPORT_INPUTS`` in
``core.store.report_version``) and on the school's time zone, so no code path can change
a report without moving it. An approval stores the version it saw and the records it
approved (``submission.report_version``, ``submission.approved_payload``); a worker's
claim that finds the version unchanged sends those records without judging the report
again. Approvals made before this migration have neither and are judged again, as before.

On PostgreSQL the triggers run once per statement (transition tables) and move a
school's version once per transaction (a transaction-local setting remembers it), so an
import of a hundred records writes the school row once, not a hundred times: each write
of the row leaves a dead version of it until vacuumed. SQLite has only row triggers; it
rewrites its row in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INPUTS = ("registration", "pay_period", "student", "attendance", "absence", "closure")
"""The tables a report reads besides ``school`` and ``submission``, as of this revision."""

_POSTGRESQL_FUNCTIONS = [
    """
    CREATE FUNCTION rollcall_report_bump(school_ids integer[]) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
        sid integer;
    BEGIN
        FOREACH sid IN ARRAY school_ids LOOP
            IF current_setting('rollcall.report_bumped_' || sid, true)
                    IS DISTINCT FROM 'yes' THEN
                UPDATE school SET report_version = report_version + 1 WHERE id = sid;
                PERFORM set_config('rollcall.report_bumped_' || sid, 'yes', true);
            END IF;
        END LOOP;
    END $$
    """,
    """
    CREATE FUNCTION rollcall_report_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM rollcall_report_bump(ARRAY(SELECT DISTINCT school_id FROM changed));
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION rollcall_report_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM rollcall_report_bump(
            ARRAY(SELECT school_id FROM changed UNION SELECT school_id FROM changed_to)
        );
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION rollcall_school_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.report_version := OLD.report_version + 1;
        RETURN NEW;
    END $$
    """,
]


_EVENTS = {
    "insert": ("REFERENCING NEW TABLE AS changed", "report_changed", "= NEW.school_id"),
    "delete": ("REFERENCING OLD TABLE AS changed", "report_changed", "= OLD.school_id"),
    "update": (
        "REFERENCING OLD TABLE AS changed NEW TABLE AS changed_to",
        "report_moved",
        "IN (OLD.school_id, NEW.school_id)",
    ),
}
"""Each event's trigger: PostgreSQL's transition tables and function, SQLite's schools."""


def _trigger(dialect: str, table: str, event: str) -> str:
    transition, function, schools = _EVENTS[event]
    head = f"CREATE TRIGGER {table}_report_{event} AFTER {event.upper()} ON {table}"
    if dialect == "postgresql":
        return f"{head} {transition} FOR EACH STATEMENT EXECUTE FUNCTION rollcall_{function}()"
    bump = "UPDATE school SET report_version = report_version + 1"
    return f"{head} BEGIN {bump} WHERE id {schools}; END"


_ZONE_TRIGGER = {
    "postgresql": "CREATE TRIGGER school_zone_report BEFORE UPDATE OF timezone ON school "
    "FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) "
    "EXECUTE FUNCTION rollcall_school_zone_changed()",
    "sqlite": "CREATE TRIGGER school_zone_report AFTER UPDATE OF timezone ON school "
    "WHEN OLD.timezone IS NOT NEW.timezone "
    "BEGIN UPDATE school SET report_version = report_version + 1 WHERE id = NEW.id; END",
}


def upgrade() -> None:
    with op.batch_alter_table("school") as batch:
        batch.add_column(
            sa.Column("report_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("report_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("approved_payload", sa.Text(), nullable=True))
    dialect = op.get_bind().dialect.name
    statements = list(_POSTGRESQL_FUNCTIONS) if dialect == "postgresql" else []
    statements += [_trigger(dialect, table, event) for table in INPUTS for event in _EVENTS]
    statements.append(_ZONE_TRIGGER[dialect])
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in INPUTS:
        for event in _EVENTS:
            on = f" ON {table}" if dialect == "postgresql" else ""
            op.execute(f"DROP TRIGGER {table}_report_{event}{on}")
    on_school = " ON school" if dialect == "postgresql" else ""
    op.execute(f"DROP TRIGGER school_zone_report{on_school}")
    if dialect == "postgresql":
        for function in ("report_changed()", "report_moved()", "school_zone_changed()"):
            op.execute(f"DROP FUNCTION rollcall_{function}")
        op.execute("DROP FUNCTION rollcall_report_bump(integer[])")
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("approved_payload")
        batch.drop_column("report_version")
    with op.batch_alter_table("school") as batch:
        batch.drop_column("report_version")
