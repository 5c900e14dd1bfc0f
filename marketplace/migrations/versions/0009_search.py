"""search: the queue of changed documents and the PostgreSQL backend's documents

Revision ID: 0009_search
Revises: 0008_four_eyes
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009_search'
down_revision = '0008_four_eyes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_queue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_queue'))
    )
    op.create_table('search_document',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('year', sa.String(length=4), nullable=False),
    sa.Column('regions', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=200), nullable=False),
    sa.Column('dated', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_search_document'))
    )
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_document_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_search_document_terms', ['terms'], unique=False, postgresql_using='gin')


def downgrade():
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index('ix_search_document_terms', postgresql_using='gin')
        batch_op.drop_index(batch_op.f('ix_search_document_kind'))
    op.drop_table('search_document')
    op.drop_table('search_queue')
