"""Personal API tokens: only a hash of each secret is kept."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.accounts.models import User
from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db


class ApiToken(db.Model):
    """A token a person made on their profile page for a script; it acts as that person, within
    its scopes. ``revoked_at`` set: refused, kept so the profile page can show it ended."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the secret ("blogapi_AbC1"), to recognise a token in a list or a log.
    prefix: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of the whole secret
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, e.g. "read posts:write"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    affects_public_pages = False

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def active(self) -> bool:
        return self.revoked_at is None
