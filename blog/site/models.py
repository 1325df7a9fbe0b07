"""Site-wide settings an admin edits in the browser (one row)."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db

SETTINGS_ID = 1


def new_content_version() -> str:
    """Random rather than a counter, so two databases (or a restored backup) never share a version."""
    return secrets.token_hex(8)


class SiteSettings(db.Model):
    __tablename__ = "site_settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=SETTINGS_ID)
    site_name: Mapped[str] = mapped_column(String(120), default="Research Group Blog")
    tagline: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    language: Mapped[str] = mapped_column(String(16), default="en")
    logo_path: Mapped[str] = mapped_column(String(255), default="")
    footer_text: Mapped[str] = mapped_column(Text, default="")
    # The licence of posts that name none (an SPDX id; see ``blog.scholarly.services.LICENCES``).
    licence: Mapped[str] = mapped_column(String(40), default="CC-BY-4.0", server_default="CC-BY-4.0")
    # The content version: a new random token whenever anything readers can see changes (in the
    # same transaction as the write), and when that happened. ETags and cached pages are keyed on it.
    content_version: Mapped[str] = mapped_column(String(32), default=new_content_version)
    content_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The next moment pages change with no write (a scheduled post going live, an event starting
    # or ending), stored so that reading the version stays one primary-key look-up.
    next_change_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DemoObject(db.Model):
    """A row ``flask demo`` created, by table and id: removing the demo removes exactly these.

    Marks are kept apart from the content tables so that no feature's model has
    to know about the demo, and content a group writes is never mistaken for it.
    """

    __tablename__ = "demo_objects"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)  # the marked row's table name
    object_id: Mapped[int] = mapped_column(Integer, primary_key=True)

    affects_public_pages = False


class MenuKind(str, enum.Enum):
    """What a menu item links to."""

    POSTS = "posts"  # the list of posts (the home page)
    EVENTS = "events"  # the events list
    PAGE = "page"
    POST = "post"  # one post (a WordPress menu may link to one; the menu form offers pages)
    TAG = "tag"
    LINK = "link"  # an address outside the site


class MenuItem(db.Model):
    """An entry of the site's main menu (in the header), in ``position`` order."""

    __tablename__ = "menu_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, index=True)
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(80))
    # The page or tag it links to: deleting that removes the item (no menu entry pointing nowhere).
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500), default="")
