"""Posts, their tags, credited authors, revisions and old slugs."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.accounts.models import User
from blog.core.markdown import DIRECTIVE_IN_SOURCE
from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db


class PostStatus(str, enum.Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # public once ``published_at`` has passed: decided when read, no cron
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


class PostKind(str, enum.Enum):
    """A dated write-up, or a standalone page (About, Join us) at the site root: one table, as in
    WordPress and Ghost, so pages share the editor, revisions and preview."""

    POST = "post"
    PAGE = "page"


# Statuses whose posts readers can see once ``published_at`` is in the past.
VISIBLE_STATUSES = (PostStatus.PUBLISHED.value, PostStatus.SCHEDULED.value)
# A reader of prose on screen: the usual estimate (Medium and Ghost use 230–275).
WORDS_PER_MINUTE = 230

post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class PostAuthor(db.Model):
    """A person credited on a post, in the order the byline shows them."""

    __tablename__ = "post_authors"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship(lazy="joined")


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        # Every public listing filters on status and sorts newest first.
        Index("ix_posts_status_published", "status", "published_at", "id"),
        # Counting listed posts and paging by offset (numbered feed archive pages) read this index
        # alone, in date order: (status, published_at) cannot, status being one of two values.
        Index("ix_posts_listed", "kind", "published_at", "id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identity for feeds and email: never changes when the title or slug does.
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    kind: Mapped[str] = mapped_column(String(10), default=PostKind.POST.value,
                                      server_default=PostKind.POST.value)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    custom_excerpt: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=PostStatus.DRAFT.value)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Counts saves; an edit based on an older version is refused instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1)
    preview_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # media: the photo shown above the post and in cards/feeds (added by 0002_media).
    feature_photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("photos.id", ondelete="SET NULL"), index=True)
    # Citable posts (0012): empty language/licence mean the site's default (``blog.scholarly``).
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    licence: Mapped[str] = mapped_column(String(40), default="", server_default="")  # an SPDX id
    doi: Mapped[str] = mapped_column(String(255), default="", server_default="")  # "10.x/y", no resolver

    credits: Mapped[list[PostAuthor]] = relationship(
        order_by=PostAuthor.position, cascade="all, delete-orphan", lazy="selectin"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by=Tag.name, lazy="selectin")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    feature_photo: Mapped["Photo | None"] = relationship(foreign_keys=[feature_photo_id])  # noqa: F821

    @property
    def authors(self) -> list[User]:
        return [credit.user for credit in self.credits]

    @property
    def reading_minutes(self) -> int:
        """Minutes to read the body at 230 words a minute (at least one); directives count as no words."""
        words = len(DIRECTIVE_IN_SOURCE.sub("", self.body_markdown or "").split())
        return max(1, round(words / WORDS_PER_MINUTE))

    def is_visible(self, now: datetime) -> bool:
        return self.status in VISIBLE_STATUSES and self.published_at is not None and self.published_at <= now

    def effective_status(self, now: datetime) -> PostStatus:
        """What readers experience: a scheduled post whose time has come is published."""
        if self.status == PostStatus.SCHEDULED.value and self.is_visible(now):
            return PostStatus.PUBLISHED
        return PostStatus(self.status)

    def __repr__(self) -> str:
        return f"<Post {self.slug} {self.status}>"


class PostRevision(db.Model):
    """A saved state of a post: who saved what, when."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body_markdown: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(20), default="save")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()

    affects_public_pages = False


class SlugRedirect(db.Model):
    """An old slug of a post, answered with a 301 to its current address."""

    __tablename__ = "slug_redirects"

    old_slug: Mapped[str] = mapped_column(String(140), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)


# Registered here so the mapper finds ``Photo`` (Post.feature_photo) and the editor's working copies.
from blog.media.models import Photo  # noqa: E402,F401
from blog.editor.models import WorkingCopy  # noqa: E402,F401
