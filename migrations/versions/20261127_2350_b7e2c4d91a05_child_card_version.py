"""card versions: two saves of one card (or parent, or guardian) at once, the second told

Revision ID: b7e2c4d91a05
Revises: 5dd7c392a9f1
Create Date: 2026-11-27 23:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c4d91a05'
down_revision = '5dd7c392a9f1'
branch_labels = None
depends_on = None


TABLES = ('child', 'parent', 'guardian')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), server_default='1', nullable=False)
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
