"""iCalendar (RFC 5545) for events, built with the ``icalendar`` library.

Each event keeps one UID for life (its ``uid`` at the site's host), and its
``SEQUENCE`` goes up on every saved change, so calendar clients that subscribed
replace their copy. Timed events are given in UTC (no VTIMEZONE needed, correct
across daylight-saving changes); all-day events are DATE values with an exclusive DTEND. Events whose date is not
yet known to the day are left out until it is.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event as VEvent, vText

from blog.core.markdown import plain_text
from blog.core.time import UTC
from blog.events import services as events
from blog.events.models import Event, EventStatus, Precision

ICAL_STATUS = {
    EventStatus.ANNOUNCED.value: "TENTATIVE",
    EventStatus.POSTPONED.value: "TENTATIVE",
    EventStatus.CONFIRMED.value: "CONFIRMED",
    EventStatus.HELD.value: "CONFIRMED",
    EventStatus.CANCELLED.value: "CANCELLED",
}


def event_uid(event: Event) -> str:
    host = urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"
    return f"{event.uid}@{host}"


def _location(event: Event) -> str:
    parts = [p for p in (event.venue_name, event.venue_address.replace("\n", ", ") if event.venue_address else "",
                         event.city) if p]
    place = ", ".join(dict.fromkeys(parts))
    if event.online_url:
        return f"{place} and online: {event.online_url}" if place else event.online_url
    return place


def vevent(event: Event) -> VEvent:
    """The VEVENT of a dated event."""
    item = VEvent()
    item.add("uid", event_uid(event))
    item.add("dtstamp", event.updated_at)
    item.add("created", event.created_at)
    item.add("last-modified", event.updated_at)
    item.add("sequence", event.sequence)
    item.add("summary", event.title)
    if event.precision == Precision.TIME.value:
        # UTC times (RFC 5545 form 2): exact whatever the zone rules; clients show local time.
        item.add("dtstart", event.starts_at.astimezone(UTC))
        if event.ends_at and event.ends_at > event.starts_at:
            item.add("dtend", event.ends_at.astimezone(UTC))
    else:
        item.add("dtstart", event.start_date)
        item.add("dtend", (event.end_date or event.start_date) + timedelta(days=1))
    item.add("status", ICAL_STATUS[event.status])
    url = events.event_url(event)
    item.add("url", url)
    description = "\n\n".join(p for p in (event.summary, plain_text(event.description_html),
                                          event.registration_note, url) if p)
    item.add("description", description)
    location = _location(event)
    if location:
        item.add("location", vText(location))
    for tag in event.tags:
        item.add("categories", tag.name)
    return item


def calendar_for(items: list[Event], *, name: str) -> bytes:
    """A VCALENDAR of the dated events among ``items``; others are left out."""
    from blog.site.services import get_settings

    calendar = Calendar()
    calendar.add("prodid", f"-//{get_settings().site_name}//Research group blog//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    for event in items:
        if event.is_dated:
            calendar.add_component(vevent(event))
    return calendar.to_ical()
