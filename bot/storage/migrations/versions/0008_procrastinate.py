"""procrastinate's job queue schema (PostgreSQL only)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 01:00:00.000000

On PostgreSQL, the job queue of the procrastinate engine (bot/jobs/queue.py) lives beside Plume's
data: its tables, types, functions and triggers, all named `procrastinate_*`, from procrastinate's
own schema SQL (the pinned 3.10.0; a later procrastinate release brings its migrations as a new
revision). SQLite runs the in-process scheduler: nothing to do there.
"""

from alembic import op
from procrastinate.schema import SchemaManager


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Every procrastinate object, dropped in dependency order (tables take their triggers and indexes).
DROP = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.signature);
    END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t
             JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
    END LOOP;
END $$;
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    _run_script(bind, SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    _run_script(bind, DROP)


def _run_script(bind, script: str) -> None:
    """A script of many statements, on the migration's own connection and transaction: psycopg sends
    it as one simple query when no parameters come with it (SQLAlchemy always passes some, and its
    `%` signs would then be taken for placeholders)."""
    with bind.connection.dbapi_connection.cursor() as cursor:
        cursor.execute(script)
