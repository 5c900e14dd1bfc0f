"""form stash: a long form's input kept (encrypted) over an expired sign-in, until its author signs in again

Revision ID: 0012_form_stash
Revises: 0011_open_data
Create Date: 2026-11-28

"""
import sqlalchemy as sa
from alembic import op

revision = '0012_form_stash'
down_revision = '0011_open_data'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_stash',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_form_stash_expires_after_creation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_form_stash_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_stash')),
    sa.UniqueConstraint('browser_hash', 'user_id', 'path', name=op.f('uq_form_stash_browser_hash_user_id_path'))
    )
    with op.batch_alter_table('form_stash', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_stash_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_stash_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('form_stash', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_stash_user_id'))
        batch_op.drop_index(batch_op.f('ix_form_stash_expires_at'))
    op.drop_table('form_stash')
