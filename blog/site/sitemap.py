"""sitemap.xml: one urlset while it fits, a sitemap index past 50,000 URLs.

Features other than posts add their pages with ``register_source``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from flask import url_for
from sqlalchemy import func

from blog.core.time import utcnow
from blog.extensions import db
from blog.posts.models import Post, PostAuthor, PostKind, Tag
from blog.posts.services import visible_filter
from blog.accounts.models import User

MAX_URLS = 50_000
Entry = tuple[str, "datetime | None"]
_sources: list[Callable[[], Iterable[Entry]]] = []


def register_source(source: Callable[[], Iterable[Entry]]) -> None:
    """``source()`` yields ``(path, last_modified)`` pairs for pages that are not posts."""
    _sources.append(source)


def page_entries() -> list[Entry]:
    """Every URL that is not a post or page: home, archive, tags, authors, and registered sources."""
    entries: list[Entry] = [(url_for("posts.home"), None), (url_for("posts.archive"), None)]
    entries += [(url_for("posts.tag", slug=s), None)
                for s in db.session.execute(db.select(Tag.slug).order_by(Tag.slug)).scalars()]
    credited = db.select(PostAuthor.user_id).distinct()
    entries += [(url_for("people.person", slug=s), None) for s in db.session.execute(
        db.select(User.slug).where(User.id.in_(credited)).order_by(User.slug)).scalars()]
    for source in _sources:
        entries.extend(source())
    return entries


def post_count(now: datetime) -> int:
    return db.session.execute(db.select(func.count(Post.id)).where(visible_filter(now))).scalar_one()


def post_entries(now: datetime, chunk: int | None = None) -> list[Entry]:
    """Visible posts; with ``chunk``, only those whose id falls in that block of MAX_URLS ids."""
    query = db.select(Post.slug, Post.updated_at, Post.kind).where(visible_filter(now))
    if chunk is not None:
        query = query.where(Post.id >= chunk * MAX_URLS, Post.id < (chunk + 1) * MAX_URLS)
    return [(url_for("posts.page" if kind == PostKind.PAGE.value else "posts.post", slug=slug), updated)
            for slug, updated, kind in db.session.execute(query.order_by(Post.id))]


def post_chunks() -> int:
    highest = db.session.execute(db.select(func.max(Post.id))).scalar_one_or_none() or 0
    return highest // MAX_URLS + 1


def needs_index(now: datetime | None = None) -> bool:
    return post_count(now or utcnow()) + len(page_entries()) > MAX_URLS
