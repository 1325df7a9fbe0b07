"""posts.kind (a dated post or a standalone page); users.email optional for byline-only people, users.orcid and users.ror

Revision ID: 0010_pages_and_byline_people
Revises: 0009_demo_objects
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_pages_and_byline_people"
down_revision = "0009_demo_objects"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), server_default="post", nullable=False))
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=320), nullable=True)
        batch_op.add_column(sa.Column("orcid", sa.String(length=19), server_default="", nullable=False))
        batch_op.add_column(sa.Column("ror", sa.String(length=9), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("ror")
        batch_op.drop_column("orcid")
        batch_op.alter_column("email", existing_type=sa.String(length=320), nullable=False)
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("kind")
