"""Site-wide settings an admin edits in the browser (one row)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
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


class DemoObject(db.Model):
    """A row ``flask demo`` created, by table and id: removing the demo removes exactly these.

    Marks are kept apart from the content tables so that no feature's model has
    to know about the demo, and content a group writes is never mistaken for it.
    """

    __tablename__ = "demo_objects"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)  # the marked row's table name
    object_id: Mapped[int] = mapped_column(Integer, primary_key=True)

    affects_public_pages = False
