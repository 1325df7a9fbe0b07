"""People: staff accounts with roles (as in Ghost) and invitations."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db


class Role(str, enum.Enum):
    """Roles in increasing power; each can do everything the ones before it can."""

    CONTRIBUTOR = "contributor"  # writes drafts, cannot publish
    AUTHOR = "author"  # publishes their own posts
    EDITOR = "editor"  # publishes and edits anyone's posts, manages tags
    ADMIN = "admin"  # also manages people and site settings

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: "Role") -> bool:
        return self.rank >= other.rank


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a byline-only person (credited on posts, no account): see ``is_byline_only``.
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    affiliation: Mapped[str] = mapped_column(String(255), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    # Scholarly identity: an ORCID iD ("0000-0002-1825-0097", bare) and the ROR id of the
    # affiliation ("03yrm5c26", bare); empty when unknown.
    orcid: Mapped[str] = mapped_column(String(19), default="", server_default="")
    ror: Mapped[str] = mapped_column(String(9), default="", server_default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.CONTRIBUTOR.value)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the id kept in session and remember cookies: raising it ends every session at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_byline_only(self) -> bool:
        """Credited on posts and shown among the people, but without an account to sign in to."""
        return self.password_hash is None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def can(self, role: Role) -> bool:
        return self.active and self.role_enum.at_least(role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to inactive accounts
        return self.active

    def get_id(self) -> str:
        """Flask-Login's "alternative id": a cookie made before ``end_sessions`` names no one."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Void every session and remember cookie of this person, on every device."""
        self.session_version = (self.session_version or 1) + 1

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Invitation(db.Model):
    """A one-use link that lets a new person set a password; only a hash of its token is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[User | None] = relationship()

    affects_public_pages = False

    def usable(self, now: datetime) -> bool:
        return self.accepted_at is None and now < self.expires_at
