"""Subscribers (double opt-in, preferences, import/export), composing mailings, queueing the outbox.

Functions flush, never commit, and raise ``blog.errors`` domain errors. Mail
that a service decides to send is returned to the caller (the view or CLI
command), which sends it after its commit.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from html import unescape as html_unescape
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, insert, literal, or_, select

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core.mail import PersonalSlots, inline_css
from blog.core.markdown import render_markdown
from blog.core.maths import math_as_tex
from blog.core.sanitize import is_site_image
from blog.core.time import local_to_utc, to_local, utcnow
from blog.core.urls import absolute_url, absolutise_urls, anchors_on
from blog.errors import NotAllowed, NotFound, ValidationFailed
from blog.extensions import db
from blog.newsletter import consent
from blog.newsletter.consent import Source
from blog.newsletter.models import (Delivery, DeliveryStatus, Mailing, MailingKind, NewsletterSettings,
                                    Receives, ScheduleFrequency, Subscriber, SubscriberStatus,
                                    new_token_key)
from blog.newsletter.retention import is_suppressed
from blog.newsletter.plaintext import html_to_text
from blog.posts.models import Post
from blog.posts.services import is_page, listed_filter, post_url
from blog.site.services import get_settings

# Gmail clips messages over 102 KB; stay clear of it with the headers added.
MAX_HTML_BYTES = 95_000
RESEND_AFTER = timedelta(minutes=5)


# --- addresses and signed links ----------------------------------------------------------------

def normalise_email(address: str) -> str:
    """Syntax check and normalise (no DNS look-up); :raise ValidationFailed: when malformed."""
    address = (address or "").strip()
    if len(address) > 320 or re.search(r"[\r\n]", address):
        raise ValidationFailed("That email address is not valid.", field="email")
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(f"That email address is not valid: {exc}", field="email") from exc
    return result.normalized.lower()


def _clean_tags(tags: str | list[str] | None) -> str:
    if isinstance(tags, str):
        tags = tags.split(",")
    seen = []
    for tag in tags or []:
        tag = re.sub(r"[^\w .-]", "", tag).strip()[:40]
        if tag and tag.lower() not in (t.lower() for t in seen):
            seen.append(tag)
    return ", ".join(seen)[:255]


def _clean_name(name: str | None) -> str:
    return re.sub(r"[\x00-\x1f\x7f]+", " ", name or "").strip()[:120]


def _receives(value: str | None) -> Receives:
    try:
        return Receives(value or Receives.BOTH.value)
    except ValueError as exc:
        raise ValidationFailed("Choose digests, event announcements or both.", field="receives") from exc


def _link_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="newsletter-subscriber")


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="newsletter-confirm")


def subscriber_token(subscriber: Subscriber) -> str:
    """The signed, per-subscriber token of preference and unsubscribe links (no expiry)."""
    return _link_serializer().dumps([subscriber.id, subscriber.token_key])


def subscriber_for_token(token: str) -> Subscriber:
    """:raise NotFound: for a forged token, or one voided (data deleted, key changed)."""
    try:
        sub_id, key = _link_serializer().loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound("This link is not valid.") from exc
    subscriber = db.session.get(Subscriber, sub_id) if isinstance(sub_id, int) else None
    if subscriber is None or subscriber.token_key != key:
        raise NotFound("This link is not valid, or the subscription no longer exists.")
    return subscriber


def confirm_token(subscriber: Subscriber, *, receives: Receives, name: str, tags: str) -> str:
    """A signed link that expires; it carries what the person asked for, applied on confirmation."""
    return _confirm_serializer().dumps([subscriber.id, subscriber.token_key, receives.value, name, tags])


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute_url("newsletter.unsubscribe", token=subscriber_token(subscriber))


def preferences_url(subscriber: Subscriber) -> str:
    return absolute_url("newsletter.preferences", token=subscriber_token(subscriber))


# --- subscribing -------------------------------------------------------------------------------

@dataclass
class SubscribeOutcome:
    """What the form did; the view answers the same whatever it is, and sends ``mail`` after commit."""

    subscriber: Subscriber | None
    mail: str | None  # "confirm", "already" or None
    requested: tuple | None = None  # (receives, name, tags) carried by the confirmation link


def subscribe(email: str, *, name: str = "", receives: str | None = None, tags: str = "",
              honeypot: str = "", source: Source = Source.PAGE, ip: str | None = None,
              now: datetime | None = None) -> SubscribeOutcome:
    """Ask to subscribe. New, pending, unsubscribed: a confirmation mail; subscribed: a reminder.
    An address kept only as a suppression hash (it bounced or left long ago) gets nothing.

    :raise ValidationFailed: for a malformed address (the only answer that differs, and it
        says nothing about who subscribes).
    """
    now = now or utcnow()
    email = normalise_email(email)
    wanted = _receives(receives)
    name, tags = _clean_name(name), _clean_tags(tags)
    if honeypot or is_suppressed(email):
        return SubscribeOutcome(None, None)  # a bot, or an address that left: answer as usual, do nothing
    subscriber = db.session.execute(select(Subscriber).where(Subscriber.email == email)).scalar_one_or_none()
    if subscriber is None:
        subscriber = Subscriber(email=email, name=name, receives=wanted.value, tags=tags,
                                status=SubscriberStatus.PENDING.value, token_key=new_token_key())
        db.session.add(subscriber)
        db.session.flush()
    elif subscriber.confirmation_sent_at and now - subscriber.confirmation_sent_at < RESEND_AFTER:
        return SubscribeOutcome(subscriber, None)  # do not let the form be used to flood an inbox
    subscriber.confirmation_sent_at = now
    if subscriber.active:
        return SubscribeOutcome(subscriber, "already")
    consent.record(subscriber, "requested", source=source, ip=ip, with_consent_text=True, now=now,
                   detail=f"receives {wanted.value}" + (f"; interests {tags}" if tags else ""))
    return SubscribeOutcome(subscriber, "confirm", (wanted, name, tags))


def confirmation_link(subscriber: Subscriber, requested: tuple | None = None) -> str:
    wanted, name, tags = requested or (subscriber.receives_enum, subscriber.name, subscriber.tags)
    token = confirm_token(subscriber, receives=wanted, name=name, tags=tags)
    return absolute_url("newsletter.confirm", token=token)


def confirm(token: str, *, ip: str | None = None, now: datetime | None = None) -> Subscriber:
    """Confirm a subscription from its emailed link.

    :raise NotFound: for a forged or expired link (the person can simply subscribe again).
    """
    now = now or utcnow()
    max_age = current_app.config["NEWSLETTER_CONFIRM_HOURS"] * 3600
    try:
        sub_id, key, receives, name, tags = _confirm_serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise NotFound("This confirmation link has expired. Please subscribe again.") from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound("This confirmation link is not valid.") from exc
    subscriber = db.session.get(Subscriber, sub_id) if isinstance(sub_id, int) else None
    if subscriber is None or subscriber.token_key != key:
        raise NotFound("This confirmation link is not valid. Please subscribe again.")
    if not subscriber.active:
        subscriber.status = SubscriberStatus.SUBSCRIBED.value
        subscriber.receives = _receives(receives).value
        subscriber.name = _clean_name(name) or subscriber.name
        subscriber.tags = _clean_tags(tags)
        subscriber.consent_at = now
        subscriber.consent_method = "Subscribe form, confirmed by the emailed link (double opt-in)"
        subscriber.unsubscribed_at = None
        subscriber.bounce_count = 0
        consent.record(subscriber, "confirmed", source=Source.EMAIL, ip=ip, now=now,
                       detail="double opt-in: the emailed link was followed")
    return subscriber


def update_preferences(subscriber: Subscriber, *, receives: str, name: str = "", tags: str = "",
                       ip: str | None = None) -> None:
    before = (subscriber.receives, subscriber.name, subscriber.tags)
    subscriber.receives = _receives(receives).value
    subscriber.name = _clean_name(name)
    subscriber.tags = _clean_tags(tags)
    after = (subscriber.receives, subscriber.name, subscriber.tags)
    changes = [f"{label}: {old or '(none)'} → {new or '(none)'}"
               for label, old, new in zip(("receives", "name", "interests"), before, after) if old != new]
    if changes:
        consent.record(subscriber, "preferences", source=Source.EMAIL, ip=ip, detail="; ".join(changes))


def unsubscribe(subscriber: Subscriber, *, source: Source = Source.EMAIL, ip: str | None = None,
                action: str = "unsubscribed", detail: str = "", now: datetime | None = None) -> None:
    """Stop all mail to the subscriber at once; ``action`` "complaint" records a spam report."""
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED.value:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED.value
        subscriber.unsubscribed_at = now or utcnow()
        consent.record(subscriber, action, source=source, ip=ip, detail=detail, now=now)
    # Anything still waiting in the outbox for them is not sent.
    db.session.execute(
        db.update(Delivery)
        .where(Delivery.subscriber_id == subscriber.id, Delivery.status == DeliveryStatus.QUEUED.value)
        .values(status=DeliveryStatus.SKIPPED.value, last_error="unsubscribed")
    )


def delete_subscriber(subscriber: Subscriber) -> None:
    """Remove the person and every delivery record about them, for good."""
    db.session.execute(db.delete(Delivery).where(Delivery.subscriber_id == subscriber.id))
    db.session.delete(subscriber)
    db.session.flush()


def remove_subscriber(subscriber: Subscriber, *, by: User) -> None:
    require_role(by, Role.ADMIN, "remove subscribers")
    delete_subscriber(subscriber)


def record_bounce(subscriber: Subscriber, error: str, *, source: Source = Source.RELAY) -> None:
    """Count a permanent failure; past ``NEWSLETTER_BOUNCE_THRESHOLD`` the address is not used again."""
    subscriber.bounce_count += 1
    subscriber.last_bounce = error[:500]
    if subscriber.bounce_count >= current_app.config["NEWSLETTER_BOUNCE_THRESHOLD"] and \
            subscriber.status != SubscriberStatus.BOUNCED.value:
        subscriber.status = SubscriberStatus.BOUNCED.value
        subscriber.unsubscribed_at = utcnow()  # when mail stopped: the retention clock starts here
        consent.record(subscriber, "bounced", source=source,
                       detail=f"{subscriber.bounce_count} permanent failures; last: {error[:300]}")


# --- admin: listing, export, import ------------------------------------------------------------

def list_subscribers(*, status: str | None = None, search: str = "", limit: int = 500) -> list[Subscriber]:
    query = select(Subscriber).order_by(Subscriber.created_at.desc(), Subscriber.id.desc()).limit(limit)
    if status:
        query = query.where(Subscriber.status == status)
    if search:
        query = query.where(Subscriber.email.contains(search.strip().lower(), autoescape=True))
    return list(db.session.execute(query).scalars())


def subscriber_counts() -> dict[str, int]:
    rows = db.session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status))
    return {status: count for status, count in rows}


EXPORT_COLUMNS = ["email", "name", "status", "receives", "tags", "consent", "consented_at", "created_at",
                  "unsubscribed_at", "bounce_count"]


def export_rows(*, by: User) -> list[list]:
    """Every subscriber as a row of ``EXPORT_COLUMNS``, for ``blog.core.spreadsheet.csv_response``."""
    require_role(by, Role.ADMIN, "export subscribers")
    return [[s.email, s.name, s.status, s.receives, s.tags, s.consent_method, s.consent_at, s.created_at,
             s.unsubscribed_at, s.bounce_count]
            for s in db.session.execute(select(Subscriber).order_by(Subscriber.id)).scalars()]


@dataclass
class ImportResult:
    imported: int = 0
    skipped_existing: int = 0
    skipped_suppressed: int = 0
    errors: list[str] = field(default_factory=list)


def import_csv(text: str, *, by: User, now: datetime | None = None) -> ImportResult:
    """Import subscribers who already consented; all rows or none.

    Columns: ``email`` and ``consent`` (how and when they agreed, e.g. "signed up at the
    March workshop") are required; ``name``, ``receives``, ``tags``, ``consented_at``
    (ISO date) are optional. Addresses already present are left as they are, and addresses
    kept only as a suppression hash (they bounced or left) are not added again.

    :raise ValidationFailed: listing every bad row; nothing is imported then.
    """
    require_role(by, Role.ADMIN, "import subscribers")
    now = now or utcnow()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in ("email", "consent") if c not in columns]
    if missing:
        raise ValidationFailed("The CSV needs a header row with the columns email and consent "
                               f"(missing: {', '.join(missing)}). Only import people who agreed.")
    result = ImportResult()
    existing = set(db.session.execute(select(Subscriber.email)).scalars())
    seen: set[str] = set()
    rows = []
    for number, raw in enumerate(reader, start=2):  # line 1 is the header
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        try:
            email = normalise_email(row.get("email", ""))
        except ValidationFailed as error:
            result.errors.append(f"Line {number}: {error.message}")
            continue
        if not row.get("consent"):
            result.errors.append(f"Line {number}: {email} has no consent recorded.")
            continue
        if email in seen:
            result.errors.append(f"Line {number}: {email} appears twice in the file.")
            continue
        seen.add(email)
        try:
            receives = _receives(row.get("receives"))
        except ValidationFailed:
            result.errors.append(f"Line {number}: receives must be both, digest or events.")
            continue
        consented_at = now
        if row.get("consented_at"):
            try:
                consented_at = datetime.fromisoformat(row["consented_at"])
            except ValueError:
                result.errors.append(f"Line {number}: consented_at must be a date like 2025-03-12.")
                continue
            if consented_at.tzinfo is None:
                consented_at = local_to_utc(consented_at, get_settings().timezone)
        if email in existing:
            result.skipped_existing += 1
            continue
        if is_suppressed(email):
            result.skipped_suppressed += 1
            continue
        rows.append(Subscriber(email=email, name=_clean_name(row.get("name")), receives=receives.value,
                               tags=_clean_tags(row.get("tags")), status=SubscriberStatus.SUBSCRIBED.value,
                               consent_at=consented_at, token_key=new_token_key(),
                               consent_method=f"CSV import by {by.email}: {row['consent'][:300]}"))
    if result.errors:
        raise ValidationFailed("Nothing was imported. Fix these lines and try again:\n"
                               + "\n".join(result.errors))
    db.session.add_all(rows)
    db.session.flush()
    for subscriber in rows:
        consent.record(subscriber, "imported", source=Source.IMPORT, now=now,
                       detail=f"by {by.email}; consented {subscriber.consent_at.isoformat()}: "
                              f"{subscriber.consent_method.partition(': ')[2]}")
    result.imported = len(rows)
    return result


# --- settings and schedule ---------------------------------------------------------------------

def newsletter_settings() -> NewsletterSettings:
    settings = db.session.get(NewsletterSettings, 1)
    if settings is None:
        settings = NewsletterSettings(id=1)
        db.session.add(settings)
        db.session.flush()
    return settings


def _slot_for_day(day, settings: NewsletterSettings, tz_name: str) -> datetime:
    hour, minute = (int(x) for x in settings.send_time.split(":"))
    return local_to_utc(datetime(day.year, day.month, day.day, hour, minute), tz_name)


def _slots_around(now: datetime, settings: NewsletterSettings):
    tz_name = get_settings().timezone
    today = to_local(now, tz_name).date()
    for offset in range(-8, 9):
        day = today + timedelta(days=offset)
        if settings.frequency == ScheduleFrequency.WEEKLY.value and day.weekday() != settings.weekday:
            continue
        yield _slot_for_day(day, settings, tz_name)


def latest_slot(now: datetime, settings: NewsletterSettings) -> datetime | None:
    """The most recent scheduled time at or before ``now`` (None when the schedule is off)."""
    if settings.frequency == ScheduleFrequency.OFF.value:
        return None
    past = [slot for slot in _slots_around(now, settings) if slot <= now]
    return max(past) if past else None


def next_slot(now: datetime, settings: NewsletterSettings) -> datetime | None:
    if settings.frequency == ScheduleFrequency.OFF.value:
        return None
    future = [slot for slot in _slots_around(now, settings) if slot > now]
    return min(future) if future else None


def update_schedule(*, by: User, frequency: str, weekday: int, send_time: str, reply_to: str,
                    now: datetime | None = None) -> NewsletterSettings:
    require_role(by, Role.EDITOR, "change the newsletter schedule")
    now = now or utcnow()
    try:
        frequency = ScheduleFrequency(frequency).value
    except ValueError as exc:
        raise ValidationFailed("Choose off, daily or weekly.", field="frequency") from exc
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", send_time or ""):
        raise ValidationFailed("Give the time as HH:MM, for example 09:00.", field="send_time")
    if not 0 <= int(weekday) <= 6:
        raise ValidationFailed("Choose a day of the week.", field="weekday")
    settings = newsletter_settings()
    settings.frequency, settings.weekday, settings.send_time = frequency, int(weekday), send_time
    settings.reply_to = normalise_email(reply_to) if reply_to.strip() else ""
    # A new schedule starts with its next slot, not with one that passed already.
    settings.last_slot_at = latest_slot(now, settings)
    settings.updated_at = now
    return settings


def update_editor_note(note: str, *, by: User) -> None:
    require_role(by, Role.EDITOR, "write the editor's note")
    newsletter_settings().editor_note = (note or "").strip()


# --- composing ---------------------------------------------------------------------------------

@dataclass
class Composition:
    kind: str
    subject: str
    html: str
    text: str
    covers_from: datetime | None
    covers_until: datetime
    posts: list = field(default_factory=list)
    events: list = field(default_factory=list)
    changed_events: list = field(default_factory=list)
    new_events: list = field(default_factory=list)
    note_html: str = ""
    note_markdown: str = ""
    post_id: int | None = None
    event_id: int | None = None
    # A single announcement's tags: it goes to subscribers with no interests or a matching one.
    tags: list[str] = field(default_factory=list)
    # A digest's: what it could show, before interests chose: {(kind, id): lower-case tag names}.
    offered: dict = field(default_factory=dict)
    # A digest's publications added in its period (blog.people); untagged, so in every version.
    publications: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing new: no post, no event announced or changed, no publication (upcoming alone is not news)."""
        return not (self.posts or self.new_events or self.changed_events or self.event_id or self.post_id
                    or self.publications)


def last_digest() -> Mailing | None:
    return db.session.execute(
        select(Mailing).where(Mailing.kind == MailingKind.DIGEST.value)
        .order_by(Mailing.covers_until.desc(), Mailing.id.desc()).limit(1)
    ).scalar_one_or_none()


def _events_api():
    try:
        from blog.events import services as events
    except ImportError:
        return None
    return events if hasattr(events, "upcoming_events") else None


def interest_set(tags: str) -> frozenset[str]:
    """A subscriber's interests ("Workshops, Events") as lower-case tag names."""
    return frozenset(t.strip().lower() for t in (tags or "").split(",") if t.strip())


def wanted(item_tags: frozenset[str], interests: frozenset[str]) -> bool:
    """Whether a post or event with these (lower-case) tags goes to someone with these interests:
    untagged things go to everyone, tagged ones to those without interests or with one of its tags."""
    return not item_tags or not interests or bool(item_tags & interests)


def _digest_events(since: datetime, now: datetime) -> tuple[list[dict], list[dict], list[dict]]:
    """A digest's events, each in one list only: newly announced, changed (with what changed),
    then the rest of what is coming up. An event already over is no news: one entered after it
    was held is never "newly announced"."""
    events_api = _events_api()
    if events_api is None:
        return [], [], []
    recent = [e for e in events_api.events_changed_since(since) if not e.is_over(now)]
    new_events = [e for e in recent if e.published_at and e.published_at >= since]
    changed = [e for e in recent if e not in new_events]
    shown = {e.id for e in recent}
    upcoming = [e for e in events_api.upcoming_events(limit=10 + len(shown), now=now) if e.id not in shown][:10]
    changed_items = _event_items(events_api, changed)
    for item in changed_items:
        item["changes"] = _what_changed(item, [c.summary for c in reversed(item["event"].changes)
                                               if c.changed_at >= since])
    return _event_items(events_api, new_events), changed_items, _event_items(events_api, upcoming)


def _what_changed(item: dict, summaries: list[str]) -> list[str]:
    """Each change once, saying what it is now: "date confirmed: Thursday 3 March 2027"."""
    current = {"date": item["when"], "time": item["when"], "venue": item["where"]}
    said: list[str] = []
    for part in (p.strip() for summary in summaries for p in summary.split(",")):
        value = current.get(part.split(" ")[0]) if not part.endswith(("removed", "again")) else None
        part = f"{part}: {value}" if value else part
        if part and part not in said:
            said.append(part)
    return said


def _event_items(events_api, events) -> list[dict]:
    return [{"title": e.title, "when": events_api.display_when(e), "where": events_api.display_where(e),
             "line": events_api.display_line(e), "summary": e.summary or "",
             "url": events_api.event_url(e, external=True), "ics": events_api.event_ics_url(e, external=True),
             "event": e, "changes": []} for e in events]


_SOURCE_TAG = re.compile(r"<source\b[^>]*>", re.I)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_RESPONSIVE_ATTR = re.compile(r'\s(?:srcset|sizes|loading|decoding)="[^"]*"', re.I)
_DIMENSION = re.compile(r'\s(width|height)="(\d+)"', re.I)
_IMG_SRC = re.compile(r'\ssrc="([^"]*)"', re.I)
_IMG_ALT = re.compile(r'\salt="([^"]*)"', re.I)
EMAIL_IMAGE_WIDTH = 592  # the digest column, less its padding


def _email_image(match: re.Match) -> str:
    """One plain ``<img>`` at most a column wide: mail clients ignore srcset, Outlook ignores max-width.
    An image from another server (in content saved before the sanitiser refused them) becomes its
    alt text: opening the mail must not tell a third party who read it."""
    tag = _RESPONSIVE_ATTR.sub("", match.group(0))
    src, alt = _IMG_SRC.search(tag), _IMG_ALT.search(tag)
    if src is None or not is_site_image(html_unescape(src.group(1))):
        return alt.group(1) if alt else ""
    dims = {name.lower(): int(value) for name, value in _DIMENSION.findall(tag)}
    if dims.get("width", 0) > EMAIL_IMAGE_WIDTH:
        scale = EMAIL_IMAGE_WIDTH / dims["width"]
        new = {"width": EMAIL_IMAGE_WIDTH, "height": round(dims.get("height", 0) * scale)}
        tag = _DIMENSION.sub(lambda m: f' {m.group(1)}="{new[m.group(1).lower()]}"', tag)
    return tag


def absolute_urls(html: str) -> str:
    """Images and links fit for mail: site-relative URLs made absolute (mail is read far from the
    site), ``<picture>`` sources dropped so the ``<img>`` (a sized variant) is what shows."""
    return absolutise_urls(_IMG_TAG.sub(_email_image, _SOURCE_TAG.sub("", html)))


_REM = re.compile(r"(\d*\.?\d+)rem\b")
_INITIALS_AVATAR = re.compile(r'(<span class="social-avatar" data-initials="([^"]*)"[^>]*>)</span>')


@cache
def _content_css() -> str:
    """The stylesheets of what posts embed (quoted social-post cards), inlined into every email
    so the cards look as they do on the site. Sizes in ``rem`` become pixels (16 to the rem):
    mail clients disagree on the root size, and SpamAssassin counts text under ``1rem`` as
    hidden (``HTML_TEXT_INVISIBLE_FONT``)."""
    css = (Path(current_app.static_folder) / "css" / "cards.css").read_text()
    return _REM.sub(lambda m: f"{float(m.group(1)) * 16:g}px", css)


_BODY_FONT = re.compile(r"(?:^|[\s},])body\s*\{[^}]*?font-family:\s*([^;}]+)")


@cache
def _site_font_stack() -> str:
    """The font stack of the site's body text (``static/css/site.css``), so email reads like the site."""
    css = (Path(current_app.static_folder) / "css" / "site.css").read_text()
    found = _BODY_FONT.search(css)
    stack = found.group(1).strip() if found else ""
    variable = re.fullmatch(r"var\((--[\w-]+)\)", stack)
    if variable:  # a custom property: take its value from where it is declared
        declared = re.search(re.escape(variable.group(1)) + r"\s*:\s*([^;}]+)", css)
        stack = declared.group(1).strip() if declared else ""
    return stack or "Arial, sans-serif"


def _email_avatars(html: str) -> str:
    """A quoted post's initials avatar gets its letters as text: on the site CSS draws them
    (``::before``), which mail clients do not; without them it is an empty circle."""
    return _INITIALS_AVATAR.sub(r"\1\2</span>", html)


_HEADING_TAG = re.compile(r"<(/?)h([2-6])\b", re.I)
_OPENING_QUOTES = "\"'“‘„«‹「"


def _shift_headings(html: str, title_level: int) -> str:
    """A post body's headings (``h2`` and below) moved under its title in the email, so the
    levels go down one at a time (a digest shows a post's title as ``h3``)."""
    shift = title_level - 1
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}", html) if shift else html


