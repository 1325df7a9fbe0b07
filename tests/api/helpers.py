"""Helpers for the API tests: tokens made through the service, bearer headers."""
from __future__ import annotations

from blog.accounts.models import User
from blog.api import services as tokens
from blog.extensions import db


def make_token(user: User, *scopes: str, name: str = "script") -> str:
    """A committed token of ``user`` with ``scopes`` (all of them when none are named); its secret."""
    _, secret = tokens.create_token(user, name, list(scopes) or list(tokens.SCOPES), by=user)
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}
