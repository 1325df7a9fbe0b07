"""Subscribers, mailings (digests and announcements), the delivery outbox, and the schedule."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db


class SubscriberStatus(str, enum.Enum):
    PENDING = "pending"  # asked to subscribe, has not confirmed: nothing is sent but the confirmation
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"  # too many permanent failures: never sent to again until they re-confirm


class Receives(str, enum.Enum):
    BOTH = "both"
    DIGEST = "digest"
    EVENTS = "events"  # event announcements only

    @property
    def label(self) -> str:
        return {"both": "Digests and event announcements", "digest": "Digests only",
                "events": "Event announcements only"}[self.value]


def new_token_key() -> str:
    return secrets.token_urlsafe(12)


class Subscriber(db.Model):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default=SubscriberStatus.PENDING.value, index=True)
    receives: Mapped[str] = mapped_column(String(20), default=Receives.BOTH.value)
    tags: Mapped[str] = mapped_column(String(255), default="")
    # Part of every signed link: changing it (after "delete my data" or on request) voids old links.
    token_key: Mapped[str] = mapped_column(String(32), default=new_token_key)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_method: Mapped[str] = mapped_column(Text, default="")
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounce_count: Mapped[int] = mapped_column(Integer, default=0)
    last_bounce: Mapped[str] = mapped_column(Text, default="")

    affects_public_pages = False

    @property
    def receives_enum(self) -> Receives:
        return Receives(self.receives)

    @property
    def active(self) -> bool:
        return self.status == SubscriberStatus.SUBSCRIBED.value

    def __repr__(self) -> str:
        return f"<Subscriber {self.email} {self.status}>"


class MailingKind(str, enum.Enum):
    DIGEST = "digest"
    POST = "post"  # "email this post"
    EVENT = "event"  # "email this event"


class Mailing(db.Model):
    """One digest or announcement: its content, composed once, and who queued it."""

    __tablename__ = "mailings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=MailingKind.DIGEST.value)
    subject: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text)  # CSS inlined; %%MARKERS%% for per-person links
    body_text: Mapped[str] = mapped_column(Text)
    # For a digest: what it covers; the next digest starts where this one ends.
    covers_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    covers_until: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)

    created_by = relationship("User")

    affects_public_pages = False


class DeliveryStatus(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"
    FAILED = "failed"  # permanent failure, or temporary ones past the attempt limit
    SKIPPED = "skipped"  # the subscriber left between queueing and sending


class Delivery(db.Model):
    """One row of the outbox: one mailing to one person."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("mailing_id", "subscriber_id", name="uq_deliveries_mailing_subscriber"),
        # Workers look for due rows by status and time.
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("mailings.id", ondelete="CASCADE"), index=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str] = mapped_column(Text, default="")

    mailing: Mapped[Mailing] = relationship()
    subscriber: Mapped[Subscriber] = relationship()

    affects_public_pages = False


class ScheduleFrequency(str, enum.Enum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class NewsletterSettings(db.Model):
    """The digest schedule and the editor's note for the next digest (one row)."""

    __tablename__ = "newsletter_settings"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    frequency: Mapped[str] = mapped_column(String(10), default=ScheduleFrequency.OFF.value)
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # Monday = 0
    send_time: Mapped[str] = mapped_column(String(5), default="09:00")  # in the site's time zone
    reply_to: Mapped[str] = mapped_column(String(320), default="")
    editor_note: Mapped[str] = mapped_column(Text, default="")  # Markdown, for the next digest
    # The last scheduled slot already handled (queued, or found empty): ``run`` does each slot once.
    last_slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    affects_public_pages = False


class ConsentEvent(db.Model):
    """One line of a subscriber's consent log: append-only, written by ``blog.newsletter.consent``."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(30))  # requested, confirmed, imported, preferences, ...
    source: Mapped[str] = mapped_column(String(20), default="")  # footer, page, embed, import, email, ...
    consent_text: Mapped[str] = mapped_column(Text, default="")
    consent_version: Mapped[str] = mapped_column(String(40), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")  # as NEWSLETTER_STORE_IP says
    detail: Mapped[str] = mapped_column(Text, default="")

    affects_public_pages = False


class SuppressedAddress(db.Model):
    """An address that left (bounced, unsubscribed, complained), kept only as a keyed hash."""

    __tablename__ = "suppressed_addresses"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(20))
    suppressed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    affects_public_pages = False


class SendCounter(db.Model):
    """Messages handed to the relay in one window, globally or for one recipient domain.

    The database is the store all workers share: ``blog.newsletter.ratelimit`` counts here.
    """

    __tablename__ = "send_counters"

    # "*/<window seconds>/<window start>" for the global count, "<domain>/<seconds>/<start>" per domain
    bucket: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

    affects_public_pages = False


class MailingDraft(db.Model):
    """A mailing someone drafted for an editor to review (and, past the threshold, a second person
    to approve) before it is queued; kept afterwards as the record of who wrote and who approved."""

    __tablename__ = "mailing_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text)  # as composed when drafted: what the reviewers read
    # What it is composed from again when queued: the digest's period and note, or the post or event.
    note: Mapped[str] = mapped_column(Text, default="")
    covers_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    covers_until: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mailing_id: Mapped[int | None] = mapped_column(ForeignKey("mailings.id", ondelete="SET NULL"))  # once queued

    created_by = relationship("User", foreign_keys=[created_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    affects_public_pages = False
