"""Events: writing, uncertain dates, status changes and their history, listings and write-up links.

Permissions follow posts: contributors write drafts of their own events; authors
publish and change their own; editors and admins anything. Functions flush, never commit.

Only changes to a *published* event are news: those record an ``EventChange``
("date confirmed", "venue changed", "postponed") that the event page, the events
feed and the newsletter show. Every saved change of any event moves ``sequence``
(the iCalendar SEQUENCE), so calendar clients replace their copy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from flask import url_for
from sqlalchemy import case, exists, func, or_

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core.markdown import render_markdown
from blog.core.signals import directive_output_changed
from blog.core.slugs import unique_slug
from blog.core.time import is_valid_zone, local_to_utc, utcnow
from blog.core.usage import Usage, shows
from blog.errors import EditConflict, NotAllowed, NotFound, ValidationFailed
from blog.events import dates
from blog.events.models import (
    Event, EventChange, EventPerson, EventStatus, PersonRole, Precision, event_tags, event_writeups,
)
from blog.extensions import db
from blog.media import services as media
from blog.posts import services as posts
from blog.posts.models import Post, Tag

MAX_TITLE_LENGTH = 300
DATED = (Precision.TIME.value, Precision.DAY.value)
RESERVED_SLUGS = {"past", "editor"}  # addresses under /events/ that are not events


# --- permissions -----------------------------------------------------------------------------

def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def can_edit_event(event: Event, user: User | None) -> bool:
    """Editors edit any event; authors their own; contributors their own unpublished drafts."""
    if not _signed_in(user):
        return False
    if user.can(Role.EDITOR):
        return True
    if event.created_by_id != user.id:
        return False
    return user.can(Role.AUTHOR) or not event.is_published


def can_publish_event(event: Event, user: User | None) -> bool:
    return can_edit_event(event, user) and user.can(Role.AUTHOR)


def require_edit_event(event: Event, user: User | None) -> None:
    if not can_edit_event(event, user):
        raise NotAllowed("Your role does not allow you to edit this event.")


def events_showing(kind: str, obj) -> list[Usage]:
    """Usages (``blog.core.usage``) of a shared object in events: their description, or their photo."""
    condition = Event.description_markdown.contains(obj.key)
    if kind == "photo":
        condition = or_(condition, Event.photo_id == obj.id)
    candidates = db.session.execute(db.select(Event).where(condition)).scalars()
    return [
        Usage("event", event, event.title, event.is_published,
              lambda user, event=event: can_edit_event(event, user), "events.edit", {"event_id": event.id})
        for event in candidates
        if (kind == "photo" and event.photo_id == obj.id) or shows(event.description_markdown, kind, obj.key)
    ]


# --- input -----------------------------------------------------------------------------------

@dataclass
class PersonInput:
    """A credit. With ``person_id`` it is one of the site's people (``name`` and ``affiliation``
    default to theirs); without, a name that is exactly one person's display name is linked to
    them, and any other name is a guest's."""

    name: str
    affiliation: str = ""
    role: str = PersonRole.SPEAKER.value
    person_id: int | None = None


@dataclass
class EventInput:
    """What an editor submits. Dates are local to ``timezone``; which fields count depends on ``precision``:

    - ``time``: ``start_local`` (naive wall-clock datetime) and optional ``end_local``;
    - ``day``: ``start_date`` and optional ``end_date`` (inclusive, for several days);
    - ``month``: ``year`` and ``month``;  ``season``: ``year`` and ``season``;  ``tba``: nothing.

    Fields left ``None`` (slug, tags, people, status) are not changed.
    """

    title: str
    precision: str = Precision.TBA.value
    timezone: str = "Europe/London"
    summary: str = ""
    description_markdown: str = ""
    start_local: datetime | None = None
    end_local: datetime | None = None
    start_date: date | None = None
    end_date: date | None = None
    year: int | None = None
    month: int | None = None
    season: str | None = None
    venue_name: str = ""
    venue_address: str = ""
    city: str = ""
    map_url: str = ""
    online_url: str = ""
    registration_url: str = ""
    registration_note: str = ""
    status: str | None = None
    slug: str | None = None
    tag_names: list[str] | None = None
    people: list[PersonInput] | None = field(default=None)
    photo_key: str | None = None  # from the photo library; "" removes the photo


