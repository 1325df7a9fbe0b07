"""Demo events: the workshop (held, linked to its write-up), a confirmed upcoming day, a season-only teaser."""
from __future__ import annotations

from datetime import datetime

from blog.core.time import UTC, utcnow
from blog.events import services
from blog.events.models import Event
from blog.events.services import EventInput, PersonInput
from blog.extensions import db
from blog.site.services import mark_as_demo

WORKSHOP_SLUG = "online-harm-and-the-people-who-cause-it"
PRACTITIONER_DAY_SLUG = "netguard-practitioner-day"
TEASER_SLUG = "netguard-symposium"


def _by_slug(slug: str) -> Event | None:
    return db.session.execute(db.select(Event).where(Event.slug == slug)).scalar_one_or_none()


def seed(created: dict) -> None:
    admin = created["admin"]
    okafor, hartley = created["authors"][:2]
    people = [PersonInput(okafor.display_name, okafor.affiliation, "organiser"),
              PersonInput(hartley.display_name, hartley.affiliation, "organiser")]
    workshop = _by_slug(WORKSHOP_SLUG)
    if workshop is None:
        workshop = services.create_event(EventInput(
            title="Online Harm and the People Who Cause It: From Assessment to Intervention",
            slug=WORKSHOP_SLUG, precision="time", timezone="Europe/London",
            start_local=datetime(2025, 3, 12, 9, 30), end_local=datetime(2025, 3, 12, 16, 30),
            summary="A full-day netGUARD workshop for practitioners on assessing and working with "
                    "people who harm children online.",
            description_markdown="Research briefings in the morning, case formulation in small groups "
                                 "in the afternoon. For forensic psychologists, probation officers, "
                                 "police investigators, clinicians and charity workers.",
            venue_name="Kingsgate Hall", venue_address="1 Kingsgate Street", city="Manchester",
            registration_note="Places were free and limited to 25.", status="held",
            tag_names=["Workshops", "Events"], people=people,
        ), by=admin)
        services.publish_event(workshop, by=admin, at=datetime(2024, 12, 2, 10, tzinfo=UTC))
    if created.get("writeup") is not None and services.event_for_post(created["writeup"]) is None:
        services.link_post_to_event(created["writeup"], workshop, by=admin)

    year = utcnow().year + 1
    if _by_slug(PRACTITIONER_DAY_SLUG) is None:
        day = services.create_event(EventInput(
            title="netGUARD Practitioner Day", slug=PRACTITIONER_DAY_SLUG, precision="month",
            year=year, month=5, city="Leeds", timezone="Europe/London",
            summary="A day of short talks and clinics on the Risk Pathways Framework in practice.",
            tag_names=["Events"], people=people,
        ), by=admin)
        services.publish_event(day, by=admin)
        services.save_event(day, EventInput(
            title=day.title, precision="time", timezone="Europe/London",
            start_local=datetime(year, 5, 20, 9, 30), end_local=datetime(year, 5, 20, 17, 0),
            summary=day.summary, city="Leeds", venue_name="Riverside Conference Centre",
            venue_address="12 Wharf Road", online_url="https://meet.example.org/netguard-day",
            registration_url="https://example.org/netguard/register",
            registration_note="Free; registration closes a week before.", status="confirmed",
            people=people + [PersonInput("Dr Priya Natarajan", "Northbridge Children's Trust", "speaker")],
        ), by=admin)
    if _by_slug(TEASER_SLUG) is None:
        teaser = services.create_event(EventInput(
            title="netGUARD Symposium", slug=TEASER_SLUG, precision="season", season="autumn",
            year=year, city="London", timezone="Europe/London",
            summary="Our first two-day symposium: findings from the netGUARD interviews, with "
                    "practitioners and people with lived experience. Watch this space!",
            tag_names=["Events"],
        ), by=admin)
        services.publish_event(teaser, by=admin)
    mark_as_demo(*(event for slug in (WORKSHOP_SLUG, PRACTITIONER_DAY_SLUG, TEASER_SLUG)
                   if (event := _by_slug(slug)) is not None))



