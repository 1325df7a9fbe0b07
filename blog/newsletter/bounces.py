"""The bounce mailbox: delivery status notifications (RFC 3464) and complaints (RFC 5965 ARF).

A relay accepts a message and later finds it cannot be delivered, or a reader
presses "report spam": either way a report arrives by mail, at the envelope
sender (``MAIL_RETURN_PATH``). ``BOUNCE_MAILBOX_URL`` names that mailbox
(``imaps://user:password@host/INBOX`` or ``pop3s://user:password@host``); the
worker's housekeeping and ``flask newsletter bounces`` read it:

- a hard bounce (``Action: failed``, status 5.x.x) counts against the address as a
  refusal at sending time does: past ``NEWSLETTER_BOUNCE_THRESHOLD`` it is bounced;
- a soft bounce (4.x.x, or ``Action: delayed``) changes nothing (the relay retries);
- a complaint unsubscribes the address at once, recorded as a complaint.

A report is matched to the outbox row by the Message-ID of the original message
(each delivery stores the one it was sent with), else to the subscriber by the
failed recipient's address. A report already applied (its delivery marked failed)
is not counted twice. Reports are flagged ``$NewsletterProcessed`` (IMAP) or deleted
(POP3) after the database commit, so the next run skips them; any other message
(a person's reply) is left as it is for someone to read.
"""
from __future__ import annotations

import imaplib
import poplib
import ssl
from dataclasses import dataclass
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.consent import Source
from blog.newsletter.models import Delivery, DeliveryStatus, Subscriber, SubscriberStatus

PROCESSED_KEYWORD = "$NewsletterProcessed"
HARD, SOFT, COMPLAINT = "hard", "soft", "complaint"


@dataclass
class Report:
    """One recipient's outcome in a bounce or complaint report."""

    kind: str  # hard, soft or complaint
    recipient: str = ""
    message_id: str = ""
    status: str = ""
    diagnostic: str = ""

    def describe(self) -> str:
        return " ".join(part for part in (self.status, self.diagnostic) if part)[:500] or self.kind


def _address_field(value: str | None) -> str:
    """``"rfc822; Someone@Example.org"`` → ``"someone@example.org"``."""
    return (value or "").rpartition(";")[2].strip().strip("<>").lower()


def _original_message_id(report: EmailMessage) -> str:
    """The Message-ID of the message the report is about (returned whole or as headers only)."""
    for part in report.iter_parts():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            original = part.get_payload(0)
        elif kind == "text/rfc822-headers":
            original = message_from_string(part.get_content(), policy=policy.default)
        else:
            continue
        return str(original.get("Message-ID") or "").strip()
    return ""


def _fields_part(report: EmailMessage, content_type: str) -> list:
    for part in report.iter_parts():
        if part.get_content_type() == content_type:
            return part.get_payload() if isinstance(part.get_payload(), list) else []
    return []


def parse_report(raw: bytes) -> list[Report]:
    """The recipients a DSN or ARF report is about; ``[]`` for any other message."""
    message = message_from_bytes(raw, policy=policy.default)
    if message.get_content_type() != "multipart/report":
        return []
    report_type = (message.get_param("report-type") or "").lower()
    message_id = _original_message_id(message)
    if report_type == "feedback-report":
        blocks = _fields_part(message, "message/feedback-report")
        fields = blocks[0] if blocks else {}
        source = f"{fields.get('Feedback-Type', 'abuse')} report from {fields.get('User-Agent', 'a provider')}"
        return [Report(COMPLAINT, recipient=_address_field(fields.get("Original-Rcpt-To")),
                       message_id=message_id, diagnostic=source)]
    if report_type != "delivery-status":
        return []
    reports = []
    for block in _fields_part(message, "message/delivery-status")[1:]:  # the first is about the message
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip()
        if action == "failed" and status.startswith("5"):
            kind = HARD
        elif action in ("failed", "delayed"):
            kind = SOFT
        else:
            continue  # delivered, relayed, expanded
        recipient = _address_field(block.get("Final-Recipient") or block.get("Original-Recipient"))
        reports.append(Report(kind, recipient=recipient, message_id=message_id, status=status,
                              diagnostic=str(block.get("Diagnostic-Code", "")).partition(";")[2].strip()))
    return reports


@dataclass
class BounceResult:
    hard: int = 0
    soft: int = 0
    complaints: int = 0
    unmatched: int = 0  # reports about no one on the list
    repeated: int = 0  # already applied
    other: int = 0  # messages that are not reports
    messages: int = 0

    def line(self) -> str:
        return (f"{self.messages} messages read: {self.hard} hard bounces, {self.soft} soft, "
                f"{self.complaints} complaints, {self.unmatched} about unknown addresses, "
                f"{self.repeated} already applied, {self.other} not reports.")


def _match(report: Report) -> tuple[Delivery | None, Subscriber | None]:
    delivery = None
    if report.message_id:
        delivery = db.session.execute(select(Delivery).where(Delivery.message_id == report.message_id)
                                      ).scalars().first()
    if delivery is not None:
        return delivery, delivery.subscriber
    if report.recipient:
        return None, db.session.execute(select(Subscriber).where(Subscriber.email == report.recipient)
                                        ).scalar_one_or_none()
    return None, None