def _check_url(value: str, field_name: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
        raise ValidationFailed(f"The {label} must be a full web address starting with https://.",
                               field=field_name)
    return value[:500]


def _apply_dates(event: Event, data: EventInput) -> None:
    try:
        precision = Precision(data.precision)
    except ValueError:
        raise ValidationFailed("Choose how precisely the date is known.", field="precision") from None
    if not is_valid_zone(data.timezone or ""):
        raise ValidationFailed(f"Unknown time zone {data.timezone!r}; use a name such as Europe/London.",
                               field="timezone")
    starts_at = ends_at = start_date = end_date = season = None
    if precision == Precision.TIME:
        if data.start_local is None:
            raise ValidationFailed("Give the start date and time.", field="start")
        starts_at = local_to_utc(data.start_local.replace(tzinfo=None), data.timezone)
        if data.end_local is not None:
            ends_at = local_to_utc(data.end_local.replace(tzinfo=None), data.timezone)
            if ends_at < starts_at:
                raise ValidationFailed("The event cannot end before it starts.", field="end")
    elif precision == Precision.DAY:
        if data.start_date is None:
            raise ValidationFailed("Give the day of the event.", field="start")
        start_date = data.start_date
        end_date = data.end_date if data.end_date and data.end_date != start_date else None
        if end_date is not None and end_date < start_date:
            raise ValidationFailed("The last day cannot be before the first.", field="end")
    elif precision in (Precision.MONTH, Precision.SEASON):
        if not data.year or not 1900 <= data.year <= 2999:
            raise ValidationFailed("Give the year.", field="year")
        if precision == Precision.MONTH:
            if not data.month or not 1 <= data.month <= 12:
                raise ValidationFailed("Give the month.", field="month")
            start_date, end_date = dates.month_period(data.year, data.month)
        else:
            if data.season not in dates.SEASONS:
                raise ValidationFailed("Choose a season.", field="season")
            season = data.season
            start_date, end_date = dates.season_period(season, data.year)
    event.precision = precision.value
    event.timezone = data.timezone
    event.starts_at, event.ends_at = starts_at, ends_at
    event.start_date, event.end_date, event.season = start_date, end_date, season
    event.sort_at, event.over_at = dates.bounds(precision, data.timezone, starts_at=starts_at, ends_at=ends_at,
                                                start_date=start_date, end_date=end_date)


def _apply(event: Event, data: EventInput, *, by: User) -> None:
    title = (data.title or "").strip()
    if not title:
        raise ValidationFailed("An event needs a title.", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed(f"Keep the title under {MAX_TITLE_LENGTH} characters.", field="title")
    event.title = title
    event.summary = (data.summary or "").strip()
    event.description_markdown = data.description_markdown or ""
    event.description_html = render_markdown(event.description_markdown)
    _apply_dates(event, data)
    event.venue_name = (data.venue_name or "").strip()[:200]
    event.venue_address = (data.venue_address or "").strip()
    event.city = (data.city or "").strip()[:120]
    event.map_url = _check_url(data.map_url, "map_url", "map link")
    event.online_url = _check_url(data.online_url, "online_url", "online link")
    event.registration_url = _check_url(data.registration_url, "registration_url", "registration link")
    event.registration_note = (data.registration_note or "").strip()
    if data.photo_key is not None:
        try:
            event.photo = media.photo_by_key(data.photo_key) if data.photo_key else None
        except NotFound:
            raise ValidationFailed("The chosen photo is not in the photo library any more.", field="photo") from None
    if data.status is not None:
        try:
            event.status = EventStatus(data.status).value
        except ValueError:
            raise ValidationFailed("Unknown status.", field="status") from None
    if data.slug is not None or not event.slug:
        event.slug = unique_slug(Event, data.slug or title, exclude_id=event.id,
                                 taken=lambda s: s in RESERVED_SLUGS)
    if data.tag_names is not None:
        event.tags = posts.tags_from_names(data.tag_names, by=by)
    if data.people is not None:
        event.people = _credits(data.people)


def linkable_people() -> list[User]:
    """The site's people an event can credit by link: everyone with a byline (accounts and
    byline-only people), by name."""
    return list(db.session.execute(db.select(User).order_by(User.display_name, User.id)).scalars())


def _credits(people: list[PersonInput]) -> list[EventPerson]:
    """The event's people rows, in the order given, each linked to a person where one is meant.

    :raise ValidationFailed: for a role that is neither, or a person id that is no one's.
    """
    wanted = [p for p in people if (p.name or "").strip() or p.person_id is not None]
    for person in wanted:
        if person.role not in {r.value for r in PersonRole}:
            raise ValidationFailed("A person is either an organiser or a speaker.", field="people")
    ids = {p.person_id for p in wanted if p.person_id is not None}
    linked = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(ids))).scalars()} if ids else {}
    if ids - set(linked):
        raise ValidationFailed("One of the chosen people is not on the site any more.", field="people")
    names = {(p.name or "").strip().lower() for p in wanted if p.person_id is None} - {""}
    by_name: dict[str, list[User]] = {}
    if names:
        for user in db.session.execute(db.select(User).where(func.lower(User.display_name).in_(names))).scalars():
            by_name.setdefault(user.display_name.strip().lower(), []).append(user)
    rows, seen = [], set()
    for person in wanted:
        user = linked.get(person.person_id)
        if user is None:
            matches = by_name.get(person.name.strip().lower(), [])
            user = matches[0] if len(matches) == 1 else None
        if user is not None and (user.id, person.role) in seen:
            continue  # chosen from the list and typed in as well
        if user is not None:
            seen.add((user.id, person.role))
        name = (person.name or "").strip() or user.display_name
        affiliation = (person.affiliation or "").strip()
        if not affiliation and person.person_id is not None:
            affiliation = user.affiliation or ""
        rows.append(EventPerson(role=person.role, name=name[:200], affiliation=affiliation[:255],
                                position=len(rows), person=user))
    return rows


