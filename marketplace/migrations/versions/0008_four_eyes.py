"""four eyes on beneficiary access: nobody grants access to themself

Revision ID: 0008_four_eyes
Revises: 0007_payments
Create Date: 2026-11-28

Grants a person made to themself before the rule existed are removed; a colleague grants them again.
"""
from alembic import op

revision = '0008_four_eyes'
down_revision = '0007_payments'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM beneficiary_access WHERE granted_by_id = user_id")
    with op.batch_alter_table('beneficiary_access', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_beneficiary_access_granted_by_another'), 'granted_by_id != user_id')


def downgrade():
    with op.batch_alter_table('beneficiary_access', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_beneficiary_access_granted_by_another'), type_='check')
