"""The group's people pages and publications.

A person is a ``User`` (with an account, or byline-only); ``PersonProfile`` adds what the
people page shows beyond the byline. A publication keeps its CSL-JSON item: every citation
format is made from it by ``blog.citations``.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.accounts.models import User
from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db
from blog.media.models import Photo


class PersonProfile(db.Model):
    """A person's entry on ``/people/``: role in the group, photo, links and their place in the list."""

    __tablename__ = "person_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    group_role: Mapped[str] = mapped_column(String(120), default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id", ondelete="SET NULL"), index=True)
    # One address a line (a homepage, a repository, a profile elsewhere).
    links: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    listed: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(lazy="joined")
    photo: Mapped[Photo | None] = relationship(lazy="joined")

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in (self.links or "").splitlines() if line.strip()]


publication_people = Table(
    "publication_people",
    db.metadata,
    Column("publication_id", ForeignKey("publications.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Publication(db.Model):
    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The citation key authors type in ``[[publication:KEY]]`` (from BibTeX, or made from a DOI).
    key: Mapped[str] = mapped_column(String(120), unique=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    type: Mapped[str] = mapped_column(String(40), default="document")
    title: Mapped[str] = mapped_column(Text, default="")
    doi: Mapped[str] = mapped_column(String(255), default="")
    csl_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    people: Mapped[list[User]] = relationship(secondary=publication_people, order_by=User.display_name)

    @property
    def item(self) -> dict:
        return json.loads(self.csl_json)

    def __repr__(self) -> str:
        return f"<Publication {self.key}>"
