"""Sign in with X: pending sign-ins, and when a person proved their X account is theirs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:00:00.000000

`x_signins` holds a sign-in between Plume's connect page and X's callback (ten minutes, single use);
`ambassadors.x_verified_at` is set when the person signed in to the tracked account (NULL: joined on
their word, before sign-in existed or without it configured, or tracked by the operator's CLI).
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

UTC_DT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column('ambassadors', sa.Column('x_verified_at', UTC_DT, nullable=True))
    op.create_table(
        'x_signins',
        sa.Column('state_hash', sa.String(length=64), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('chat_user_id', sa.String(length=64), nullable=False),
        sa.Column('handle', sa.String(length=64), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('consent_text', sa.Text(), nullable=False),
        sa.Column('code_verifier', sa.String(length=128), nullable=False),
        sa.Column('browser_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', UTC_DT, nullable=False),
        sa.Column('expires_at', UTC_DT, nullable=False),
        sa.Column('used_at', UTC_DT, nullable=True),
        sa.ForeignKeyConstraint(
            ['workspace_id'], ['workspaces.id'],
            name=op.f('fk_x_signins_workspace_id_workspaces'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('state_hash', name=op.f('pk_x_signins')),
    )
    op.create_index(op.f('ix_x_signins_workspace_id'), 'x_signins', ['workspace_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_x_signins_workspace_id'), table_name='x_signins')
    op.drop_table('x_signins')
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy would drop `ambassadors`, and with foreign
    # keys on, cascade to every person's nudge log.
    op.drop_column('ambassadors', 'x_verified_at')