def quoted(title: str) -> str:
    """“Title”, unless the title is itself a quotation and brings its own marks."""
    return title if title[:1] in _OPENING_QUOTES else f"“{title}”"


def _email_body(post: Post) -> str:
    """A post body for mail: formulas as their TeX (few mail clients show MathML), and in-page
    links (footnotes) pointing at the post's page, since one email may hold several posts."""
    return math_as_tex(anchors_on(post.body_html, post_url(post, external=True)))


def _render(template: str, **context) -> tuple[str, str]:
    site = get_settings()
    post_level = context.setdefault("post_heading", 3)
    if context.get("full_posts"):
        posts = context.get("posts") or ([context["post"]] if context.get("post") else [])
        bodies = {p.id: _email_body(p) for p in posts}
        context["post_bodies"] = {p.id: _shift_headings(bodies[p.id], post_level) for p in posts}
        context["post_texts"] = {p.id: html_to_text(absolute_urls(bodies[p.id])) for p in posts}
    else:
        context["post_bodies"] = context["post_texts"] = {}
    context.update(quoted=quoted, font_stack=_site_font_stack())
    slots = PersonalSlots()
    context.update(site=site, unsubscribe_url=slots["UNSUBSCRIBE_URL"], preferences_url=slots["PREFERENCES_URL"],
                   home_url=absolute_url("posts.home"))
    html = inline_css(_email_avatars(absolute_urls(render_template(f"email/{template}.html", **context))),
                      _content_css())
    text = render_template(f"email/{template}.txt", **context)
    return slots.seal(html), slots.seal(text)


