"""accounts: users.session_version, raised to end every session of a person

Revision ID: 0006_session_version
Revises: 0005_newsletter
"""
from alembic import op
import sqlalchemy as sa


revision = "0006_session_version"
down_revision = "0005_newsletter"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