# What readers follow: a change of any of these is news once the event is published.
def _facts(event: Event) -> dict:
    return {
        "precision": event.precision,
        "when": display_when(event) if event.precision else "",
        "venue": (event.venue_name, event.venue_address, event.city),
        "online": event.online_url,
        "status": event.status,
        "title": event.title,
        "summary": event.summary,
        "description": event.description_markdown,
        "registration": (event.registration_url, event.registration_note),
        "people": [(p.role, p.name, p.affiliation) for p in event.people],  # a link alone is no news
        "tags": [t.id for t in event.tags],
        "slug": event.slug,
        "timezone": event.timezone,
    }


STATUS_WORDS = {
    EventStatus.ANNOUNCED.value: "announced again",
    EventStatus.CONFIRMED.value: "confirmed",
    EventStatus.POSTPONED.value: "postponed",
    EventStatus.CANCELLED.value: "cancelled",
    EventStatus.HELD.value: "held",
}


def describe_changes(before: dict, after: dict) -> str:
    """The news in a change, in a few words ("date confirmed, venue changed"); "" if none."""
    parts: list[str] = []
    if before["when"] != after["when"]:
        was_dated, is_dated = before["precision"] in DATED, after["precision"] in DATED
        if is_dated and not was_dated:
            parts.append("date confirmed")
        elif was_dated and not is_dated:
            parts.append("date to be confirmed again")
        elif before["precision"] == after["precision"] == Precision.TIME.value \
                and before["when"].split(",")[0] == after["when"].split(",")[0]:
            parts.append("time changed")
        else:
            parts.append("date changed")
    if before["venue"] != after["venue"]:
        had = bool(before["venue"][0] or before["venue"][1])  # a city alone is not a venue
        has = bool(after["venue"][0] or after["venue"][1])
        parts.append("venue confirmed" if has and not had else "venue removed" if had and not has
                     else "venue changed")
    if before["online"] != after["online"]:
        parts.append("online link added" if after["online"] and not before["online"]
                     else "online link removed" if not after["online"] else "online link changed")
    if before["status"] != after["status"] and not (parts and after["status"] == EventStatus.CONFIRMED.value):
        parts.append(STATUS_WORDS[after["status"]])  # "confirmed" goes without saying after "date confirmed"
    if before["registration"] != after["registration"] and any(after["registration"]):
        parts.append("registration open" if not any(before["registration"]) else "registration details changed")
    if not parts and before["title"] != after["title"]:
        parts.append("renamed")
    if not parts and (before["summary"], before["description"], before["people"]) != \
            (after["summary"], after["description"], after["people"]):
        parts.append("details updated")
    return ", ".join(parts)


