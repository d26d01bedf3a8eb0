"""portal workplace parts

The workplace of each deduction line and portal entry, and the approvals of a list's parts
(portal_approvals).

Existing lines get the workplace of the member's deduction employment at the list's employer in the
list's month (the largest position; else any employment there), existing entries their line's.

Revision ID: 28d2d4bb7376
Revises: 76d39a6d1e98
Create Date: 2026-12-08 00:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '28d2d4bb7376'
down_revision = '76d39a6d1e98'
branch_labels = None
depends_on = None

LINE_WORKPLACES = """
UPDATE deduction_lines SET workplace_id = (
    SELECT e.workplace_id FROM employments e
    JOIN workplaces w ON w.id = e.workplace_id
    JOIN deduction_lists l ON l.id = deduction_lines.list_id
    WHERE e.membership_id = deduction_lines.membership_id AND w.employer_id = l.employer_id
    ORDER BY CASE WHEN e.from_date <= l.period AND (e.to_date IS NULL OR e.to_date >= l.period) THEN 0 ELSE 1 END,
             CASE WHEN e.payment_method = 'deduction' THEN 0 ELSE 1 END, e.position_bp DESC, e.workplace_id
    LIMIT 1)
WHERE membership_id IS NOT NULL
"""
ENTRY_WORKPLACES = """
UPDATE portal_entries SET workplace_id = (
    SELECT deduction_lines.workplace_id FROM deduction_lines WHERE deduction_lines.id = portal_entries.line_id)
WHERE line_id IS NOT NULL
"""


def upgrade():
    op.create_table('portal_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('workplace_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('total_ore', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['deduction_lists.id'], name=op.f('fk_portal_approvals_list_id_deduction_lists')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portal_approvals_user_id_users')),
    sa.ForeignKeyConstraint(['workplace_id'], ['workplaces.id'], name=op.f('fk_portal_approvals_workplace_id_workplaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_approvals'))
    )
    with op.batch_alter_table('portal_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_approvals_list_id'), ['list_id'], unique=False)

    with op.batch_alter_table('deduction_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workplace_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_deduction_lines_workplace_id'), ['workplace_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_deduction_lines_workplace_id_workplaces'), 'workplaces', ['workplace_id'], ['id'])
    op.execute(LINE_WORKPLACES)

    with op.batch_alter_table('portal_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workplace_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_portal_entries_list_id'), type_='unique')
        batch_op.create_unique_constraint('uq_portal_entries_list_line', ['list_id', 'line_id'])
        batch_op.create_unique_constraint('uq_portal_entries_list_person', ['list_id', 'national_id', 'workplace_id'])
        batch_op.create_foreign_key(batch_op.f('fk_portal_entries_workplace_id_workplaces'), 'workplaces', ['workplace_id'], ['id'])
    op.execute(ENTRY_WORKPLACES)


def downgrade():
    # an added person entered for two workplaces keeps one entry: the old rule allowed one per list
    op.execute("""
        DELETE FROM portal_entries WHERE line_id IS NULL AND id NOT IN (
            SELECT MIN(id) FROM portal_entries GROUP BY list_id, national_id)
    """)
    with op.batch_alter_table('portal_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_portal_entries_workplace_id_workplaces'), type_='foreignkey')
        batch_op.drop_constraint('uq_portal_entries_list_person', type_='unique')
        batch_op.drop_constraint('uq_portal_entries_list_line', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_portal_entries_list_id'), ['list_id', 'national_id'])
        batch_op.drop_column('workplace_id')

    with op.batch_alter_table('deduction_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deduction_lines_workplace_id_workplaces'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_deduction_lines_workplace_id'))
        batch_op.drop_column('workplace_id')

    with op.batch_alter_table('portal_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_approvals_list_id'))

    op.drop_table('portal_approvals')
