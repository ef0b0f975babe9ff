"""x ingestion

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 21:57:21.497527
"""

from alembic import op
import sqlalchemy as sa



revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('service_state',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_service_state'))
    )
    op.create_table('x_usage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_x_usage')),
    sa.UniqueConstraint('day', 'kind', 'item_id', name='uq_x_usage_day_kind_item')
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refreshed_for', sa.String(length=10), nullable=True))

    with op.batch_alter_table('x_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_polled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_poll_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=300), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('x_accounts', schema=None) as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('next_poll_at')
        batch_op.drop_column('last_polled_at')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('refreshed_for')

    op.drop_table('x_usage')
    op.drop_table('service_state')

