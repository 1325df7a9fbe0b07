"""Accounts: creating people, signing in, roles, invitations and password resets.

Functions take the acting user as ``by`` and raise domain errors; they flush
but never commit.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import RateLimitItem, parse_many

from blog.accounts.models import Invitation, Role, User
from blog.accounts.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from blog.core.slugs import unique_slug
from blog.core.time import utcnow
from blog.errors import NotAllowed, NotFound, ValidationFailed
from blog.extensions import db, limiter

MIN_PASSWORD_LENGTH = 10
PASSWORD_RESET_MAX_AGE = 60 * 60 * 2


def require_role(user: User | None, role: Role, action: str = "do that") -> None:
    """:raise NotAllowed: unless ``user`` is signed in, active and has at least ``role``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.can(role):
        raise NotAllowed(f"Your role does not allow you to {action}.")


def normalise_email(address: str) -> str:
    """Syntax check and normalise (no DNS look-up); :raise ValidationFailed: when malformed."""
    try:
        result = validate_email((address or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(f"That email address is not valid: {exc}", field="email") from exc
    return result.normalized.lower()


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )


def user_by_email(email: str) -> User | None:
    return db.session.execute(db.select(User).where(User.email == email.lower())).scalar_one_or_none()


def create_user(email: str, password: str | None, *, role: Role = Role.CONTRIBUTOR,
                display_name: str = "", affiliation: str = "", bio: str = "") -> User:
    """Create an account. ``password=None`` makes one that cannot sign in (a credited author).

    :raise ValidationFailed: on a malformed or already registered email, or a short password.
    """
    email = normalise_email(email)
    if user_by_email(email):
        raise ValidationFailed("An account with that email address already exists.", field="email")
    if password is not None:
        _check_password(password)
    name = display_name.strip() or email.split("@")[0]
    user = User(
        email=email,
        password_hash=hash_password(password) if password is not None else None,
        display_name=name,
        slug=unique_slug(User, name),
        affiliation=affiliation.strip(),
        bio=bio.strip(),
        role=Role(role).value,
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_byline_person(display_name: str, *, email: str | None = None, affiliation: str = "",
                         bio: str = "") -> User:
    """A person credited on posts who has no account (a co-author, a guest, an imported author).

    With an email address they can later be invited to an account under it; without one, only
    their name is known.

    :raise ValidationFailed: on an empty name, or a malformed or already registered email.
    """
    name = (display_name or "").strip()
    if not name:
        raise ValidationFailed("A person needs a name.", field="display_name")
    if email:
        return create_user(email, None, display_name=name, affiliation=affiliation, bio=bio)
    person = User(email=None, password_hash=None, display_name=name, slug=unique_slug(User, name),
                  affiliation=affiliation.strip(), bio=bio.strip(), role=Role.CONTRIBUTOR.value)
    db.session.add(person)
    db.session.flush()
    return person


def set_password(user: User, password: str) -> None:
    """Store a new password; every session and remember cookie of ``user`` stops working."""
    _check_password(password)
    user.password_hash = hash_password(password)
    user.end_sessions()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """:raise ValidationFailed: when ``current_password`` is wrong or the new one too short."""
    if not user.password_hash or not verify_password(user.password_hash, current_password or ""):
        raise ValidationFailed("That is not your current password.", field="current_password")
    set_password(user, new_password)


class TooManyAttempts(ValidationFailed):
    status_code = 429


class _LoginFailures:
    """Failed sign-ins, counted apart per client address, per account and per (account, address).

    * An address past ``LOGIN_LIMITS`` may not try any account.
    * An account past ``LOGIN_ACCOUNT_LIMITS`` is under attack: only addresses that have not
      failed on it recently may still try it, so its owner, typing the right password from
      their usual place, gets in while a guesser elsewhere is refused.

    Counters live in the rate limiter's storage (shared by every worker in production).
    """

    def __init__(self, email: str, address: str):
        prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
        self.strategy = limiter.limiter
        self.address_key = (prefix, "login-address", address)
        self.account_key = (prefix, "login-account", email)
        self.pair_key = (prefix, "login-pair", email, address)
        self.address_limits = parse_many(current_app.config["LOGIN_LIMITS"])
        self.account_limits = parse_many(current_app.config["LOGIN_ACCOUNT_LIMITS"])

    def _exhausted(self, limits: list[RateLimitItem], key: tuple) -> bool:
        return any(not self.strategy.test(limit, *key) for limit in limits)

    def _any_recorded(self, limits: list[RateLimitItem], key: tuple) -> bool:
        return any(self.strategy.get_window_stats(limit, *key).remaining < limit.amount for limit in limits)

    def refused(self) -> bool:
        if self._exhausted(self.address_limits, self.address_key):
            return True
        return (self._exhausted(self.account_limits, self.account_key)
                and self._any_recorded(self.account_limits, self.pair_key))

    def count(self) -> None:
        for limit in self.address_limits:
            self.strategy.hit(limit, *self.address_key)
        for limit in self.account_limits:
            self.strategy.hit(limit, *self.account_key)
            self.strategy.hit(limit, *self.pair_key)


def authenticate(email: str, password: str, *, address: str) -> User:
    """The user whose email and password match; an old-style password hash is replaced.

    ``address`` is the client's address as the configured proxies report it (``PROXY_COUNT``).

    :raise TooManyAttempts: see ``_LoginFailures``; the password is then not even checked.
    :raise ValidationFailed: with the same message for an unknown email and a wrong password.
    """
    email = (email or "").strip().lower()
    failures = _LoginFailures(email, address) if current_app.config["RATELIMIT_ENABLED"] else None
    if failures and failures.refused():
        raise TooManyAttempts("Too many sign-in attempts. Wait a few minutes and try again.")
    user = user_by_email(email)
    stored = user.password_hash if user and user.password_hash else DUMMY_HASH
    if not verify_password(stored, password or "") or user is None or not user.active \
            or not user.password_hash:
        if failures:
            failures.count()
        raise ValidationFailed("That email and password do not match an account.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(email: str, role: Role, *, by: User) -> tuple[Invitation, str]:
    """Make an invitation; returns it with the secret token (only its hash is stored)."""
    require_role(by, Role.ADMIN, "invite people")
    email = normalise_email(email)
    holder = user_by_email(email)
    if holder is not None and not holder.is_byline_only:  # a byline-only person may be given an account
        raise ValidationFailed("That person already has an account.", field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        role=Role(role).value,
        token_hash=_token_hash(token),
        invited_by=by,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def invitation_for(token: str) -> Invitation:
    """:raise NotFound: for an unknown, used or expired token."""
    invitation = db.session.execute(
        db.select(Invitation).where(Invitation.token_hash == _token_hash(token or ""))
    ).scalar_one_or_none()
    if invitation is None or not invitation.usable(utcnow()):
        raise NotFound("This invitation link is not valid: it may have been used or have expired.")
    return invitation


def accept_invitation(token: str, *, password: str, display_name: str, affiliation: str = "") -> User:
    """The invited person's account: a new one, or the byline-only person already under that email,
    who keeps their posts and page."""
    invitation = invitation_for(token)
    user = user_by_email(invitation.email)
    if user is not None and user.is_byline_only:
        set_password(user, password)
        user.role = Role(invitation.role).value
        user.display_name = display_name.strip() or user.display_name
        user.affiliation = affiliation.strip() or user.affiliation
    else:
        user = create_user(invitation.email, password, role=Role(invitation.role),
                           display_name=display_name, affiliation=affiliation)
    invitation.accepted_at = utcnow()
    return user


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def password_reset_token(user: User) -> str:
    """A signed token that stops working after two hours or once the password changes."""
    return _reset_serializer().dumps({"id": user.id, "pw": (user.password_hash or "")[-16:]})


def reset_password(token: str, new_password: str) -> User:
    """:raise NotFound: for a bad, expired or already used token."""
    try:
        data = _reset_serializer().loads(token, max_age=PASSWORD_RESET_MAX_AGE)
    except (BadSignature, SignatureExpired) as exc:
        raise NotFound("This password reset link is not valid or has expired.") from exc
    user = db.session.get(User, data.get("id"))
    if user is None or (user.password_hash or "")[-16:] != data.get("pw"):
        raise NotFound("This password reset link is not valid or has expired.")
    set_password(user, new_password)
    return user


def update_profile(user: User, *, by: User, display_name: str, affiliation: str, bio: str) -> None:
    if by.id != user.id:
        require_role(by, Role.ADMIN, "edit other people's profiles")
    if not display_name.strip():
        raise ValidationFailed("A display name is required.", field="display_name")
    user.display_name = display_name.strip()
    user.affiliation = affiliation.strip()
    user.bio = bio.strip()


def change_role(user: User, role: Role, *, by: User) -> None:
    """A new role also ends the person's sessions: they sign in again under it."""
    require_role(by, Role.ADMIN, "change roles")
    if user.id == by.id and Role(role) != Role.ADMIN:
        raise ValidationFailed("You cannot remove your own admin role.")
    if user.role != Role(role).value:
        user.role = Role(role).value
        user.end_sessions()


def set_active(user: User, active: bool, *, by: User) -> None:
    require_role(by, Role.ADMIN, "suspend accounts")
    if user.id == by.id:
        raise ValidationFailed("You cannot suspend your own account.")
    if not active:
        user.end_sessions()
    user.active = active


def sign_out_everywhere(user: User, *, by: User) -> None:
    """End every session and remember cookie of ``user`` (a signed-out device, a lost laptop)."""
    if by.id != user.id:
        require_role(by, Role.ADMIN, "sign other people out")
    user.end_sessions()


def delete_person(user: User, *, by: User, hand_over_to: User) -> None:
    """Delete an account for good; ``hand_over_to`` is credited on their posts and owns their events.

    :raise NotAllowed: below admin. :raise ValidationFailed: for one's own account, or handing
    over to the person being deleted.
    """
    # Imported here: posts and events build on accounts (roles), not the other way round.
    from blog.events.services import hand_over_events
    from blog.posts.services import hand_over_posts

    require_role(by, Role.ADMIN, "delete people")
    if user.id == by.id:
        raise ValidationFailed("You cannot delete your own account.")
    if hand_over_to.id == user.id:
        raise ValidationFailed("Choose someone else to take over their posts and events.", field="hand_over_to")
    hand_over_posts(user, to=hand_over_to)
    hand_over_events(user, to=hand_over_to)
    db.session.delete(user)
    db.session.flush()


def list_users() -> list[User]:
    return list(db.session.execute(db.select(User).order_by(User.display_name)).scalars())
