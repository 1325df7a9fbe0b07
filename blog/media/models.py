"""Photos: one row per uploaded picture; its served variants are files named by content hash."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.accounts.models import User
from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db


class Photo(db.Model):
    """An uploaded photo. Only re-encoded, metadata-free variants are kept; never the original file.

    ``variants`` maps ``"<format>-<width>"`` (e.g. ``"jpeg-960"``, ``"webp-480"``) to
    ``{"name": "<sha256>.jpg", "width": 960, "height": 640}``.
    """

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The short token authors type: [[photo:KEY]]. Kept when the picture is replaced.
    key: Mapped[str] = mapped_column(String(16), unique=True)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    source_format: Mapped[str] = mapped_column(String(10), default="")
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    variants: Mapped[dict] = mapped_column(JSON, default=dict)
    alt_text: Mapped[str] = mapped_column(Text, default="")
    caption_markdown: Mapped[str] = mapped_column(Text, default="")
    caption_html: Mapped[str] = mapped_column(Text, default="")
    credit: Mapped[str] = mapped_column(String(300), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()

    def variant_list(self, fmt: str) -> list[dict]:
        """Variants of one format ("jpeg" or "webp"), narrowest first."""
        rows = [v for k, v in (self.variants or {}).items() if k.startswith(fmt + "-")]
        return sorted(rows, key=lambda v: v["width"])

    @property
    def file_names(self) -> list[str]:
        return [v["name"] for v in (self.variants or {}).values()]

    @property
    def label(self) -> str:
        """How the editor names the photo to a person (its file name, else its key)."""
        return self.original_name or self.key

    def __repr__(self) -> str:
        return f"<Photo {self.key}>"
