"""embeds: social-post snapshots (avatars and attached photos via photos), their edit history

Revision ID: 0003_embeds
Revises: 0002_media
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_embeds"
down_revision = "0002_media"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "social_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("platform_name", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted_date_only", sa.Boolean(), nullable=False),
        sa.Column("posted_label", sa.String(length=60), nullable=False),
        sa.Column("like_count", sa.Integer(), nullable=True),
        sa.Column("repost_count", sa.Integer(), nullable=True),
        sa.Column("reply_count", sa.Integer(), nullable=True),
        sa.Column("counts_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("in_reply_to_id", sa.Integer(), nullable=True),
        sa.Column("avatar_photo_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["avatar_photo_id"], ["photos.id"],
                                name=op.f("fk_social_posts_avatar_photo_id_photos"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_social_posts_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["in_reply_to_id"], ["social_posts.id"],
                                name=op.f("fk_social_posts_in_reply_to_id_social_posts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_posts")),
        sa.UniqueConstraint("key", name=op.f("uq_social_posts_key")),
    )
    with op.batch_alter_table("social_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_social_posts_in_reply_to_id"), ["in_reply_to_id"], unique=False)

    op.create_table(
        "social_post_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("social_post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"],
                                name=op.f("fk_social_post_attachments_photo_id_photos"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["social_post_id"], ["social_posts.id"],
                                name=op.f("fk_social_post_attachments_social_post_id_social_posts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_post_attachments")),
    )
    with op.batch_alter_table("social_post_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_social_post_attachments_social_post_id"), ["social_post_id"],
                              unique=False)

    op.create_table(
        "social_post_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("social_post_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_social_post_revisions_author_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["social_post_id"], ["social_posts.id"],
                                name=op.f("fk_social_post_revisions_social_post_id_social_posts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_post_revisions")),
    )
    with op.batch_alter_table("social_post_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_social_post_revisions_social_post_id"), ["social_post_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("social_post_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_social_post_revisions_social_post_id"))
    op.drop_table("social_post_revisions")
    with op.batch_alter_table("social_post_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_social_post_attachments_social_post_id"))
    op.drop_table("social_post_attachments")
    with op.batch_alter_table("social_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_social_posts_in_reply_to_id"))
    op.drop_table("social_posts")
