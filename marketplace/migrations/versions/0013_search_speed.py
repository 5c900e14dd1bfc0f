"""search speed: title-only tsvector with its GIN index, text lengths, common-word bits, per-lexeme counts

Revision ID: 0013_search_speed
Revises: 0012_form_stash
Create Date: 2026-11-28

Documents already in `search_document` (PostgreSQL backend) get their lengths here and are queued for the
index writer, which rewrites each with its title words and meta lexemes (facet values, sample levels); the
statistics start from their current lexemes, so the writer's "remove the old version, add the new" stays exact.
Until the writer has drained the queue (or `flask search rebuild` ran), filters and title-first ranking miss
the documents not yet rewritten. Common words get their bits at the next `flask search rebuild` (until then
they are intersected in the GIN index: correct, slower).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0013_search_speed'
down_revision = '0012_form_stash'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_terms', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'),
                                      nullable=True))
        batch_op.add_column(sa.Column('title_length', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('body_length', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('common', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.alter_column('title_length', server_default=None)
        batch_op.alter_column('body_length', server_default=None)
        batch_op.alter_column('common', server_default=None)
        batch_op.create_index('ix_search_document_title_terms', ['title_terms'], unique=False,
                              postgresql_using='gin')
    op.create_table('search_term_stats',
    sa.Column('word', sa.Text().with_variant(sa.Text(collation='C'), 'postgresql'), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.Column('titles', sa.Integer(), nullable=False),
    sa.Column('bit', sa.SmallInteger(), nullable=True),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_term_stats'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE search_document SET title_length = length(title), body_length = length(body)")
        op.execute("INSERT INTO search_term_stats (word, documents, titles)"
                   " SELECT word, ndoc, 0 FROM ts_stat('SELECT terms FROM search_document')")
        op.execute("INSERT INTO search_queue (kind, object_id, queued_at)"
                   " SELECT split_part(key, ':', 1), CAST(split_part(key, ':', 2) AS integer),"
                   " now() AT TIME ZONE 'UTC' FROM search_document ORDER BY key")


def downgrade():
    op.drop_table('search_term_stats')
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index('ix_search_document_title_terms', postgresql_using='gin')
        batch_op.drop_column('common')
        batch_op.drop_column('body_length')
        batch_op.drop_column('title_length')
        batch_op.drop_column('title_terms')