def compose_digest(*, now: datetime | None = None, since: datetime | None = None,
                   note: str | None = None, interests: frozenset[str] | None = None) -> Composition:
    """The digest of what happened since the last one (or the last 7 days before the first).

    With ``interests`` (lower-case tag names), only what is untagged or has one of them.
    """
    now = now or utcnow()
    if since is None:
        previous = last_digest()
        since = previous.covers_until if previous else now - timedelta(days=7)
    posts = list(db.session.execute(
        select(Post).where(listed_filter(now), Post.published_at > since).order_by(Post.published_at)
    ).scalars())
    new_events, changed, upcoming = _digest_events(since, now)
    from blog.people.services import recent_publications  # people build on posts; imported late

    publications = recent_publications(since=since, until=now, limit=50)
    offered = {(type(item).__name__, item.id): frozenset(tag.name.lower() for tag in item.tags)
               for item in posts + [i["event"] for i in new_events + changed + upcoming]}
    if interests:
        posts = [post for post in posts if wanted(offered["Post", post.id], interests)]
        new_events, changed, upcoming = ([i for i in items if wanted(offered["Event", i["event"].id], interests)]
                                         for items in (new_events, changed, upcoming))
    settings = newsletter_settings()
    note_md = settings.editor_note if note is None else note
    note_html = math_as_tex(render_markdown(note_md)) if note_md.strip() else ""  # mail shows formulas as TeX
    site = get_settings()
    local_day = to_local(now, site.timezone).strftime("%-d %B %Y")
    if posts:
        subject = f"{site.site_name}: {posts[-1].title}" + (f" and {len(posts) - 1} more" if len(posts) > 1 else "")
    else:
        subject = f"{site.site_name}: what's coming up ({local_day})"

    def render(selected: list[Post], *, full: bool, boundary: str = "") -> tuple[str, str]:
        return _render("digest", posts=selected, new_events=new_events, changed=changed, upcoming=upcoming,
                       publications=publications, note_html=note_html, note_text=html_to_text(note_html), full_posts=full, since=since,
                       day=local_day, post_boundary=boundary)

    html, text = render(posts, full=True)
    if len(html.encode()) > MAX_HTML_BYTES:
        # Too long for mail clients: excerpts with links instead of whole posts, and if that is
        # still too long, the newest posts that fit (the rest are a click away on the site).
        boundary = f"post-boundary-{secrets.token_hex(8)}"
        html, text = render(posts, full=False, boundary=boundary)
        if len(html.encode()) > MAX_HTML_BYTES and len(posts) > 1:
            posts = _newest_that_fit(posts, html, boundary)
        html, text = render(posts, full=False)
    return Composition(kind=MailingKind.DIGEST.value, subject=subject, html=html, text=text,
                       covers_from=since, covers_until=now, posts=posts, events=upcoming,
                       changed_events=changed, new_events=new_events, note_html=note_html,
                       note_markdown=note_md, offered=offered, publications=publications)


