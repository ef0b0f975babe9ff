"""Alembic environment: migrates through the engine handed over in `config.attributes`."""

from alembic import context
from sqlalchemy import text

from bot.storage.tables import Base

config = context.config
engine = config.attributes["engine"]

# Any number of processes may start at once on one PostgreSQL (web and worker processes on several
# machines, each migrating on start): one migrates while the others wait on this lock, held until the
# transaction ends, then find the schema at head.
MIGRATION_LOCK = 7_244_813_013

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
