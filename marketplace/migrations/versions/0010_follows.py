"""follows: any signed-in person follows a tender, project, organization or need; mail preferences and digests

Revision ID: 0010_follows
Revises: 0009_search
Create Date: 2026-11-28

Tender followers move into the general `follow` table, so nobody loses a follow.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_follows'
down_revision = '0009_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Enum('tender', 'project', 'organization', 'need', name='subject', native_enum=False, length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_follow_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow')),
    sa.UniqueConstraint('user_id', 'subject', 'subject_id', name=op.f('uq_follow_user_id_subject_subject_id'))
    )
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.create_index('ix_follow_subject', ['subject', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_user_id'), ['user_id'], unique=False)
    op.create_table('follow_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mail', sa.Enum('immediate', 'daily', 'none', name='mailchoice', native_enum=False, length=16), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_follow_preference_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_follow_preference'))
    )
    op.create_table('follow_digest_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_follow_digest_item_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_digest_item'))
    )
    with op.batch_alter_table('follow_digest_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_digest_item_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_digest_item_user_id'), ['user_id'], unique=False)

    op.execute("INSERT INTO follow (user_id, subject, subject_id, created_at) "
               "SELECT user_id, 'tender', tender_id, created_at FROM tender_follower")
    with op.batch_alter_table('tender_follower', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_follower_user_id'))
        batch_op.drop_index(batch_op.f('ix_tender_follower_tender_id'))
    op.drop_table('tender_follower')


def downgrade():
    op.create_table('tender_follower',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], name=op.f('fk_tender_follower_tender_id_tender'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_tender_follower_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_follower')),
    sa.UniqueConstraint('tender_id', 'user_id', name=op.f('uq_tender_follower_tender_id_user_id'))
    )
    with op.batch_alter_table('tender_follower', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_follower_tender_id'), ['tender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_follower_user_id'), ['user_id'], unique=False)
    op.execute("INSERT INTO tender_follower (tender_id, user_id, created_at) "
               "SELECT subject_id, user_id, created_at FROM follow WHERE subject = 'tender'")
    with op.batch_alter_table('follow_digest_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_digest_item_user_id'))
        batch_op.drop_index(batch_op.f('ix_follow_digest_item_sent_at'))
    op.drop_table('follow_digest_item')
    op.drop_table('follow_preference')
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_user_id'))
        batch_op.drop_index('ix_follow_subject')
    op.drop_table('follow')
