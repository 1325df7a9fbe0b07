"""search_documents and the full-text indexes over it (FTS5 tables and triggers on SQLite,
generated tsvector columns with GIN indexes on PostgreSQL); filled from the content

Revision ID: 0017_search
Revises: 0016_api_tokens

The index objects are made by ``blog.search.models.index_ddl`` (the same statements
``create_all`` runs), so migrated and freshly created databases are alike. The index starts
empty: run ``flask search reindex`` once after upgrading a site that has content (the models,
which a later revision may change, are not used here).
"""
from alembic import op
import sqlalchemy as sa


revision = "0017_search"
down_revision = "0016_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    from blog.search.models import index_ddl

    op.create_table(
        "search_documents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("kind", "object_id", name="uq_search_documents_kind_object"),
    )
    op.create_index(op.f("ix_search_documents_language"), "search_documents", ["language"], unique=False)
    bind = op.get_bind()
    for statement in index_ddl(bind.dialect.name):
        op.execute(statement)


def downgrade():
    from blog.search.models import drop_index_ddl

    for statement in drop_index_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("search_documents")
