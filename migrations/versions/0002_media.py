"""media: photos, posts.feature_photo_id, and the editor's autosave working copies

Revision ID: 0002_media
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa


revision = "0002_media"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("source_format", sa.String(length=10), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.Column("caption_markdown", sa.Text(), nullable=False),
        sa.Column("caption_html", sa.Text(), nullable=False),
        sa.Column("credit", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"],
                                name=op.f("fk_photos_uploaded_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        sa.UniqueConstraint("key", name=op.f("uq_photos_key")),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photos_content_hash"), ["content_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feature_photo_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_posts_feature_photo_id"), ["feature_photo_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_posts_feature_photo_id_photos"), "photos",
                                    ["feature_photo_id"], ["id"], ondelete="SET NULL")

    op.create_table(
        "working_copies",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision_kept_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"],
                                name=op.f("fk_working_copies_post_id_posts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_working_copies_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_working_copies")),
    )


def downgrade():
    op.drop_table("working_copies")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_posts_feature_photo_id_photos"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_posts_feature_photo_id"))
        batch_op.drop_column("feature_photo_id")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_created_at"))
        batch_op.drop_index(batch_op.f("ix_photos_content_hash"))
    op.drop_table("photos")
