"""complaints: undo data of an import (complaintundo), so the latest snapshot can be removed

Revision ID: 0003a_complaints_undo
Revises: 0003_complaints
Create Date: 2026-12-03 19:55:00

On the complaints branch (after 0003_complaints): one table, complaintundo.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003a_complaints_undo'
down_revision = '0003_complaints'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaintundo',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('changed', sa.LargeBinary(), nullable=False),
    sa.Column('touched', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['complaintsnapshot.id'], ),
    sa.PrimaryKeyConstraint('snapshot_id')
    )


def downgrade() -> None:
    op.drop_table('complaintundo')
