"""``NEWSLETTER_RATE``: how fast the workers hand mail to the relay, in all and per recipient domain.

A shared university relay blocks a sender that floods it, and large providers
throttle one that sends too much to their domain at once. The limits are fixed
windows counted in the ``send_counters`` table, which every worker process
shares (no other service needed): before each message a worker adds one to the
global window and to the recipient domain's window in one transaction, each
``UPDATE`` allowed only while the count is below its limit. On PostgreSQL the
row lock makes concurrent workers take turns; SQLite has one writer at a time.
A message over a limit is not sent: the caller defers it to the window's end.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite

from blog.config import SendRate
from blog.core.time import UTC, utcnow
from blog.extensions import db
from blog.newsletter.models import SendCounter

GLOBAL = "*"


@dataclass(frozen=True)
class HeldBack:
    """The message may not go now: try again at ``until``; ``everything`` when the global limit is full."""

    until: datetime
    everything: bool


def _window(now: datetime, seconds: int) -> tuple[int, datetime]:
    start = int(now.timestamp()) // seconds * seconds
    return start, datetime.fromtimestamp(start + seconds, UTC)


class SendRateLimiter:
    """Counts messages against the limits; one per worker, with a database connection of its own."""

    def __init__(self, limits: tuple[SendRate, ...], *, clock=utcnow):
        self.limits = limits
        self.clock = clock
        self._connection = None

    def _insert_ignoring_conflict(self, values: dict):
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(SendCounter).values(**values).on_conflict_do_nothing(index_elements=["bucket"])

    def _take(self, bucket: str, ends_at: datetime, limit: int) -> bool:
        """One more in ``bucket`` if it holds fewer than ``limit`` (within the open transaction)."""
        take = (update(SendCounter).where(SendCounter.bucket == bucket, SendCounter.count < limit)
                .values(count=SendCounter.count + 1))
        if self._connection.execute(take).rowcount:
            return True
        # A new window: create its row (another worker may have just done so), then try again.
        created = self._connection.execute(
            self._insert_ignoring_conflict({"bucket": bucket, "window_ends_at": ends_at, "count": 0}))
        if created.rowcount:
            self._connection.execute(delete(SendCounter).where(SendCounter.window_ends_at <= self.clock()))
        return bool(self._connection.execute(take).rowcount)

    def acquire(self, domain: str) -> HeldBack | None:
        """Count one message to ``domain`` against every limit, or none of them and say until when to wait."""
        if self._connection is None:
            self._connection = db.engine.connect()
            if db.engine.dialect.name == "postgresql":
                # As for the worker's "sent" marks: do not wait for the disk on each count. Only a
                # crash of PostgreSQL itself could forget the last fraction of a second of counts.
                self._connection.exec_driver_sql("SET synchronous_commit TO off")
                self._connection.commit()
        now = self.clock()
        with self._connection.begin() as transaction:
            for limit in self.limits:
                start, ends_at = _window(now, limit.seconds)
                scope = domain.lower() if limit.per_domain else GLOBAL
                if not self._take(f"{scope}/{limit.seconds}/{start}", ends_at, limit.count):
                    transaction.rollback()
                    return HeldBack(until=ends_at, everything=not limit.per_domain)
        return None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def rate_limiter(limits: tuple[SendRate, ...]) -> SendRateLimiter | None:
    """A limiter for the configured limits, or None when there are none (nothing is counted then)."""
    return SendRateLimiter(limits) if limits else None

