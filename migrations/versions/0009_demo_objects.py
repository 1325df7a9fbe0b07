"""demo_objects: which rows `flask demo` created, so that they can be removed in one step

Revision ID: 0009_demo_objects
Revises: 0008_content_version
"""
from alembic import op
import sqlalchemy as sa


revision = "0009_demo_objects"
down_revision = "0008_content_version"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('demo_objects',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'object_id', name=op.f('pk_demo_objects'))
    )


def downgrade():
    op.drop_table('demo_objects')
