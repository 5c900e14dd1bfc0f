"""newest first: indexes on tender (published_at, id) and award (noticed_at, id)

Revision ID: 0015_newest_first
Revises: 0014_project_list_orders
Create Date: 2026-11-28

The API's tender list, the feeds and the home page's latest awards read the newest rows first; with these they
walk an index and stop after a page instead of sorting every tender or award.
"""
from alembic import op

revision = '0015_newest_first'
down_revision = '0014_project_list_orders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_tender_published_at_id", "tender", ["published_at", "id"], unique=False)
    op.create_index("ix_award_noticed_at_id", "award", ["noticed_at", "id"], unique=False)


def downgrade():
    op.drop_index("ix_award_noticed_at_id", table_name="award")
    op.drop_index("ix_tender_published_at_id", table_name="tender")
