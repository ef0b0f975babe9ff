"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 21:28:25.133280
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('workspaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('digest_channel', sa.String(length=64), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspaces')),
    sa.UniqueConstraint('platform', 'external_id', name='uq_workspaces_platform_external')
    )
    op.create_table('x_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('x_user_id', sa.BigInteger(), nullable=True),
    sa.Column('handle', sa.String(length=64), nullable=False),
    sa.Column('handle_key', sa.String(length=64), nullable=False),
    sa.Column('since_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_x_accounts')),
    sa.UniqueConstraint('handle_key', name=op.f('uq_x_accounts_handle_key')),
    sa.UniqueConstraint('x_user_id', name=op.f('uq_x_accounts_x_user_id'))
    )
    op.create_table('ambassadors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('x_account_id', sa.Integer(), nullable=False),
    sa.Column('chat_user_id', sa.String(length=64), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('consent_source', sa.String(length=16), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('work_start', sa.Integer(), nullable=False),
    sa.Column('work_end', sa.Integer(), nullable=False),
    sa.Column('work_days', sa.JSON(), nullable=False),
    sa.Column('country', sa.String(length=8), nullable=True),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('nudges_enabled', sa.Boolean(), nullable=False),
    sa.Column('nudges_snoozed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('nudge_overrides', sa.JSON(), nullable=False),
    sa.Column('highlights_allowed', sa.Boolean(), nullable=False),
    sa.Column('recap_enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_ambassadors_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['x_account_id'], ['x_accounts.id'], name=op.f('fk_ambassadors_x_account_id_x_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ambassadors')),
    sa.UniqueConstraint('workspace_id', 'x_account_id', name='uq_ambassadors_workspace_account')
    )
    with op.batch_alter_table('ambassadors', schema=None) as batch_op:
        batch_op.create_index('ix_ambassadors_workspace_user', ['workspace_id', 'chat_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ambassadors_x_account_id'), ['x_account_id'], unique=False)

    op.create_table('digest_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message_ref', sa.String(length=128), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_digest_log_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_log')),
    sa.UniqueConstraint('workspace_id', 'channel', 'week', name='uq_digest_log_workspace_channel_week')
    )
    op.create_table('follower_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('x_account_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('followers', sa.Integer(), nullable=False),
    sa.Column('following', sa.Integer(), nullable=False),
    sa.Column('posts_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['x_account_id'], ['x_accounts.id'], name=op.f('fk_follower_snapshots_x_account_id_x_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follower_snapshots')),
    sa.UniqueConstraint('x_account_id', 'taken_at', name='uq_follower_snapshots_account_time')
    )
    op.create_table('posts',
    sa.Column('x_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('x_account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=16), nullable=True),
    sa.Column('in_reply_to_id', sa.BigInteger(), nullable=True),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('reposts', sa.Integer(), nullable=False),
    sa.Column('replies', sa.Integer(), nullable=False),
    sa.Column('quotes', sa.Integer(), nullable=False),
    sa.Column('metrics_read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['x_account_id'], ['x_accounts.id'], name=op.f('fk_posts_x_account_id_x_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('x_id', name=op.f('pk_posts'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_account_created', ['x_account_id', 'created_at'], unique=False)

    op.create_table('nudge_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ambassador_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('window_key', sa.String(length=64), nullable=False),
    sa.Column('numbers', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message_ref', sa.String(length=128), nullable=True),
    sa.Column('feedback', sa.String(length=16), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ambassador_id'], ['ambassadors.id'], name=op.f('fk_nudge_log_ambassador_id_ambassadors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nudge_log')),
    sa.UniqueConstraint('ambassador_id', 'rule', 'window_key', name='uq_nudge_log_ambassador_rule_window')
    )
    with op.batch_alter_table('nudge_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nudge_log_ambassador_id'), ['ambassador_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('nudge_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nudge_log_ambassador_id'))

    op.drop_table('nudge_log')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_account_created')

    op.drop_table('posts')
    op.drop_table('follower_snapshots')
    op.drop_table('digest_log')
    with op.batch_alter_table('ambassadors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ambassadors_x_account_id'))
        batch_op.drop_index('ix_ambassadors_workspace_user')

    op.drop_table('ambassadors')
    op.drop_table('x_accounts')
    op.drop_table('workspaces')