def _newest_that_fit(posts: list[Post], html: str, boundary: str) -> list[Post]:
    """The newest of ``posts`` (oldest first) whose blocks fit in ``MAX_HTML_BYTES``, measured on one
    rendering in which each post's block is enclosed in ``<!--boundary-->`` comments (one pass,
    where dropping a post and rendering again would cost a rendering per dropped post)."""
    mark = f"<!--{boundary}-->"
    pieces = [piece.encode() for piece in html.split(mark)]
    blocks = pieces[1::2]  # newest first, as the digest shows them; between them: head, gaps, tail
    budget = MAX_HTML_BYTES - (sum(len(piece) for piece in pieces) - sum(len(block) for block in blocks))
    kept = 0
    for block in blocks:
        if kept and len(block) > budget:
            break
        budget -= len(block)
        kept += 1
    return posts[len(posts) - kept:]


def compose_post(post: Post, *, now: datetime | None = None) -> Composition:
    """A single announcement of one published post."""
    now = now or utcnow()
    if not post.is_visible(now):
        raise ValidationFailed("Only a published post can be emailed.")
    if is_page(post):
        raise ValidationFailed("A page (such as About) is not news: only posts are emailed.")
    html, text = _render("announcement", post=post, full_posts=True, post_heading=1)
    if len(html.encode()) > MAX_HTML_BYTES:
        html, text = _render("announcement", post=post, full_posts=False, post_heading=1)
    return Composition(kind=MailingKind.POST.value, subject=post.title, html=html, text=text,
                       covers_from=None, covers_until=now, posts=[post], post_id=post.id,
                       tags=[tag.name for tag in post.tags])


