"""workspace chat state; people's private conversations

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 23:30:00.000000

Teams needs a tenant's service URL and the bot's id remembered (`workspaces.chat_state`), and a
person's 1:1 conversation id before a proactive message can reach them (`chat_conversations`; those
ids run past 100 characters). Teams channel ids (`19:<32 hex>@thread.tacv2`, 48 characters) still fit
the 64 of `digest_channel`.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

UTC_DT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column('workspaces', sa.Column('chat_state', sa.JSON(), nullable=True))
    op.create_table(
        'chat_conversations',
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('conversation_id', sa.String(length=512), nullable=False),
        sa.Column('updated_at', UTC_DT, nullable=False),
        sa.ForeignKeyConstraint(
            ['workspace_id'], ['workspaces.id'],
            name=op.f('fk_chat_conversations_workspace_id_workspaces'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('workspace_id', 'user_id', name=op.f('pk_chat_conversations')),
    )


def downgrade() -> None:
    op.drop_table('chat_conversations')
    op.drop_column('workspaces', 'chat_state')
