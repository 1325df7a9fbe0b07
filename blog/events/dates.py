"""Uncertain event dates: the period a precision stands for, and how to say it.

Pure functions, no database: what is known (precision, local dates or UTC
instants, season, IANA zone) goes in; UTC bounds or display text come out.

Seasons are meteorological, as people in the UK and Europe use them:
spring March–May, summer June–August, autumn September–November, and winter
December of the named year to the end of February of the next.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from blog.core.time import local_to_utc, to_local
from blog.events.models import Precision

SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}  # first month of each


def season_period(season: str, year: int) -> tuple[date, date]:
    """The first and last local day of ``season`` in ``year``."""
    first_month = SEASONS[season]
    start = date(year, first_month, 1)
    return start, _add_months(start, 3) - timedelta(days=1)


def month_period(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    return start, _add_months(start, 1) - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _midnight_utc(day: date, zone_name: str) -> datetime:
    return local_to_utc(datetime.combine(day, time()), zone_name)


def bounds(precision: Precision, zone_name: str, *, starts_at: datetime | None = None,
           ends_at: datetime | None = None, start_date: date | None = None,
           end_date: date | None = None) -> tuple[datetime | None, datetime | None]:
    """``(sort_at, over_at)`` in UTC: the earliest start and the moment it is surely over.

    For a month or season, ``start_date``/``end_date`` are the first and last day
    of that period; a day event is over at the local midnight after its last day.
    """
    if precision == Precision.TBA:
        return None, None
    if precision == Precision.TIME:
        return starts_at, ends_at or starts_at
    last = end_date or start_date
    return _midnight_utc(start_date, zone_name), _midnight_utc(last + timedelta(days=1), zone_name)


# --- saying what is known --------------------------------------------------------------------

def _day(d: date, *, weekday: bool = True) -> str:
    return d.strftime("%A %-d %B %Y" if weekday else "%-d %B %Y")


def _day_range(first: date, last: date) -> str:
    if first == last:
        return _day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {first.strftime('%B %Y')}"
    if first.year == last.year:
        return f"{first.strftime('%-d %B')} – {last.strftime('%-d %B %Y')}"
    return f"{_day(first, weekday=False)} – {_day(last, weekday=False)}"


def when_text(precision: Precision, zone_name: str, *, starts_at: datetime | None = None,
              ends_at: datetime | None = None, start_date: date | None = None,
              end_date: date | None = None, season: str | None = None) -> str:
    """"Thursday 20 November 2014, 09:30–17:00 GMT", "May 2027", "Spring 2027", "Date to be announced"."""
    if precision == Precision.TBA:
        return "Date to be announced"
    if precision == Precision.SEASON:
        return f"{(season or '').capitalize()} {start_date.year}"
    if precision == Precision.MONTH:
        return start_date.strftime("%B %Y")
    if precision == Precision.DAY:
        return _day_range(start_date, end_date or start_date)
    start = to_local(starts_at, zone_name)
    if ends_at is None:
        return f"{_day(start.date())}, {start:%H:%M} {start.tzname()}"
    end = to_local(ends_at, zone_name)
    if end.date() == start.date():
        zone_label = start.tzname() if start.tzname() == end.tzname() else f"{start.tzname()}/{end.tzname()}"
        return f"{_day(start.date())}, {start:%H:%M}–{end:%H:%M} {zone_label}"
    return (f"{_day(start.date())}, {start:%H:%M} {start.tzname()} – "
            f"{_day(end.date())}, {end:%H:%M} {end.tzname()}")
