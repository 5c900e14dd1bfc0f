"""project list orders: indexes on contract (created_at, id), (value, id) and (ends_on, id)

Revision ID: 0014_project_list_orders
Revises: 0013_search_speed
Create Date: 2026-11-28

The public project list sorts by signing date, value or end date, each with the id as the tie-break; with these
indexes a page is an index walk from the nearer end, not a sort of every project (200,000 in a province).
"""
from alembic import op

revision = '0014_project_list_orders'
down_revision = '0013_search_speed'
branch_labels = None
depends_on = None

INDEXES = {"ix_contract_created_at_id": ["created_at", "id"], "ix_contract_value_id": ["value", "id"],
           "ix_contract_ends_on_id": ["ends_on", "id"]}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "contract", columns, unique=False)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="contract")
