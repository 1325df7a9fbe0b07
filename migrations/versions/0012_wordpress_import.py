"""wordpress_items (what a WordPress import brought in) and old_paths (the old site's addresses)

Revision ID: 0012_wordpress_import
Revises: 0011_citable_posts
"""
from alembic import op
import sqlalchemy as sa


revision = "0012_wordpress_import"
down_revision = "0011_citable_posts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wordpress_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("wp_id", sa.Integer(), nullable=False),
        sa.Column("post_type", sa.String(length=40), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "wp_id", name="uq_wordpress_items_source_wp_id"),
    )
    op.create_index("ix_wordpress_items_post_id", "wordpress_items", ["post_id"])
    op.create_index("ix_wordpress_items_photo_id", "wordpress_items", ["photo_id"])
    op.create_table(
        "old_paths",
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("path"),
    )
    op.create_index("ix_old_paths_post_id", "old_paths", ["post_id"])


def downgrade():
    op.drop_index("ix_old_paths_post_id", table_name="old_paths")
    op.drop_table("old_paths")
    op.drop_index("ix_wordpress_items_photo_id", table_name="wordpress_items")
    op.drop_index("ix_wordpress_items_post_id", table_name="wordpress_items")
    op.drop_table("wordpress_items")
