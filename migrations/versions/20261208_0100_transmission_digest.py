"""transmission digest

A digest (SHA-256, hex) of each imported payment file's records, so that a transmission number seen
before with other content is refused instead of skipped. Transmissions imported before have none
(NULL: unknown, compared by number only).

Revision ID: 5e1d7c0a9b31
Revises: 28d2d4bb7376
Create Date: 2026-12-08 01:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e1d7c0a9b31'
down_revision = '28d2d4bb7376'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_transmissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('payment_transmissions', schema=None) as batch_op:
        batch_op.drop_column('digest')