def compose_event(event_id: int, *, now: datetime | None = None) -> Composition:
    events_api = _events_api()
    if events_api is None:
        raise NotFound("Events are not available.")
    from blog.events.models import Event

    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    item = _event_items(events_api, [event])[0]
    html, text = _render("event", item=item)
    return Composition(kind=MailingKind.EVENT.value, subject=f"{item['title']} – {item['when']}",
                       html=html, text=text, covers_from=None, covers_until=now or utcnow(),
                       events=[item], event_id=event.id, tags=[tag.name for tag in event.tags])


def audience_filter(kind: str, tags: list[str] = ()):
    """Who gets a mailing: subscribed, wanting this kind, and, for a tagged announcement, either
    without interests or with one of its tags (interests are stored as "A, B")."""
    wanted = [Receives.BOTH.value, Receives.EVENTS.value if kind == MailingKind.EVENT.value
              else Receives.DIGEST.value]
    condition = (Subscriber.status == SubscriberStatus.SUBSCRIBED.value) & Subscriber.receives.in_(wanted)
    if tags:
        padded = literal(", ") + func.lower(Subscriber.tags) + literal(",")
        condition &= or_(Subscriber.tags == "", *[padded.contains(f", {tag.lower()},") for tag in tags])
    return condition


def audience_count(kind: str, tags: list[str] = ()) -> int:
    return db.session.scalar(select(func.count()).select_from(Subscriber).where(audience_filter(kind, tags)))