def apply_report(report: Report, result: BounceResult) -> None:
    """Change the list as the report says, in the session (the caller commits)."""
    delivery, subscriber = _match(report)
    if subscriber is None:
        result.unmatched += 1
        return
    if report.kind == COMPLAINT:
        if subscriber.status == SubscriberStatus.UNSUBSCRIBED.value:
            result.repeated += 1
            return
        services.unsubscribe(subscriber, source=Source.MAIL_SYSTEM, action="complaint",
                             detail=report.describe())
        result.complaints += 1
    elif report.kind == HARD:
        if delivery is not None and delivery.status == DeliveryStatus.FAILED.value:
            result.repeated += 1
            return
        if delivery is not None:
            delivery.status = DeliveryStatus.FAILED.value
            delivery.last_error = f"bounced: {report.describe()}"
        services.record_bounce(subscriber, report.describe(), source=Source.MAIL_SYSTEM)
        result.hard += 1
    else:
        result.soft += 1


# --- the mailbox ---------------------------------------------------------------------------------

def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=current_app.config["BOUNCE_MAILBOX_CA_FILE"] or None)


class IMAPMailbox:
    """Unflagged messages of one folder; processed ones get the keyword (and \\Seen)."""

    def __init__(self, url: str, timeout: float):
        self.parts = urlsplit(url)
        self.folder = unquote(self.parts.path.strip("/")) or "INBOX"
        self.timeout = timeout

    def __enter__(self) -> "IMAPMailbox":
        p = self.parts
        if p.scheme == "imaps":
            self.client = imaplib.IMAP4_SSL(p.hostname, p.port or 993, ssl_context=_tls_context(),
                                            timeout=self.timeout)
        else:
            self.client = imaplib.IMAP4(p.hostname, p.port or 143, timeout=self.timeout)
        self.client.login(unquote(p.username), unquote(p.password or ""))
        self.client.select(self.folder)
        return self

    def messages(self):
        _, data = self.client.uid("SEARCH", None, "UNKEYWORD", PROCESSED_KEYWORD)
        for uid in (data[0] or b"").split():
            _, fetched = self.client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is not None:
                yield uid, raw

    def mark_processed(self, keys: list) -> None:
        if keys:
            self.client.uid("STORE", b",".join(keys), "+FLAGS", f"(\\Seen {PROCESSED_KEYWORD})")

    def __exit__(self, *exc_info) -> None:
        try:
            self.client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


class POP3Mailbox:
    """Every message; processed ones are deleted (POP3 has no flags), which takes effect on QUIT."""

    def __init__(self, url: str, timeout: float):
        self.parts = urlsplit(url)
        self.timeout = timeout

    def __enter__(self) -> "POP3Mailbox":
        p = self.parts
        if p.scheme == "pop3s":
            self.client = poplib.POP3_SSL(p.hostname, p.port or 995, context=_tls_context(),
                                          timeout=self.timeout)
        else:
            self.client = poplib.POP3(p.hostname, p.port or 110, timeout=self.timeout)
        self.client.user(unquote(p.username))
        self.client.pass_(unquote(p.password or ""))
        return self

    def messages(self):
        count, _ = self.client.stat()
        for number in range(1, count + 1):
            _, lines, _ = self.client.retr(number)
            yield number, b"\r\n".join(lines) + b"\r\n"

    def mark_processed(self, keys: list) -> None:
        for number in keys:
            self.client.dele(number)

    def __exit__(self, *exc_info) -> None:
        try:
            self.client.quit()
        except (poplib.error_proto, OSError):
            pass


class MailboxError(RuntimeError):
    pass


def open_mailbox(url: str):
    timeout = current_app.config.get("MAIL_TIMEOUT", 30)
    return (IMAPMailbox if url.startswith("imap") else POP3Mailbox)(url, timeout)


def check_bounce_mailbox() -> BounceResult | None:
    """Read every new report in ``BOUNCE_MAILBOX_URL`` and apply it; None when no mailbox is set.

    Like the delivery worker, this commits: the changes first, then the mailbox
    marks, so a crash in between only means reading the same reports again
    (and a hard bounce matched to its delivery is not counted twice).

    :raise MailboxError: when the mailbox cannot be reached or refuses the sign-in.
    """
    url = current_app.config["BOUNCE_MAILBOX_URL"]
    if not url:
        return None
    result = BounceResult()
    try:
        with open_mailbox(url) as mailbox:
            processed = []
            for key, raw in mailbox.messages():
                result.messages += 1
                reports = parse_report(raw)
                if not reports:
                    result.other += 1
                    continue
                for report in reports:
                    apply_report(report, result)
                processed.append(key)
            db.session.commit()
            mailbox.mark_processed(processed)
    except (imaplib.IMAP4.error, poplib.error_proto, OSError) as error:
        db.session.rollback()
        raise MailboxError(f"cannot read the bounce mailbox {urlsplit(url).hostname}: {error}") from error
    return result