def _record(event: Event, before: dict | None, *, by: User, now: datetime) -> None:
    """Move SEQUENCE and ``updated_at`` if anything changed; log the news if it is public."""
    after = _facts(event)
    if before is not None and before == after:
        return
    event.sequence = (event.sequence or 0) + (0 if before is None else 1)
    event.updated_at = now
    if before is not None and event.is_published:
        summary = describe_changes(before, after)
        if summary:
            event.changes.append(EventChange(changed_at=now, summary=summary[:300],
                                             sequence=event.sequence, by_id=by.id))


# --- writing ---------------------------------------------------------------------------------

def create_event(data: EventInput, *, by: User) -> Event:
    """A new, unpublished event created by ``by`` (status "announced" unless given)."""
    require_role(by, Role.CONTRIBUTOR, "write events")
    event = Event(created_by_id=by.id, slug="", sequence=0, status=EventStatus.ANNOUNCED.value,
                  people=[], tags=[], changes=[])
    if data.status is not None and not by.can(Role.AUTHOR) and data.status != EventStatus.ANNOUNCED.value:
        raise NotAllowed("Contributors write announcements; an author or editor confirms them.")
    _apply(event, data, by=by)
    db.session.add(event)
    _record(event, None, by=by, now=utcnow())
    db.session.flush()
    return event


def save_event(event: Event, data: EventInput, *, by: User, base_sequence: int | None = None) -> Event:
    """Save an edit; a change of date, venue or status of a published event is recorded as news.

    :raise EditConflict: when ``base_sequence`` is given and someone saved the event since.
    """
    require_edit_event(event, by)
    if base_sequence is not None and base_sequence != event.sequence:
        raise EditConflict("Someone else saved this event while you were editing it; "
                           "nothing was overwritten. Reload it and make your change again.")
    if data.status is not None and data.status != event.status and not can_publish_event(event, by):
        raise NotAllowed("Your role does not allow you to change this event's status.")
    before = _facts(event)
    _apply(event, data, by=by)
    _record(event, before, by=by, now=utcnow())
    db.session.flush()
    _refresh_cards(event)
    return event


def set_status(event: Event, status: EventStatus | str, *, by: User) -> Event:
    if not can_publish_event(event, by):
        raise NotAllowed("Your role does not allow you to change this event's status.")
    before = _facts(event)
    event.status = EventStatus(status).value
    _record(event, before, by=by, now=utcnow())
    db.session.flush()
    _refresh_cards(event)
    return event


def publish_event(event: Event, *, by: User, at: datetime | None = None) -> Event:
    """Make the event public (its announcement date is ``at`` or now)."""
    if not can_publish_event(event, by):
        raise NotAllowed("Your role does not allow you to publish this event.")
    if event.published_at is None:
        event.published_at = at or utcnow()
        event.sequence += 1
        event.updated_at = utcnow()
    db.session.flush()
    _refresh_cards(event)
    return event


def unpublish_event(event: Event, *, by: User) -> Event:
    if not can_publish_event(event, by):
        raise NotAllowed("Your role does not allow you to unpublish this event.")
    event.published_at = None
    event.sequence += 1
    event.updated_at = utcnow()
    db.session.flush()
    _refresh_cards(event)
    return event


def delete_event(event: Event, *, by: User) -> None:
    require_edit_event(event, by)
    if event.is_published and not by.can(Role.EDITOR):
        raise NotAllowed("Only editors can delete an event that has been published.")
    db.session.delete(event)
    db.session.flush()


def hand_over_events(person: User, *, to: User) -> int:
    """Make ``to`` the owner of every event ``person`` created. Returns how many."""
    result = db.session.execute(
        db.update(Event).where(Event.created_by_id == person.id).values(created_by_id=to.id))
    return result.rowcount


