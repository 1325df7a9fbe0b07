"""Time: every stored timestamp is timezone-aware UTC; local time zones are IANA names."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

UTC = timezone.utc


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A DateTime column that accepts only aware datetimes and always returns aware UTC ones.

    SQLite keeps no offset, so values come back naive; this type makes both
    databases behave alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; raises ValueError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone: {name!r}") from exc


def is_valid_zone(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True


def zone_choices() -> list[str]:
    return sorted(available_timezones())


def to_local(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(zone(zone_name))


def local_to_utc(naive_local: datetime, zone_name: str) -> datetime:
    """Interpret a wall-clock time in ``zone_name`` and return it in UTC.

    Ambiguous times (the repeated hour when clocks go back) take the first
    occurrence; non-existent ones (the skipped hour) move forward, as calendars do.
    """
    # PEP 495: fold=0 takes the offset in force *before* a transition, which gives the
    # first of two repeated times, and moves a skipped time forward by the gap (RFC 5545 3.3.5).
    aware = naive_local.replace(tzinfo=zone(zone_name), fold=0)
    return aware.astimezone(UTC)


def isoformat_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