def needs_approval(recipients: int) -> bool:
    """Whether a second person must approve a mailing to ``recipients`` people before it is queued."""
    threshold = current_app.config["NEWSLETTER_REVIEW_THRESHOLD"]
    return threshold > 0 and recipients > threshold


def queue_mailing(composition: Composition, *, by: User | None, now: datetime | None = None,
                  approved: bool = False) -> Mailing:
    """Write the mailing and one outbox row per recipient, in the caller's one transaction.

    ``by=None`` is the schedule (``flask newsletter run``/``send``). A person must be an
    editor; past ``NEWSLETTER_REVIEW_THRESHOLD`` recipients the mailing must have been
    ``approved`` by a second person (``blog.newsletter.review``).

    A digest is queued by ``queue_digest``: one mailing per distinct version that subscribers'
    interests call for. Returns the mailing (for a digest, the version for everyone).

    :raise ValidationFailed: for an empty digest (nothing new: nothing is sent).
    :raise NotAllowed: for a person without the role, or past the threshold without approval.
    """
    if by is not None:
        require_role(by, Role.EDITOR, "send newsletters")
        if not approved and needs_approval(audience_count(composition.kind, composition.tags)):
            raise NotAllowed("This mailing goes to more subscribers than NEWSLETTER_REVIEW_THRESHOLD: "
                             "save it as a draft for a second editor to approve.")
    if composition.empty:
        raise ValidationFailed("Nothing new since the last digest, so there is nothing to send.")
    now = now or utcnow()
    if composition.kind == MailingKind.DIGEST.value:
        mailing = queue_digest(composition, by=by, now=now)
        newsletter_settings().editor_note = ""  # the note went out with this digest
        return mailing
    return _queue_one(composition, [audience_filter(composition.kind, composition.tags)], by=by, now=now)


