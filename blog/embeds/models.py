"""Social-post snapshots: what someone said on X/Twitter, Mastodon or Bluesky, kept here.

A snapshot is referred to from Markdown by its ``key`` (``[[social:KEY]]``);
``text`` is what the person wrote, as plain text, and ``text_html`` the same
text with links, @mentions and #hashtags made into safe links (rendered on
save, read as is).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.accounts.models import User
from blog.core.time import UTC, UTCDateTime, utcnow
from blog.extensions import db
from blog.media.models import Photo


class Platform(str, enum.Enum):
    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    OTHER = "other"

    @property
    def label(self) -> str:
        return PLATFORM_LABELS[self]


PLATFORM_LABELS = {
    Platform.X: "X (Twitter)",
    Platform.MASTODON: "Mastodon",
    Platform.BLUESKY: "Bluesky",
    Platform.OTHER: "another site",
}


HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "sir", "dame", "rev"}


class SocialPost(db.Model):
    __tablename__ = "social_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What ``[[social:KEY]]`` names: lowercase letters, digits and hyphens; never changes.
    key: Mapped[str] = mapped_column(String(60), unique=True)
    platform: Mapped[str] = mapped_column(String(20), default=Platform.X.value)
    # For platform "other": the site's name as readers should see it ("LinkedIn").
    platform_name: Mapped[str] = mapped_column(String(60), default="")
    display_name: Mapped[str] = mapped_column(String(120), default="")
    # Without the leading "@"; Mastodon handles keep their instance ("user@instance.social").
    handle: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    text_html: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(16), default="")
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # True when only the day is known (X's embed code gives "November 21, 2014").
    posted_date_only: Mapped[bool] = mapped_column(default=False)
    # The time as it was shown ("19h") when no absolute time is known.
    posted_label: Mapped[str] = mapped_column(String(60), default="")
    like_count: Mapped[int | None] = mapped_column(Integer)
    repost_count: Mapped[int | None] = mapped_column(Integer)
    reply_count: Mapped[int | None] = mapped_column(Integer)
    counts_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    url: Mapped[str] = mapped_column(String(500), default="")
    # The platform's own id of the post (a status number, a Bluesky record key).
    external_id: Mapped[str] = mapped_column(String(120), default="")
    in_reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_posts.id", ondelete="SET NULL"), index=True
    )
    # Uploaded through the photo pipeline (metadata stripped, served from this site); else initials.
    avatar_photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    in_reply_to: Mapped[SocialPost | None] = relationship(remote_side=[id], lazy="joined", join_depth=2)
    attachments: Mapped[list[SocialPostAttachment]] = relationship(
        order_by="SocialPostAttachment.position", cascade="all, delete-orphan", lazy="selectin"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    avatar_photo: Mapped[Photo | None] = relationship(foreign_keys=[avatar_photo_id], lazy="selectin")

    @property
    def platform_enum(self) -> Platform:
        try:
            return Platform(self.platform)
        except ValueError:
            return Platform.OTHER

    @property
    def platform_label(self) -> str:
        if self.platform_enum is Platform.OTHER and self.platform_name:
            return self.platform_name
        return self.platform_enum.label

    @property
    def at_handle(self) -> str:
        return f"@{self.handle}" if self.handle else ""

    @property
    def posted_datetime_attr(self) -> str:
        """The ``datetime`` attribute of the card's ``<time>``: a day, or UTC to the second."""
        if self.posted_at is None:
            return ""
        moment = self.posted_at.astimezone(UTC)
        return moment.strftime("%Y-%m-%d") if self.posted_date_only else moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def initials(self) -> str:
        """Up to two letters for the avatar circle: "Dr Ian Elliott" -> "IE"."""
        words = [w for w in (self.display_name or self.handle or "?").replace("_", " ").split()
                 if w[:1].isalnum() and w.lower().rstrip(".") not in HONORIFICS]
        if not words:
            return "?"
        letters = words[0][:1] + (words[-1][:1] if len(words) > 1 else "")
        return letters.upper()

    @property
    def summary(self) -> str:
        text = " ".join((self.text or "").split())
        return text if len(text) <= 80 else text[:79] + "…"

    def __repr__(self) -> str:
        return f"<SocialPost {self.key} {self.platform} @{self.handle}>"


class SocialPostAttachment(db.Model):
    """A photo that came with the post: its description (alt text), and the picture if uploaded."""

    __tablename__ = "social_post_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    social_post_id: Mapped[int] = mapped_column(ForeignKey("social_posts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default="photo")
    alt_text: Mapped[str] = mapped_column(Text, default="")
    # The picture itself when the author uploaded it; without it the card names the photo by its alt text.
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id", ondelete="SET NULL"))

    photo: Mapped[Photo | None] = relationship(lazy="selectin")


class SocialPostRevision(db.Model):
    """A saved state of a snapshot (all its fields), for its edit history."""

    __tablename__ = "social_post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    social_post_id: Mapped[int] = mapped_column(ForeignKey("social_posts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(20), default="save")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()

    affects_public_pages = False
