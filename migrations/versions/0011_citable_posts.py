"""Citable posts: posts.language, posts.licence and posts.doi; site_settings.licence

Posts keep the ``uid`` they already have: it has been their feed id/guid (``urn:uuid:<uid>``) since
the first migration, so existing rows need no new identifier and their feed ids do not change.

Revision ID: 0011_citable_posts
Revises: 0010_pages_and_byline_people
"""
from alembic import op
import sqlalchemy as sa


revision = "0011_citable_posts"
down_revision = "0010_pages_and_byline_people"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), server_default="", nullable=False))
        batch_op.add_column(sa.Column("licence", sa.String(length=40), server_default="", nullable=False))
        batch_op.add_column(sa.Column("doi", sa.String(length=255), server_default="", nullable=False))
    with op.batch_alter_table("site_settings") as batch_op:
        batch_op.add_column(sa.Column("licence", sa.String(length=40), server_default="CC-BY-4.0",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("site_settings") as batch_op:
        batch_op.drop_column("licence")
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("doi")
        batch_op.drop_column("licence")
        batch_op.drop_column("language")
