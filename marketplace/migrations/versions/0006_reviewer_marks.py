"""Reviewers' marks in G, and lengthened rating windows; the buyer's single adjustment of G goes.

Revision ID: 0006_reviewer_marks
Revises: 0005_contracts_outcomes
Create Date: 2026-11-28

An adjustment made before this revision becomes the buyer's mark (its reason the mark's reasoning). Closed
evaluations keep the G they were scored with, so no published figure moves; an evaluation still open (whose G is
not yet published) counts that mark with the configured weight m when it closes.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_reviewer_marks'
down_revision = '0005_contracts_outcomes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outcome_reviewer_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('buyer', 'expert', 'third_party', name='reviewerkind', native_enum=False, length=20), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('invited_at', sa.DateTime(), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('no_conflict_at', sa.DateTime(), nullable=True),
    sa.Column('marked_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('score IS NULL OR (comment IS NOT NULL AND marked_at IS NOT NULL AND no_conflict_at IS NOT NULL)', name=op.f('ck_outcome_reviewer_mark_mark_complete')),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 0 AND 100', name=op.f('ck_outcome_reviewer_mark_score_range')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['outcome_evaluation.id'], name=op.f('fk_outcome_reviewer_mark_evaluation_id_outcome_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_outcome_reviewer_mark_invited_by_id_user_account')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_outcome_reviewer_mark_reviewer_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_reviewer_mark')),
    sa.UniqueConstraint('evaluation_id', 'reviewer_id', name=op.f('uq_outcome_reviewer_mark_evaluation_id_reviewer_id'))
    )
    with op.batch_alter_table('outcome_reviewer_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_reviewer_mark_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_reviewer_mark_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index('uq_outcome_reviewer_mark_one_buyer', ['evaluation_id'], unique=True,
                              sqlite_where=sa.text("kind = 'buyer'"), postgresql_where=sa.text("kind = 'buyer'"))

    with op.batch_alter_table('outcome_evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extensions', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reviewer_weight', sa.Numeric(precision=5, scale=4), nullable=True))
        batch_op.add_column(sa.Column('reviewer_score', sa.Numeric(precision=5, scale=2), nullable=True))
        batch_op.add_column(sa.Column('reviewer_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('government_score', sa.Numeric(precision=5, scale=2), nullable=True))

    # An adjustment becomes the buyer's mark with full weight, which reproduces the G it stood for.
    op.execute("""
        INSERT INTO outcome_reviewer_mark (evaluation_id, reviewer_id, kind, invited_by_id, invited_at, score, comment,
                                           no_conflict_at, marked_at)
        SELECT id, adjusted_by_id, 'buyer', adjusted_by_id, adjusted_at, adjusted_g, adjustment_reason, adjusted_at,
               adjusted_at
        FROM outcome_evaluation WHERE adjusted_g IS NOT NULL AND adjusted_by_id IS NOT NULL""")
    op.execute("""
        UPDATE outcome_evaluation SET government_score = COALESCE(adjusted_g, computed_g),
               reviewer_weight = CASE WHEN adjusted_g IS NULL THEN 0.5 ELSE 1 END,
               reviewer_score = adjusted_g, reviewer_count = CASE WHEN adjusted_g IS NULL THEN 0 ELSE 1 END
        WHERE status != 'rating'""")

    with op.batch_alter_table('outcome_evaluation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outcome_evaluation_adjustment_reasoned'), type_='check')
        batch_op.drop_constraint(op.f('ck_outcome_evaluation_closed_is_scored'), type_='check')
        batch_op.drop_constraint(op.f('fk_outcome_evaluation_adjusted_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('adjusted_by_id')
        batch_op.drop_column('adjusted_at')
        batch_op.drop_column('adjustment_reason')
        batch_op.drop_column('adjusted_g')
        batch_op.create_check_constraint(
            op.f('ck_outcome_evaluation_closed_is_scored'),
            "status = 'rating' OR (final_score IS NOT NULL AND resident_weight >= 0.70 "
            "AND government_score IS NOT NULL AND closed_at IS NOT NULL)")
        batch_op.create_check_constraint(op.f('ck_outcome_evaluation_extensions_counted'), 'extensions >= 0')


def downgrade():
    with op.batch_alter_table('outcome_evaluation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outcome_evaluation_extensions_counted'), type_='check')
        batch_op.drop_constraint(op.f('ck_outcome_evaluation_closed_is_scored'), type_='check')
        batch_op.add_column(sa.Column('adjusted_g', sa.Numeric(precision=5, scale=2), nullable=True))
        batch_op.add_column(sa.Column('adjustment_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('adjusted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('adjusted_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_outcome_evaluation_adjusted_by_id_user_account'), 'user_account',
                                    ['adjusted_by_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_outcome_evaluation_adjustment_reasoned'),
            'adjusted_g IS NULL OR (adjusted_g BETWEEN 0 AND 100 AND adjustment_reason IS NOT NULL)')
        batch_op.create_check_constraint(
            op.f('ck_outcome_evaluation_closed_is_scored'),
            "status = 'rating' OR (final_score IS NOT NULL AND resident_weight >= 0.70 AND closed_at IS NOT NULL)")
    op.execute("""
        UPDATE outcome_evaluation SET adjusted_g = government_score, adjusted_at = closed_at,
               adjusted_by_id = (SELECT m.reviewer_id FROM outcome_reviewer_mark m
                                 WHERE m.evaluation_id = outcome_evaluation.id AND m.kind = 'buyer'),
               adjustment_reason = COALESCE((SELECT m.comment FROM outcome_reviewer_mark m
                                             WHERE m.evaluation_id = outcome_evaluation.id AND m.kind = 'buyer'),
                                            'G from reviewers'' marks')
        WHERE government_score IS NOT NULL AND government_score != computed_g""")
    with op.batch_alter_table('outcome_evaluation', schema=None) as batch_op:
        batch_op.drop_column('government_score')
        batch_op.drop_column('reviewer_count')
        batch_op.drop_column('reviewer_score')
        batch_op.drop_column('reviewer_weight')
        batch_op.drop_column('extensions')
    with op.batch_alter_table('outcome_reviewer_mark', schema=None) as batch_op:
        batch_op.drop_index('uq_outcome_reviewer_mark_one_buyer', sqlite_where=sa.text("kind = 'buyer'"),
                            postgresql_where=sa.text("kind = 'buyer'"))
        batch_op.drop_index(batch_op.f('ix_outcome_reviewer_mark_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_outcome_reviewer_mark_evaluation_id'))
    op.drop_table('outcome_reviewer_mark')
