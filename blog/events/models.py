"""Events: announcements whose date may still be uncertain, their people, tags, history and write-ups.

An event's date is known to a *precision*: an exact time, a day (all-day, possibly
several days), a month, a season, or nothing yet ("to be announced"). Whatever is
known is stored as it was given (local dates, or UTC instants plus the event's IANA
time zone), and two derived UTC instants make it sortable and let queries tell
upcoming from past without knowing the precision:

- ``sort_at``: the earliest moment the event can start (NULL when to be announced);
- ``over_at``: the moment after which it is certainly over (NULL when to be announced).

Both are computed by the services on every save (``blog.events.dates.bounds``).
"""
from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.accounts.models import User
from blog.core.time import UTCDateTime, utcnow
from blog.extensions import db
from blog.media.models import Photo
from blog.posts.models import Post, Tag


class Precision(str, enum.Enum):
    TIME = "time"  # exact start (and end) times in the event's time zone
    DAY = "day"  # all-day, on one or several days
    MONTH = "month"
    SEASON = "season"  # "Spring 2027"
    TBA = "tba"  # to be announced

    @property
    def is_dated(self) -> bool:
        """Known to the day at least: goes into calendars and sorts among dated events."""
        return self in (Precision.TIME, Precision.DAY)


class EventStatus(str, enum.Enum):
    ANNOUNCED = "announced"  # a teaser: "watch this space"
    CONFIRMED = "confirmed"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    HELD = "held"  # over, and it took place


class PersonRole(str, enum.Enum):
    ORGANISER = "organiser"
    SPEAKER = "speaker"


event_tags = Table(
    "event_tags",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# A post is written about at most one event (post_id is the key); an event may have several.
event_writeups = Table(
    "event_writeups",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True),
)


class EventPerson(db.Model):
    """An organiser or speaker, named as the event credits them, and linked to the person's page
    (``person_id``) when they are one of the site's people (a user, with an account or byline-only).

    ``name`` stays the credit as given (a guest speaker has only that); for a linked person, pages
    show the person's current name and link to ``/people/<slug>``.
    """

    __tablename__ = "event_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=PersonRole.SPEAKER.value)
    name: Mapped[str] = mapped_column(String(200))
    affiliation: Mapped[str] = mapped_column(String(255), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    person: Mapped[User | None] = relationship(lazy="selectin")

    @property
    def shown_name(self) -> str:
        return self.person.display_name if self.person is not None else self.name


class EventChange(db.Model):
    """One announced change of a published event: "date confirmed", "venue changed"..."""

    __tablename__ = "event_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(String(300))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    by: Mapped[User | None] = relationship()


class Event(db.Model):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identity for calendars (iCalendar UID) and feeds: never changes with title or slug.
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    description_markdown: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")

    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    precision: Mapped[str] = mapped_column(String(10), default=Precision.TBA.value)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # precision "time"
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start_date: Mapped[date | None] = mapped_column(Date)  # local: the day, or first day of month/season
    end_date: Mapped[date | None] = mapped_column(Date)  # local, inclusive (multi-day events)
    season: Mapped[str | None] = mapped_column(String(10))  # spring, summer, autumn, winter
    sort_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    over_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    map_url: Mapped[str] = mapped_column(String(500), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    registration_url: Mapped[str] = mapped_column(String(500), default="")
    registration_note: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id", ondelete="SET NULL"))

    status: Mapped[str] = mapped_column(String(20), default=EventStatus.ANNOUNCED.value)
    # iCalendar SEQUENCE: goes up by one on every saved change.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # NULL: a draft
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    people: Mapped[list[EventPerson]] = relationship(
        order_by=EventPerson.position, cascade="all, delete-orphan", lazy="selectin"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=event_tags, order_by=Tag.name, lazy="selectin")
    photo: Mapped[Photo | None] = relationship(lazy="selectin")
    changes: Mapped[list[EventChange]] = relationship(
        order_by=(EventChange.changed_at.desc(), EventChange.id.desc()),
        cascade="all, delete-orphan", lazy="selectin",
    )
    writeups: Mapped[list[Post]] = relationship(secondary=event_writeups, order_by=Post.published_at)
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def precision_enum(self) -> Precision:
        return Precision(self.precision)

    @property
    def is_dated(self) -> bool:
        return self.precision_enum.is_dated

    @property
    def all_day(self) -> bool:
        return self.precision == Precision.DAY.value

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def organisers(self) -> list[EventPerson]:
        return [p for p in self.people if p.role == PersonRole.ORGANISER.value]

    @property
    def speakers(self) -> list[EventPerson]:
        return [p for p in self.people if p.role == PersonRole.SPEAKER.value]

    def is_over(self, now: datetime) -> bool:
        return self.status == EventStatus.HELD.value or (self.over_at is not None and self.over_at <= now)

    def effective_status(self, now: datetime) -> EventStatus:
        """What readers see: a confirmed or announced event whose time has passed was held."""
        status = EventStatus(self.status)
        if status in (EventStatus.CONFIRMED, EventStatus.ANNOUNCED) and self.is_dated and self.is_over(now):
            return EventStatus.HELD
        return status

    def __repr__(self) -> str:
        return f"<Event {self.slug} {self.precision} {self.status}>"
