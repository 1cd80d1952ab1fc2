"""row-level security on PostgreSQL: a forced tenant_isolation policy on every tenant table

Every table with a tenant_id column (but membership, see webapp.core.row_security) shows and
takes only the rows of the tenant the transaction names in shouwang.tenant_id, or every row
while shouwang.all_tenants is on. Nothing on SQLite. Later steps are covered by env.py, which
runs apply_row_security after each upgrade step once the policies are in force.

Revision ID: f824aa340694
Revises: ba137e261287
Create Date: 2026-11-28 01:00:00.000000

"""
from alembic import op

from webapp.core.row_security import apply_row_security, remove_row_security


# revision identifiers, used by Alembic.
revision = 'f824aa340694'
down_revision = 'ba137e261287'
branch_labels = None
depends_on = None


def upgrade():
    apply_row_security(op.get_bind())  # does nothing on SQLite


def downgrade():
    remove_row_security(op.get_bind())