QUEUE_CHUNK = 5000  # subscriber ids per INSERT (SQLite allows 32,766 bound values in a statement)


def _queue_one(composition: Composition, audiences: list, *, by: User | None, now: datetime) -> Mailing:
    """The mailing, and an outbox row for everyone any of ``audiences`` (SQL conditions) selects."""
    mailing = Mailing(kind=composition.kind, subject=composition.subject, body_html=composition.html,
                      body_text=composition.text, covers_from=composition.covers_from,
                      covers_until=composition.covers_until, post_id=composition.post_id,
                      event_id=composition.event_id, created_by_id=by.id if by else None, created_at=now)
    db.session.add(mailing)
    db.session.flush()
    for audience in audiences:
        # INSERT ... SELECT: thousands of rows without loading a single subscriber.
        rows = select(literal(mailing.id), Subscriber.id, literal(DeliveryStatus.QUEUED.value), literal(0),
                      literal(now, type_=Delivery.__table__.c.next_attempt_at.type), literal("")
                      ).where(audience)
        db.session.execute(insert(Delivery).from_select(["mailing_id", "subscriber_id", "status", "attempts",
                                                         "next_attempt_at", "last_error"], rows))
    mailing.recipient_count = db.session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.mailing_id == mailing.id))
    return mailing


