"""People pages (person_profiles) and publications with the people who wrote them

Revision ID: 0013_people_publications
Revises: 0012_wordpress_import
"""
from alembic import op
import sqlalchemy as sa


revision = "0013_people_publications"
down_revision = "0012_wordpress_import"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "person_profiles",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("group_role", sa.String(length=120), nullable=False),
        sa.Column("photo_id", sa.Integer(), sa.ForeignKey("photos.id", ondelete="SET NULL"), nullable=True),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_person_profiles_photo_id", "person_profiles", ["photo_id"])
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=120), nullable=False, unique=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("doi", sa.String(length=255), nullable=False),
        sa.Column("csl_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_publications_year", "publications", ["year"])
    op.create_index("ix_publications_created_at", "publications", ["created_at"])
    op.create_table(
        "publication_people",
        sa.Column("publication_id", sa.Integer(), sa.ForeignKey("publications.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_publication_people_user_id", "publication_people", ["user_id"])


def downgrade():
    op.drop_table("publication_people")
    op.drop_table("publications")
    op.drop_table("person_profiles")
