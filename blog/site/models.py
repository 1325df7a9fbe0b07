"""Site-wide settings an admin edits in the browser (one row)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db

SETTINGS_ID = 1


class SiteSettings(db.Model):
    __tablename__ = "site_settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=SETTINGS_ID)
    site_name: Mapped[str] = mapped_column(String(120), default="Research Group Blog")
    tagline: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    about_markdown: Mapped[str] = mapped_column(Text, default="")
    about_html: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    language: Mapped[str] = mapped_column(String(16), default="en")
    logo_path: Mapped[str] = mapped_column(String(255), default="")
    footer_text: Mapped[str] = mapped_column(Text, default="")
    # Moves whenever anything readers can see changes: the basis of ETags and Last-Modified.
    content_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Editing the stamp itself must not count as a change of content.
    affects_public_pages = False