# --- post ↔ event ----------------------------------------------------------------------------

def event_for_post(post: Post) -> Event | None:
    """The event a post was written about, if any."""
    if post is None or post.id is None:
        return None
    return db.session.execute(
        db.select(Event).join(event_writeups, event_writeups.c.event_id == Event.id)
        .where(event_writeups.c.post_id == post.id)
    ).scalar_one_or_none()


def link_post_to_event(post: Post, event: Event | None, *, by: User) -> None:
    """Say which event ``post`` is about (``None`` removes the link); needs the right to edit the post."""
    posts.require_edit(post, by)
    current = event_for_post(post)
    if (current.id if current else None) == (event.id if event else None):
        return
    db.session.execute(event_writeups.delete().where(event_writeups.c.post_id == post.id))
    if event is not None:
        db.session.execute(event_writeups.insert().values(post_id=post.id, event_id=event.id))
        db.session.expire(event, ["writeups"])
    if current is not None:
        db.session.expire(current, ["writeups"])
    # Both pages show the link: move the public content stamp (the posts row is what readers see).
    post.updated_at = utcnow()
    db.session.flush()


def link_event_from_form(post: Post, form, *, by: User) -> None:
    """Apply the post editor's "Linked event" select (``event_id``; absent: leave the link alone)."""
    if "event_id" not in form:
        return
    value = (form.get("event_id") or "").strip()
    event = db.session.get(Event, int(value)) if value.isdigit() else None
    if value and event is None:
        raise ValidationFailed("The chosen event does not exist any more.", field="event_id")
    link_post_to_event(post, event, by=by)


def visible_writeups(event: Event, now: datetime | None = None) -> list[Post]:
    now = now or utcnow()
    return list(db.session.execute(
        db.select(Post).join(event_writeups, event_writeups.c.post_id == Post.id)
        .where(event_writeups.c.event_id == event.id, posts.listed_filter(now))
        .order_by(Post.published_at.asc(), Post.id.asc())
    ).scalars())


# --- public queries --------------------------------------------------------------------------

def _public():
    return Event.published_at.is_not(None)


def _upcoming_filter(now: datetime):
    return db.and_(_public(), Event.status != EventStatus.HELD.value,
                   or_(Event.over_at.is_(None), Event.over_at > now))


def _upcoming_query(now: datetime, *, dated: bool, tag: Tag | None = None):
    query = db.select(Event).where(_upcoming_filter(now))
    if tag is not None:
        query = query.where(exists().where(event_tags.c.event_id == Event.id, event_tags.c.tag_id == tag.id))
    if dated:
        return query.where(Event.precision.in_(DATED)).order_by(Event.sort_at.asc(), Event.id.asc())
    return query.where(Event.precision.not_in(DATED)).order_by(
        case((Event.sort_at.is_(None), 1), else_=0),
        Event.sort_at.asc(), Event.over_at.asc(), Event.id.asc(),  # narrower period first on a tie
    )


def upcoming_dated(*, limit: int | None = None, now: datetime | None = None, tag: Tag | None = None) -> list[Event]:
    """Published events known to the day and not over yet, soonest first (only ``tag``'s, if given)."""
    query = _upcoming_query(now or utcnow(), dated=True, tag=tag)
    return list(db.session.execute(query.limit(limit) if limit is not None else query).scalars())


def upcoming_teasers(*, limit: int | None = None, now: datetime | None = None,
                     tag: Tag | None = None) -> list[Event]:
    """"Watch this space": a month, then a season, soonest first; to be announced last."""
    query = _upcoming_query(now or utcnow(), dated=False, tag=tag)
    return list(db.session.execute(query.limit(limit) if limit is not None else query).scalars())


def upcoming_events(*, limit: int | None = None, now: datetime | None = None,
                    tag: Tag | None = None) -> list[Event]:
    """Published events not yet over: dated ones soonest first, then "watch this space" teasers
    (month, then season, soonest first; to-be-announced last)."""
    now = now or utcnow()
    dated = upcoming_dated(limit=limit, now=now, tag=tag)
    if limit is not None and len(dated) >= limit:
        return dated
    return dated + upcoming_teasers(limit=None if limit is None else limit - len(dated), now=now, tag=tag)