def _among(ids: list[int]) -> list:
    return [Subscriber.id.in_(ids[i:i + QUEUE_CHUNK]) for i in range(0, len(ids), QUEUE_CHUNK)]


def queue_digest(composition: Composition, *, by: User | None, now: datetime) -> Mailing:
    """Queue a digest honouring interests, rendering once per version rather than per person.

    What a subscriber gets depends only on which of the digest's items their interests select,
    so subscribers are grouped by that selection; those it gives everything get ``composition``
    itself. A group for whom nothing is new gets nothing. Returns the mailing for everyone (or
    the first version queued).
    """
    offered = composition.offered
    groups: dict[frozenset | None, tuple[frozenset[str], list[int]]] = {}
    audience = audience_filter(MailingKind.DIGEST.value)
    for subscriber_id, tags in db.session.execute(select(Subscriber.id, Subscriber.tags).where(audience)):
        interests = interest_set(tags)
        selection = frozenset(key for key, item_tags in offered.items() if wanted(item_tags, interests))
        key = None if len(selection) == len(offered) else selection
        groups.setdefault(key, (interests, []))[1].append(subscriber_id)
    mailings = []
    if None in groups or not groups:
        mailings.append(_queue_one(composition, _among(groups.get(None, ((), []))[1]), by=by, now=now))
    for key, (interests, ids) in groups.items():
        if key is None:
            continue
        version = compose_digest(now=composition.covers_until, since=composition.covers_from,
                                 note=composition.note_markdown, interests=interests)
        if not version.empty:
            mailings.append(_queue_one(version, _among(ids), by=by, now=now))
    return mailings[0] if mailings else _queue_one(composition, [], by=by, now=now)


def queued_together(mailing: Mailing) -> list[Mailing]:
    """A digest's versions for different interests (queued in one go), or just the mailing."""
    if mailing.kind != MailingKind.DIGEST.value:
        return [mailing]
    return list(db.session.execute(select(Mailing).where(
        Mailing.kind == mailing.kind, Mailing.covers_until == mailing.covers_until,
        Mailing.created_at == mailing.created_at).order_by(Mailing.id)).scalars())


def queue_due_digest(*, now: datetime | None = None) -> tuple[str, Mailing | None]:
    """What ``flask newsletter run`` does: queue the digest if its scheduled time has come.

    Each slot is handled once, even if the digest turns out empty.
    Returns ``(message, mailing or None)``.
    """
    now = now or utcnow()
    settings = newsletter_settings()
    slot = latest_slot(now, settings)
    if slot is None:
        return "The digest schedule is off.", None
    if settings.last_slot_at is not None and settings.last_slot_at >= slot:
        upcoming = next_slot(now, settings)
        return f"Nothing due; next digest at {upcoming.isoformat() if upcoming else 'never'}.", None
    settings.last_slot_at = slot
    composition = compose_digest(now=now)
    if composition.empty:
        return "Digest due but nothing is new since the last one: not sent.", None
    mailing = queue_mailing(composition, by=None, now=now)
    recipients = sum(version.recipient_count for version in queued_together(mailing))
    return f"Digest {mailing.id} queued for {recipients} subscribers.", mailing


# --- progress and previews ---------------------------------------------------------------------

def mailing_progress(mailing_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    query = select(Delivery.mailing_id, Delivery.status, func.count()).group_by(Delivery.mailing_id,
                                                                                Delivery.status)
    if mailing_ids is not None:
        query = query.where(Delivery.mailing_id.in_(mailing_ids))
    progress: dict[int, dict[str, int]] = {}
    for mailing_id, status, count in db.session.execute(query):
        progress.setdefault(mailing_id, {s.value: 0 for s in DeliveryStatus})[status] = count
    return progress


def recent_mailings(limit: int = 30) -> list[Mailing]:
    return list(db.session.execute(select(Mailing).order_by(Mailing.id.desc()).limit(limit)).scalars())


def failures(mailing: Mailing, limit: int = 200) -> list[Delivery]:
    """Deliveries that did not reach their recipient (failed, or skipped with the reason)."""
    return list(db.session.execute(
        select(Delivery).where(Delivery.mailing_id == mailing.id,
                               Delivery.status.in_([DeliveryStatus.FAILED.value, DeliveryStatus.SKIPPED.value]))
        .order_by(Delivery.id).limit(limit)
    ).scalars())


def personal_values(subscriber: Subscriber | None) -> dict[str, str]:
    """The per-person links of a message (a preview without a subscriber gets inert ones)."""
    if subscriber is None or subscriber.id is None:
        home = absolute_url("posts.home")
        return {"UNSUBSCRIBE_URL": home, "PREFERENCES_URL": home}
    return {"UNSUBSCRIBE_URL": unsubscribe_url(subscriber), "PREFERENCES_URL": preferences_url(subscriber)}


def list_id() -> str:
    from urllib.parse import urlsplit

    host = urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"
    return f"{get_settings().site_name} <newsletter.{host}>"


def reply_to() -> str | None:
    from blog.core.mail import default_from

    return newsletter_settings().reply_to or default_from()[1]
