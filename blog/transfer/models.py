"""What a WordPress import remembers: which WordPress items became which rows, and the old
addresses that answer with a redirect to the new ones."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db


class WordPressItem(db.Model):
    """One item of a WordPress site (a post, a page or an attachment) already imported, so a
    second import of the same export changes nothing. ``source`` is the site's address as the
    export names it (two WordPress sites may both have a post 1)."""

    __tablename__ = "wordpress_items"
    __table_args__ = (UniqueConstraint("source", "wp_id", name="uq_wordpress_items_source_wp_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(500))
    wp_id: Mapped[int] = mapped_column(Integer)
    post_type: Mapped[str] = mapped_column(String(40))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OldPath(db.Model):
    """An address of the old site (``/2019/05/03/slug``, ``/?p=12``, ``/about``), stored without
    its trailing slash, that answers with a 301 to the post it became."""

    __tablename__ = "old_paths"

    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
