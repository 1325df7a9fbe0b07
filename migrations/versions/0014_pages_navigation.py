"""menu_items (the header's menu); the About text of site settings becomes the page /about

Revision ID: 0014_pages_navigation
Revises: 0013_people_publications

On a site that exists (it has a settings row), the About text (or, when it was
empty, the site description the old /about page showed instead) becomes a
published page with the slug "about", unless a post already has that slug, and
the menu gets the default items: Posts, Events, About. A fresh database gets
neither: `flask init` and `flask demo` create them.
"""
from datetime import datetime, timezone
from html import escape
import uuid

from alembic import op
import sqlalchemy as sa


revision = "0014_pages_navigation"
down_revision = "0013_people_publications"
branch_labels = None
depends_on = None

site_settings = sa.table(
    "site_settings", sa.column("id", sa.Integer), sa.column("description", sa.Text),
    sa.column("about_markdown", sa.Text), sa.column("about_html", sa.Text))
posts = sa.table(
    "posts", sa.column("id", sa.Integer), sa.column("uid", sa.String), sa.column("kind", sa.String),
    sa.column("title", sa.String), sa.column("slug", sa.String), sa.column("body_markdown", sa.Text),
    sa.column("body_html", sa.Text), sa.column("custom_excerpt", sa.Text), sa.column("excerpt", sa.Text),
    sa.column("status", sa.String), sa.column("published_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("version", sa.Integer), sa.column("created_by_id", sa.Integer))
post_revisions = sa.table(
    "post_revisions", sa.column("post_id", sa.Integer), sa.column("number", sa.Integer),
    sa.column("title", sa.String), sa.column("body_markdown", sa.Text), sa.column("reason", sa.String),
    sa.column("author_id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)))
users = sa.table("users", sa.column("id", sa.Integer), sa.column("role", sa.String))
menu_items = sa.table(
    "menu_items", sa.column("position", sa.Integer), sa.column("kind", sa.String),
    sa.column("label", sa.String), sa.column("post_id", sa.Integer), sa.column("url", sa.String))


def upgrade():
    op.create_table('menu_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('tag_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_menu_items_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_menu_items_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_menu_items'))
    )
    with op.batch_alter_table('menu_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_menu_items_position'), ['position'], unique=False)
        batch_op.create_index(batch_op.f('ix_menu_items_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_menu_items_tag_id'), ['tag_id'], unique=False)

    _move_about_into_a_page(op.get_bind())

    with op.batch_alter_table('site_settings', schema=None) as batch_op:
        batch_op.drop_column('about_html')
        batch_op.drop_column('about_markdown')


def _move_about_into_a_page(bind) -> None:
    settings = bind.execute(sa.select(site_settings).where(site_settings.c.id == 1)).first()
    if settings is None:
        return
    about_id = bind.execute(sa.select(posts.c.id).where(posts.c.slug == "about")).scalar()
    if about_id is None:
        markdown, html = settings.about_markdown or "", settings.about_html or ""
        if not markdown.strip():  # the old /about showed the description then
            markdown = settings.description or ""
            html = f"<p>{escape(markdown)}</p>" if markdown else ""
        admin = bind.execute(sa.select(users.c.id).where(users.c.role == "admin").order_by(users.c.id)).scalar()
        now = datetime.now(timezone.utc)
        about_id = bind.execute(posts.insert().values(
            uid=str(uuid.uuid4()), kind="page", title="About", slug="about", body_markdown=markdown,
            body_html=html, custom_excerpt="", excerpt="", status="published", published_at=now,
            created_at=now, updated_at=now, version=1, created_by_id=admin,
        ).returning(posts.c.id)).scalar()
        bind.execute(post_revisions.insert().values(
            post_id=about_id, number=1, title="About", body_markdown=markdown, reason="create",
            author_id=admin, created_at=now))
    bind.execute(menu_items.insert(), [
        {"position": 0, "kind": "posts", "label": "Posts", "post_id": None, "url": ""},
        {"position": 1, "kind": "events", "label": "Events", "post_id": None, "url": ""},
        {"position": 2, "kind": "page", "label": "About", "post_id": about_id, "url": ""},
    ])


def downgrade():
    with op.batch_alter_table('site_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about_markdown', sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column('about_html', sa.Text(), server_default="", nullable=False))
    bind = op.get_bind()
    about = bind.execute(sa.select(posts.c.body_markdown, posts.c.body_html)
                         .where(posts.c.slug == "about", posts.c.kind == "page")).first()
    if about is not None:
        bind.execute(site_settings.update().values(about_markdown=about.body_markdown,
                                                   about_html=about.body_html))
    with op.batch_alter_table('menu_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_menu_items_tag_id'))
        batch_op.drop_index(batch_op.f('ix_menu_items_post_id'))
        batch_op.drop_index(batch_op.f('ix_menu_items_position'))
    op.drop_table('menu_items')
