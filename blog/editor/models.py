"""The editor's working copies: what autosave keeps, apart from the post and its revisions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db


class WorkingCopy(db.Model):
    """One person's unsaved text of one post, updated by autosave every few seconds.

    Autosaves never change the post (a published post stays as readers see it) and
    do not add a revision each time; an explicit save or publish turns the working
    copy into the post and deletes it. ``base_version`` is the post version the
    text started from, so a save from it still detects someone else's save.
    """

    __tablename__ = "working_copies"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    base_version: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When autosave last kept a revision; at most one every few minutes.
    revision_kept_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    affects_public_pages = False
