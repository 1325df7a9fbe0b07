"""Personal API tokens: making, listing, revoking and recognising them.

A token's secret is ``blogapi_`` and 43 URL-safe characters (256 random bits); only
its SHA-256 is stored, so a leaked database holds no usable token. A token acts as
the person who made it, within its scopes: the role rules are the services' own
(``blog.posts.services`` and the rest), a scope only narrows what the token may try.
Functions flush, never commit.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from blog.accounts.models import User
from blog.api.models import ApiToken
from blog.core.time import utcnow
from blog.errors import NotAllowed, NotFound, ValidationFailed
from blog.extensions import db

TOKEN_PREFIX = "blogapi_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 4
MAX_TOKENS_PER_PERSON = 20
# Writing "last used" on every request would make each read a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class Scope:
    READ = "read"
    POSTS_WRITE = "posts:write"
    EVENTS_WRITE = "events:write"
    NEWSLETTER_WRITE = "newsletter:write"


SCOPES = {
    Scope.READ: "Read your drafts, posts and events through the Admin API",
    Scope.POSTS_WRITE: "Create, edit and publish posts; upload photos",
    Scope.EVENTS_WRITE: "Create, edit and publish events; upload photos",
    Scope.NEWSLETTER_WRITE: "Add newsletter subscribers (they confirm by email)",
}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_token(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX) and 20 <= len(secret) <= 100


def create_token(user: User, name: str, scopes: list[str], *, by: User) -> tuple[ApiToken, str]:
    """A new token for ``user`` (who must be ``by``: a token is personal); returns it and its
    secret, which is shown once and never again.

    :raise ValidationFailed: without a name or a scope, or for an unknown scope.
    """
    if by is None or by.id != user.id or not user.active:
        raise NotAllowed("A token can only be made by its owner.")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Name the token after the script that will use it.", field="name")
    chosen = list(dict.fromkeys(s for s in scopes if s))
    if not chosen:
        raise ValidationFailed("Choose at least one scope.", field="scopes")
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise ValidationFailed(f"Unknown scope: {', '.join(unknown)}.", field="scopes")
    if len(tokens_of(user, include_revoked=False)) >= MAX_TOKENS_PER_PERSON:
        raise ValidationFailed(f"You have {MAX_TOKENS_PER_PERSON} tokens already: revoke one first.",
                               field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:100], prefix=secret[:SHOWN_PREFIX_LENGTH],
                     token_hash=hash_secret(secret), scopes=" ".join(s for s in SCOPES if s in chosen))
    db.session.add(token)
    db.session.flush()
    return token, secret


def tokens_of(user: User, *, include_revoked: bool = True) -> list[ApiToken]:
    query = db.select(ApiToken).where(ApiToken.user_id == user.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(db.session.execute(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).scalars())


def token_of(user: User, token_id: int) -> ApiToken:
    """:raise NotFound: unless the token exists and is ``user``'s (nobody sees another's tokens)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("There is no such token.")
    return token


def revoke_token(token: ApiToken, *, by: User) -> None:
    if by is None or by.id != token.user_id:
        raise NotFound("There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()


def token_for_secret(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token with this secret, its ``last_used_at`` brought up to date; None for an
    unknown, revoked or malformed one, or one whose owner was deactivated."""
    if not looks_like_token(secret or ""):
        return None
    token = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))).scalar_one_or_none()
    if token is None or not token.active or not token.user.active or token.user.is_byline_only:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.flush()
    return token


# --- Content API queries -----------------------------------------------------------------------

def tags_query():
    from blog.posts.models import Tag

    return db.select(Tag).order_by(Tag.name, Tag.id)


def authors_query(now: datetime | None = None):
    """People readers can meet: credited on a listed post, or listed on /people/; by name."""
    from blog.people.models import PersonProfile
    from blog.posts.models import Post, PostAuthor
    from blog.posts.services import listed_filter

    now = now or utcnow()
    credited = db.exists().where(PostAuthor.user_id == User.id, PostAuthor.post_id == Post.id, listed_filter(now))
    listed = db.exists().where(PersonProfile.user_id == User.id, PersonProfile.listed)
    return db.select(User).where(User.active, db.or_(credited, listed)).order_by(User.display_name, User.id)
