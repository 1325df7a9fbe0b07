"""The consent log: what each subscriber agreed to, when, where and from which address.

Every change of a subscription appends one ``ConsentEvent``; nothing here
updates or deletes a line. The log lives as long as the subscriber row: deleting
one's data, or the retention rules of ``blog.newsletter.retention``, take it with it.
"""
from __future__ import annotations

import enum
import hashlib
import ipaddress
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter.models import ConsentEvent, Delivery, Mailing, Subscriber


class Source(str, enum.Enum):
    """Where a subscription or a change came from."""

    FOOTER = "footer"  # the form at the foot of every page
    PAGE = "page"  # /newsletter/subscribe
    EMBED = "embed"  # /newsletter/embed, on another site
    IMPORT = "import"  # an admin's CSV import
    EMAIL = "email"  # a link in an email (confirmation, preferences, unsubscribe)
    ONE_CLICK = "one-click"  # RFC 8058 List-Unsubscribe-Post from the mail client
    MAIL_SYSTEM = "mail-system"  # bounce reports and complaints read from the bounce mailbox
    RELAY = "relay"  # the SMTP server refused the address while sending
    API = "api"  # the Admin API, by a person with a token (``blog.api.admin``)


FORM_SOURCES = (Source.FOOTER, Source.PAGE, Source.EMBED)


def form_source(value: str | None, *, embedded: bool) -> Source:
    """The form a subscription came from (a hidden field; anything unknown counts as the page)."""
    if embedded:
        return Source.EMBED
    return Source.FOOTER if value == Source.FOOTER.value else Source.PAGE


def consent_text() -> tuple[str, str]:
    """``(text, version)`` of the consent statement the forms show now.

    The version is ``NEWSLETTER_CONSENT_VERSION`` or, when that is not set, a short
    hash of the text, so a changed text always gets a new version.
    """
    text = current_app.config["NEWSLETTER_CONSENT_TEXT"]
    version = (current_app.config["NEWSLETTER_CONSENT_VERSION"]
               or hashlib.sha256(text.encode()).hexdigest()[:12])
    return text, version


def stored_ip(address: str | None) -> str:
    """The client address as ``NEWSLETTER_STORE_IP`` says: ``full``, ``truncated`` (IPv4 /24,
    IPv6 /48, enough to tell a country or provider, not a household) or ``none``."""
    mode = current_app.config["NEWSLETTER_STORE_IP"]
    if not address or mode == "none":
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if mode == "full":
        return str(ip)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def record(subscriber: Subscriber, action: str, *, source: Source | str = "", ip: str | None = None,
           detail: str = "", with_consent_text: bool = False, now: datetime | None = None) -> ConsentEvent:
    """Append one line to the subscriber's log (the subscriber must have an id: flush first)."""
    text, version = consent_text() if with_consent_text else ("", "")
    event = ConsentEvent(subscriber_id=subscriber.id, at=now or utcnow(), action=action,
                         source=getattr(source, "value", source), consent_text=text, consent_version=version,
                         ip_address=stored_ip(ip), detail=detail[:1000])
    db.session.add(event)
    return event


def history(subscriber: Subscriber) -> list[ConsentEvent]:
    return list(db.session.execute(
        select(ConsentEvent).where(ConsentEvent.subscriber_id == subscriber.id)
        .order_by(ConsentEvent.at, ConsentEvent.id)).scalars())


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _event_dict(event: ConsentEvent) -> dict:
    return {"at": _iso(event.at), "action": event.action, "source": event.source,
            "consent_text": event.consent_text, "consent_version": event.consent_version,
            "ip_address": event.ip_address, "detail": event.detail}


def personal_data(subscriber: Subscriber) -> dict:
    """Everything kept about one subscriber, for their own download (GDPR art. 15 and 20)."""
    deliveries = db.session.execute(
        select(Mailing.subject, Mailing.kind, Delivery.status, Delivery.sent_at)
        .join(Mailing, Mailing.id == Delivery.mailing_id)
        .where(Delivery.subscriber_id == subscriber.id).order_by(Delivery.id)).all()
    return {
        "email": subscriber.email, "name": subscriber.name, "status": subscriber.status,
        "receives": subscriber.receives, "interests": subscriber.tags,
        "subscribed_at": _iso(subscriber.created_at), "confirmed_at": _iso(subscriber.consent_at),
        "consent": subscriber.consent_method, "unsubscribed_at": _iso(subscriber.unsubscribed_at),
        "bounce_count": subscriber.bounce_count,
        "consent_log": [_event_dict(e) for e in history(subscriber)],
        "mail_sent": [{"subject": subject, "kind": kind, "status": status, "sent_at": _iso(sent_at)}
                      for subject, kind, status, sent_at in deliveries],
    }


CSV_COLUMNS = ["email", "at", "action", "source", "consent_version", "consent_text", "ip_address", "detail"]


def export_rows(*, by: User, subscriber: Subscriber | None = None) -> list[list]:
    """The consent log of everyone (or of one subscriber) as rows of ``CSV_COLUMNS``, oldest line
    first, for ``blog.core.spreadsheet.csv_response``."""
    require_role(by, Role.ADMIN, "export the consent log")
    query = (select(Subscriber.email, ConsentEvent)
             .join(Subscriber, Subscriber.id == ConsentEvent.subscriber_id)
             .order_by(ConsentEvent.subscriber_id, ConsentEvent.at, ConsentEvent.id))
    if subscriber is not None:
        query = query.where(ConsentEvent.subscriber_id == subscriber.id)
    rows = []
    for email, event in db.session.execute(query):
        row = _event_dict(event)
        rows.append([email] + [row[c] for c in CSV_COLUMNS[1:]])
    return rows
