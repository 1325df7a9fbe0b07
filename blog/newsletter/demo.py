"""Demo newsletter: two confirmed subscribers and a weekly schedule (idempotent)."""
from __future__ import annotations

from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.models import Subscriber
from blog.site.services import mark_as_demo

DEMO_SUBSCRIBERS = [
    ("reader.one@example.org", "Sam Reader", "both"),
    ("reader.two@example.org", "Alex Practitioner", "events"),
]


def seed(created: dict) -> None:
    for email, name, receives in DEMO_SUBSCRIBERS:
        subscriber = db.session.execute(db.select(Subscriber).where(Subscriber.email == email)).scalar_one_or_none()
        if subscriber is None:
            subscriber = Subscriber(email=email, name=name, receives=receives, status="subscribed",
                                    consent_at=utcnow(), consent_method="Demo data (fictional people)")
            db.session.add(subscriber)
        mark_as_demo(subscriber)
    settings = services.newsletter_settings()
    if settings.frequency == "off" and settings.last_slot_at is None:
        settings.frequency, settings.weekday, settings.send_time = "weekly", 0, "09:00"
        settings.last_slot_at = services.latest_slot(utcnow(), settings)
    db.session.flush()
