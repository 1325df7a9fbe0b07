"""JSON-LD ``Event`` for an event page (schema.org), saying only what is known."""
from __future__ import annotations

from datetime import datetime

from blog.core.time import to_local
from blog.events import services
from blog.events.models import Event, EventStatus, Precision
from blog.media.services import shared_image
from blog.site.services import get_settings
from blog.core.urls import absolute_url

SCHEMA_STATUS = {
    EventStatus.ANNOUNCED.value: "https://schema.org/EventScheduled",
    EventStatus.CONFIRMED.value: "https://schema.org/EventScheduled",
    EventStatus.HELD.value: "https://schema.org/EventScheduled",
    EventStatus.POSTPONED.value: "https://schema.org/EventPostponed",
    EventStatus.CANCELLED.value: "https://schema.org/EventCancelled",
}


def _dates(event: Event) -> dict:
    if event.precision == Precision.TIME.value:
        data = {"startDate": to_local(event.starts_at, event.timezone).isoformat()}
        if event.ends_at:
            data["endDate"] = to_local(event.ends_at, event.timezone).isoformat()
        return data
    if event.precision == Precision.DAY.value:
        data = {"startDate": event.start_date.isoformat()}
        if event.end_date:
            data["endDate"] = event.end_date.isoformat()
        return data
    if event.precision == Precision.MONTH.value:
        return {"startDate": event.start_date.strftime("%Y-%m")}  # ISO 8601 reduced precision
    return {}


def _location(event: Event):
    places = []
    if event.venue_name or event.venue_address or event.city:
        place = {"@type": "Place", "name": event.venue_name or event.city}
        address = ", ".join(p for p in (event.venue_address.replace("\n", ", "), event.city) if p)
        if address:
            place["address"] = {"@type": "PostalAddress", "streetAddress": event.venue_address.replace("\n", ", "),
                                "addressLocality": event.city} if event.venue_address else address
        if event.map_url:
            place["hasMap"] = event.map_url
        places.append(place)
    if event.online_url:
        places.append({"@type": "VirtualLocation", "url": event.online_url})
    return places


def event_json_ld(event: Event, now: datetime) -> dict:
    url = absolute_url("events.event", slug=event.slug)
    places = _location(event)
    mode = ("Mixed" if len(places) == 2 else "Online" if event.online_url else "Offline")
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event.summary or services.display_line(event),
        "url": url,
        "identifier": event.uid,
        "eventStatus": SCHEMA_STATUS[event.status],
        "eventAttendanceMode": f"https://schema.org/{mode}EventAttendanceMode",
        **_dates(event),
        "organizer": [_person(p) for p in event.organisers] or {"@type": "Organization", "name": get_settings().site_name,
                                                      "url": absolute_url("posts.home")},
        "keywords": [t.name for t in event.tags],
    }
    if places:
        data["location"] = places[0] if len(places) == 1 else places
    if event.speakers:
        data["performer"] = [_person(p) for p in event.speakers]
    if event.registration_url:
        data["offers"] = {"@type": "Offer", "url": event.registration_url}
    if event.photo is not None:
        data["image"] = [shared_image(event.photo).url]
    return data


def _person(credit) -> dict:
    """A speaker or organiser; one of the site's people also with their page (and ORCID iD)."""
    data = {"@type": "Person", "name": credit.shown_name}
    if credit.affiliation:
        data["affiliation"] = {"@type": "Organization", "name": credit.affiliation}
    if credit.person is not None:
        data["url"] = absolute_url("people.person", slug=credit.person.slug)
        if credit.person.orcid:
            data["sameAs"] = f"https://orcid.org/{credit.person.orcid}"
    return data
