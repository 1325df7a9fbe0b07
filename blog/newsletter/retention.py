"""Retention: personal data kept only as long as it is needed.

- An unconfirmed subscription is deleted once its confirmation link has expired
  (``NEWSLETTER_CONFIRM_HOURS``).
- ``NEWSLETTER_RETENTION_DAYS`` after mail to an address stopped (unsubscribed,
  complained, bounced), the subscriber, their delivery records and their consent
  log are deleted, and only a keyed hash of the address is kept: enough for the
  subscribe form and the CSV import to refuse it, useless to anyone who reads the
  database without the key.

The worker runs ``apply_retention`` in its housekeeping; ``flask newsletter retention``
runs it by hand.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter.models import SubscriberStatus, Subscriber, SuppressedAddress

LEFT_STATUSES = (SubscriberStatus.UNSUBSCRIBED.value, SubscriberStatus.BOUNCED.value)


def address_hash(email: str) -> str:
    """HMAC-SHA256 of the normalised (stripped, lower-case) address with the suppression key."""
    key = current_app.config["NEWSLETTER_SUPPRESSION_KEY"].encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def is_suppressed(email: str) -> bool:
    return db.session.get(SuppressedAddress, address_hash(email)) is not None


@dataclass
class RetentionResult:
    unconfirmed_deleted: int = 0
    suppressed: int = 0

    def line(self) -> str:
        return (f"{self.unconfirmed_deleted} unconfirmed subscriptions deleted; "
                f"{self.suppressed} addresses reduced to a suppression hash.")


def apply_retention(*, now: datetime | None = None) -> RetentionResult:
    """Delete expired unconfirmed subscriptions and reduce long-gone addresses to hashes (flushes)."""
    now = now or utcnow()
    config = current_app.config
    result = RetentionResult()
    confirm_before = now - timedelta(hours=config["NEWSLETTER_CONFIRM_HOURS"])
    # Deliveries and consent lines go with the row (ON DELETE CASCADE).
    outcome = db.session.execute(
        delete(Subscriber).where(Subscriber.status == SubscriberStatus.PENDING.value,
                                 Subscriber.consent_at.is_(None),
                                 Subscriber.created_at < confirm_before,
                                 (Subscriber.confirmation_sent_at.is_(None))
                                 | (Subscriber.confirmation_sent_at < confirm_before))
        .execution_options(synchronize_session=False))
    result.unconfirmed_deleted = outcome.rowcount or 0
    left_before = now - timedelta(days=config["NEWSLETTER_RETENTION_DAYS"])
    gone = db.session.execute(
        select(Subscriber.id, Subscriber.email, Subscriber.status)
        .where(Subscriber.status.in_(LEFT_STATUSES), Subscriber.unsubscribed_at < left_before)).all()
    for subscriber_id, email, status in gone:
        digest = address_hash(email)
        if db.session.get(SuppressedAddress, digest) is None:
            db.session.add(SuppressedAddress(address_hash=digest, reason=status, suppressed_at=now))
        db.session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id)
                           .execution_options(synchronize_session=False))
        result.suppressed += 1
    db.session.flush()
    return result
