"""per-platform chat state; outbox states

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:30:00.000000

`ambassadors.home_file_id` (a Slack file id) moves under its platform's key in `chat_state`. Claims
written by earlier code as `claimed` may have been sent (that code claimed, then sent), so they
become `sending`: in doubt, looked up or handled by their kind's policy. Downgrade: back again, and
`unknown` (maybe sent, never re-sent) becomes `sent`, which earlier code never re-sends either.

Plain ALTER TABLE, not batch mode: batch mode copies `ambassadors` on SQLite, and with foreign keys on,
dropping the old copy cascade-deletes every nudge (SQLite has dropped columns in place since 3.35).
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

workspaces = sa.table('workspaces', sa.column('id', sa.Integer), sa.column('platform', sa.String))


def _ambassadors(*columns):
    return sa.table(
        'ambassadors', sa.column('id', sa.Integer), sa.column('workspace_id', sa.Integer), *columns
    )


def _set_statuses(mapping: dict) -> None:
    for name in ('digest_log', 'nudge_log'):
        log = sa.table(name, sa.column('status', sa.String))
        for old, new in mapping.items():
            op.execute(log.update().where(log.c.status == old).values(status=new))


def upgrade() -> None:
    op.add_column('ambassadors', sa.Column('chat_state', sa.JSON(), nullable=True))
    people = _ambassadors(sa.column('home_file_id', sa.String), sa.column('chat_state', sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(people.c.id, people.c.home_file_id, workspaces.c.platform)
        .join(workspaces, workspaces.c.id == people.c.workspace_id)
        .where(people.c.home_file_id.is_not(None))
    ).all()
    for person_id, file_id, platform in rows:
        bind.execute(
            people.update().where(people.c.id == person_id).values(chat_state={platform: {'home_file_id': file_id}})
        )
    op.execute(people.update().where(people.c.chat_state.is_(None)).values(chat_state={}))
    op.drop_column('ambassadors', 'home_file_id')
    _set_statuses({'claimed': 'sending'})


def downgrade() -> None:
    _set_statuses({'sending': 'claimed', 'unknown': 'sent'})
    op.add_column('ambassadors', sa.Column('home_file_id', sa.String(length=64), nullable=True))
    people = _ambassadors(sa.column('home_file_id', sa.String), sa.column('chat_state', sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(people.c.id, people.c.chat_state, workspaces.c.platform)
        .join(workspaces, workspaces.c.id == people.c.workspace_id)
    ).all()
    for person_id, state, platform in rows:
        file_id = ((state or {}).get(platform) or {}).get('home_file_id')
        if file_id:
            bind.execute(people.update().where(people.c.id == person_id).values(home_file_id=file_id))
    op.drop_column('ambassadors', 'chat_state')