def writeup_condition():
    """Posts that are the write-up of an event (for ``posts.page_of_posts``)."""
    return Post.id.in_(db.select(event_writeups.c.post_id))


def past_events(*, year: int | None = None, limit: int | None = None,
                now: datetime | None = None) -> list[Event]:
    """Published events that are over (or marked held), most recent first; ``year`` by start."""
    now = now or utcnow()
    query = db.select(Event).where(
        _public(), or_(Event.status == EventStatus.HELD.value, Event.over_at <= now)
    )
    if year is not None:
        query = query.where(Event.sort_at >= datetime(year, 1, 1, tzinfo=now.tzinfo),
                            Event.sort_at < datetime(year + 1, 1, 1, tzinfo=now.tzinfo))
    query = query.order_by(case((Event.sort_at.is_(None), 1), else_=0), Event.sort_at.desc(), Event.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def listing_query(which: str | None, *, now: datetime | None = None, tag: Tag | None = None):
    """Published events for the API's lists, in a stable order (id last, so pages never overlap):

    - ``upcoming``: not over yet, soonest first, to-be-announced last;
    - ``past``: over or marked held, latest first;
    - ``announced``: upcoming, announced but not confirmed yet (status "announced", "watch this space");
    - ``None``: all published events, latest start first, undated last.
    """
    now = now or utcnow()
    undated_last = case((Event.sort_at.is_(None), 1), else_=0)
    if which == "upcoming":
        query = db.select(Event).where(_upcoming_filter(now)).order_by(undated_last, Event.sort_at.asc(), Event.id.asc())
    elif which == "announced":
        query = db.select(Event).where(_upcoming_filter(now), Event.status == EventStatus.ANNOUNCED.value) \
            .order_by(undated_last, Event.sort_at.asc(), Event.id.asc())
    elif which == "past":
        query = db.select(Event).where(_public(), or_(Event.status == EventStatus.HELD.value, Event.over_at <= now)) \
            .order_by(undated_last, Event.sort_at.desc(), Event.id.desc())
    else:
        query = db.select(Event).where(_public()).order_by(undated_last, Event.sort_at.desc(), Event.id.desc())
    if tag is not None:
        query = query.where(exists().where(event_tags.c.event_id == Event.id, event_tags.c.tag_id == tag.id))
    return query


def event_year(event: Event) -> int | None:
    if event.start_date is not None:
        return event.start_date.year
    if event.starts_at is not None:
        return dates.to_local(event.starts_at, event.timezone).year
    return None


def group_by_year(events: list[Event]) -> list[tuple[int | None, list[Event]]]:
    groups: dict[int | None, list[Event]] = {}
    for event in events:
        groups.setdefault(event_year(event), []).append(event)
    return list(groups.items())


def events_changed_since(since: datetime) -> list[Event]:
    """Published events announced or changed since ``since`` (for digests), soonest first."""
    changed = exists().where(EventChange.event_id == Event.id, EventChange.changed_at >= since)
    query = db.select(Event).where(_public(), or_(Event.published_at >= since, changed)).order_by(
        case((Event.sort_at.is_(None), 1), else_=0), Event.sort_at.asc(), Event.id.asc()
    )
    return list(db.session.execute(query).scalars())


def recently_updated_events(*, limit: int = 50) -> list[Event]:
    """Published events, most recently announced or changed first (the events feed)."""
    return list(db.session.execute(
        db.select(Event).where(_public()).order_by(Event.updated_at.desc(), Event.id.desc()).limit(limit)
    ).scalars())


def calendar_events(*, tag: Tag | None = None, limit: int | None = None) -> list[Event]:
    """Published events known at least to the day (calendars leave the rest out), newest first."""
    query = db.select(Event).where(_public(), Event.precision.in_(DATED))
    if tag is not None:
        query = query.where(exists().where(event_tags.c.event_id == Event.id, event_tags.c.tag_id == tag.id))
    query = query.order_by(Event.sort_at.desc(), Event.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def public_event_by_slug(slug: str) -> Event:
    event = db.session.execute(db.select(Event).where(Event.slug == slug, _public())).scalar_one_or_none()
    if event is None:
        raise NotFound("There is no event at this address.")
    return event


def editable_events(user: User, *, limit: int = 200) -> list[Event]:
    query = db.select(Event)
    if not user.can(Role.EDITOR):
        query = query.where(Event.created_by_id == user.id)
    return list(db.session.execute(query.order_by(Event.updated_at.desc()).limit(limit)).scalars())


def linkable_events(*, limit: int = 300) -> list[Event]:
    """Events a post can be about (the post editor's select): all of them, newest first."""
    return list(db.session.execute(
        db.select(Event).order_by(case((Event.sort_at.is_(None), 0), else_=1), Event.sort_at.desc(),
                                  Event.id.desc()).limit(limit)
    ).scalars())


def next_event_moment(now: datetime) -> datetime | None:
    """The earliest start or end of any event still to come: pages change then with no write.

    Registered with ``blog.site.services.register_next_change`` so every cached public
    page (the home page's "coming up" too) is fresh once an event starts or ends.
    Two index look-ups; drafts are included, which only costs a rare extra cache miss.
    """
    return min((moment for moment in (
        db.session.execute(db.select(db.func.min(column)).where(column > now)).scalar_one_or_none()
        for column in (Event.sort_at, Event.over_at)) if moment is not None), default=None)


# --- saying what is known --------------------------------------------------------------------

def display_when(event: Event) -> str:
    """Exactly what is known of the date: "Spring 2027", "Thursday 20 May 2027, 09:30–17:00 BST"."""
    return dates.when_text(Precision(event.precision), event.timezone, starts_at=event.starts_at,
                           ends_at=event.ends_at, start_date=event.start_date, end_date=event.end_date,
                           season=event.season)


def display_where(event: Event) -> str:
    """"Kingsgate Hall, Manchester", "London", "Online", "Kingsgate Hall, Manchester, and online", or ""."""
    place_parts = [event.venue_name] if event.venue_name else []
    if event.city and event.city.lower() not in (event.venue_name or "").lower():
        place_parts.append(event.city)
    place = ", ".join(place_parts)
    if event.online_url:
        return f"{place}, and online" if place else "Online"
    return place


def details_to_follow(event: Event) -> bool:
    if event.status in (EventStatus.CANCELLED.value, EventStatus.HELD.value):
        return False
    return not event.is_dated or not (event.venue_name or event.online_url)


def display_line(event: Event) -> str:
    """One line for lists and feeds: "Spring 2027, London, details to follow"."""
    parts = [display_when(event)]
    where = display_where(event)
    if where:
        parts.append(where)
    if details_to_follow(event):
        parts.append("details to follow")
    return ", ".join(parts)


def last_change(event: Event) -> EventChange | None:
    return event.changes[0] if event.changes else None


def event_url(event: Event, external: bool = True) -> str:
    from blog.core.urls import absolute_url

    if external:
        return absolute_url("events.event", slug=event.slug)
    return url_for("events.event", slug=event.slug)


EVENT_DIRECTIVE = "event"


def event_card_directive(key: str):
    """HTML for ``[[event:ID]]``, a card in a post that leads to a published event ("watch this
    space" while its date is not known); None (the text kept) for an unknown or unpublished one.
    The event's id, not its slug, is the key: the card survives a renamed event."""
    from flask import render_template
    from markupsafe import Markup

    event = db.session.get(Event, int(key)) if key.isdigit() else None
    if event is None or not event.is_published:
        return None
    return Markup(render_template("events/_card.html", event=event, line=display_line(event),
                                  teaser=not Precision(event.precision).is_dated).strip())


def _refresh_cards(event: Event) -> None:
    """Posts showing the event's card are rendered again: the card follows the event as it firms up."""
    directive_output_changed.send(EVENT_DIRECTIVE, key=str(event.id))


def event_ics_url(event: Event, external: bool = True) -> str:
    from blog.core.urls import absolute_url

    if external:
        return absolute_url("events.event_ics", slug=event.slug)
    return url_for("events.event_ics", slug=event.slug)
