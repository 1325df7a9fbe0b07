"""The outbox worker: claim a batch, send it over one SMTP connection, mark each row as it goes.

Why nobody gets a mailing twice
-------------------------------
A row moves ``queued → sending`` when a worker claims it (in a committed
transaction; on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` so two workers never
claim the same row), and ``sending → sent`` in its own commit right after the
SMTP server accepted the message, before the next message is sent. If the
worker dies (``kill -9``, power cut), its rows stay ``sending``; they are put
back in the queue once the worker is known dead: at once when it ran on this
host and its process is gone, otherwise when its lease (``claimed_at``, renewed
while it works) is older than ``NEWSLETTER_LEASE_SECONDS``. Of those rows only
the one being sent at the moment of death may have reached the server, so at
most that one message per dead worker is delivered twice.

On SQLite one worker runs at a time (a lock file under ``instance/``).
"""
from __future__ import annotations

import fcntl
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update

from blog.core.mail import MailError, MessageTemplate, PermanentFailure, ReservedAddress, Throttled, get_sender
from blog.core.time import utcnow
from blog.core.urls import absolute_url
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.bounces import MailboxError, check_bounce_mailbox
from blog.newsletter.models import Delivery, DeliveryStatus, Mailing, Subscriber, SubscriberStatus
from blog.newsletter.ratelimit import rate_limiter
from blog.newsletter.retention import apply_retention
from blog.site.services import get_settings

MAX_BACKOFF = timedelta(hours=6)
HOUSEKEEPING_LOCK = 7_001_106  # a PostgreSQL advisory lock: one worker at a time reads the bounce mailbox
_MARK_SENT = ("UPDATE deliveries SET status = 'sent', sent_at = %s, attempts = %s, message_id = %s, "
              "claimed_by = NULL, last_error = '' WHERE id = %s")


class AnotherWorkerRunning(RuntimeError):
    pass


@dataclass
class Stats:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    deferred: int = 0  # held back by NEWSLETTER_RATE
    remaining: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.sent / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        return (f"sent {self.sent}, failed {self.failed}, remaining {self.remaining}, "
                f"{self.rate:.0f}/s")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def outstanding_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.status.in_([DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value])))


class Worker:
    """Delivers the outbox. ``run(once=True)`` drains what is due and returns the stats."""

    def __init__(self, *, sender=None, batch_size: int | None = None, on_progress=None, sleep=time.sleep,
                 worker_id: str | None = None):
        config = current_app.config
        self.sender = sender or get_sender()
        self.batch_size = batch_size or config["NEWSLETTER_BATCH_SIZE"]
        self.lease = timedelta(seconds=config["NEWSLETTER_LEASE_SECONDS"])
        self.max_attempts = config["NEWSLETTER_MAX_ATTEMPTS"]
        self.retry_seconds = config["NEWSLETTER_RETRY_SECONDS"]
        self.host = socket.gethostname()
        self.id = worker_id or f"{self.host}:{os.getpid()}:{secrets.token_hex(3)}"
        self.on_progress = on_progress or (lambda stats: None)
        self.sleep = sleep
        self.stats = Stats()
        self.rate_limiter = rate_limiter(config["NEWSLETTER_RATE"])
        self.return_path = config["MAIL_RETURN_PATH"]
        self.housekeeping_every = config["NEWSLETTER_HOUSEKEEPING_SECONDS"]
        self.pause = 0.0  # seconds between messages; grows when the server throttles us
        self._templates: dict[int, MessageTemplate] = {}
        self._postgres = db.engine.dialect.name == "postgresql"
        self._lock_file = None
        self._marker = None  # a connection of its own for per-message commits

    # --- claiming ----------------------------------------------------------------------------

    def recover(self, now: datetime | None = None) -> int:
        """Put back in the queue the rows of workers that died while holding them."""
        now = now or utcnow()
        holders = db.session.execute(
            select(Delivery.claimed_by, func.max(Delivery.claimed_at))
            .where(Delivery.status == DeliveryStatus.SENDING.value).group_by(Delivery.claimed_by)
        ).all()
        recovered = 0
        for holder, claimed_at in holders:
            if holder == self.id:
                continue
            host, _, rest = (holder or "").partition(":")
            pid = rest.split(":")[0]
            dead_here = host == self.host and pid.isdigit() and not _pid_alive(int(pid))
            if holder is None or dead_here or claimed_at is None or claimed_at < now - self.lease:
                result = db.session.execute(
                    update(Delivery).where(Delivery.status == DeliveryStatus.SENDING.value,
                                           Delivery.claimed_by.is_(holder) if holder is None
                                           else Delivery.claimed_by == holder)
                    .values(status=DeliveryStatus.QUEUED.value, claimed_by=None, claimed_at=None)
                )
                recovered += result.rowcount or 0
        db.session.commit()
        return recovered

    def claim(self, now: datetime | None = None) -> list[int]:
        now = now or utcnow()
        due = (select(Delivery.id).where(Delivery.status == DeliveryStatus.QUEUED.value,
                                         Delivery.next_attempt_at <= now)
               .order_by(Delivery.id).limit(self.batch_size))
        if self._postgres:
            due = due.with_for_update(skip_locked=True)
        ids = list(db.session.execute(due).scalars())
        if ids:
            db.session.execute(
                update(Delivery).where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.QUEUED.value)
                .values(status=DeliveryStatus.SENDING.value, claimed_by=self.id, claimed_at=now)
            )
            ids = list(db.session.execute(
                select(Delivery.id).where(Delivery.id.in_(ids), Delivery.claimed_by == self.id,
                                          Delivery.status == DeliveryStatus.SENDING.value)
                .order_by(Delivery.id)).scalars())
        db.session.commit()
        return ids

    def _release(self, ids: list[int], *, delay: float = 0, until: datetime | None = None) -> None:
        """Give back claimed rows not yet attempted, due again after ``delay`` seconds or at ``until``."""
        if ids:
            db.session.execute(
                update(Delivery).where(Delivery.id.in_(ids), Delivery.claimed_by == self.id,
                                       Delivery.status == DeliveryStatus.SENDING.value)
                .values(status=DeliveryStatus.QUEUED.value, claimed_by=None, claimed_at=None,
                        next_attempt_at=until or utcnow() + timedelta(seconds=delay))
            )
        db.session.commit()

    def _heartbeat(self) -> None:
        db.session.execute(update(Delivery).where(Delivery.claimed_by == self.id,
                                                  Delivery.status == DeliveryStatus.SENDING.value)
                           .values(claimed_at=utcnow()))
        db.session.commit()

    # --- sending -----------------------------------------------------------------------------

    def _template(self, mailing_id: int) -> MessageTemplate:
        template = self._templates.get(mailing_id)
        if template is None:
            mailing = db.session.get(Mailing, mailing_id)
            template = MessageTemplate(subject=mailing.subject, text=mailing.body_text, html=mailing.body_html,
                                       from_name=get_settings().site_name, reply_to=services.reply_to(),
                                       list_id=services.list_id())
            self._templates[mailing_id] = template
        return template

    def _link_prefixes(self) -> tuple[str, str]:
        if not hasattr(self, "_prefixes"):
            unsub = absolute_url("newsletter.unsubscribe", token="T0KEN")
            prefs = absolute_url("newsletter.preferences", token="T0KEN")
            self._prefixes = (unsub.replace("T0KEN", "{}"), prefs.replace("T0KEN", "{}"))
        return self._prefixes

    def _mark_connection(self) -> None:
        self._marker = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if self._postgres and not current_app.config["NEWSLETTER_SYNC_COMMIT"]:
            # Do not wait for the disk flush of each mark: a killed worker loses nothing (the
            # server has the commit); only a crash of PostgreSQL itself could forget the last
            # fraction of a second of marks, and so repeat those few messages.
            self._marker.exec_driver_sql("SET synchronous_commit TO off")

    def _mark(self, delivery_id: int, **values) -> None:
        """Record one row's outcome in its own commit, in one round trip (an autocommit statement)."""
        if self._marker is None:
            self._mark_connection()
        self._marker.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))

    def _mark_sent(self, delivery_id: int, attempts: int, message_id: str) -> None:
        """The hot path: on PostgreSQL a prepared statement straight on the driver (a third of the cost)."""
        if not self._postgres:
            self._mark(delivery_id, status=DeliveryStatus.SENT.value, sent_at=utcnow(), attempts=attempts,
                       message_id=message_id, claimed_by=None, last_error="")
            return
        if self._marker is None:
            self._mark_connection()
        self._marker.connection.driver_connection.execute(_MARK_SENT, (utcnow(), attempts, message_id, delivery_id),
                                                          prepare=True)

    def _backoff(self, attempts: int) -> timedelta:
        return min(timedelta(seconds=self.retry_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)

    def deliver(self, ids: list[int]) -> bool:
        """Send one claimed batch; False when the connection failed and the worker should wait."""
        rows = db.session.execute(
            select(Delivery.id, Delivery.mailing_id, Delivery.attempts, Subscriber.id, Subscriber.email,
                   Subscriber.name, Subscriber.status, Subscriber.token_key)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Delivery.id.in_(ids)).order_by(Delivery.id)
        ).all()
        db.session.commit()
        unsub_fmt, prefs_fmt = self._link_prefixes()
        serializer = services._link_serializer()
        pending = [row[0] for row in rows]
        try:
            connection = self.sender.open().__enter__()
        except MailError as error:
            current_app.logger.warning("cannot open a mail connection: %s", error)
            self._release(pending, delay=self.retry_seconds)
            self.last_error = str(error)
            return False
        last_beat = time.monotonic()
        try:
            for delivery_id, mailing_id, attempts, sub_id, email, name, status, key in rows:
                pending.remove(delivery_id)
                if status != SubscriberStatus.SUBSCRIBED.value:
                    self._mark(delivery_id, status=DeliveryStatus.SKIPPED.value, claimed_by=None,
                               last_error=f"subscriber {status}")
                    self.stats.skipped += 1
                    continue
                held = self.rate_limiter.acquire(email.rpartition("@")[2]) if self.rate_limiter else None
                if held is not None:
                    self._mark(delivery_id, status=DeliveryStatus.QUEUED.value, claimed_by=None,
                               claimed_at=None, next_attempt_at=held.until,
                               last_error="held back by NEWSLETTER_RATE")
                    self.stats.deferred += 1
                    if held.everything:  # the global limit: nothing more goes out in this window
                        self._release(pending, until=held.until)
                        return True
                    continue
                template = self._template(mailing_id)
                token = serializer.dumps([sub_id, key])
                message_id = template.new_message_id()
                try:
                    raw = template.render(email, name, unsubscribe_url=unsub_fmt.format(token),
                                          values={"PREFERENCES_URL": prefs_fmt.format(token)},
                                          message_id=message_id)
                    connection.send(self.return_path or template.from_email, email, raw)
                except ReservedAddress as error:
                    self._mark(delivery_id, status=DeliveryStatus.SKIPPED.value, claimed_by=None,
                               last_error=str(error))
                    self.stats.skipped += 1
                    continue
                except ValueError as error:  # an address the message cannot carry
                    self._fail(delivery_id, sub_id, attempts, f"unusable address: {error}", bounce=False)
                    continue
                except PermanentFailure as error:
                    self._fail(delivery_id, sub_id, attempts, str(error), bounce=True)
                    continue
                except Throttled as error:
                    self.pause = min(max(self.pause * 2, 0.2), 10.0)
                    self._mark(delivery_id, status=DeliveryStatus.QUEUED.value, claimed_by=None,
                               claimed_at=None, last_error=str(error)[:500],
                               next_attempt_at=utcnow() + timedelta(seconds=self.pause * 5))
                    self.stats.retried += 1
                    self._release(pending, delay=self.pause * 5)
                    self.sleep(self.pause * 5)
                    return True
                except MailError as error:  # temporary: 4xx or the connection was lost
                    attempts += 1
                    if attempts >= self.max_attempts:
                        self._fail(delivery_id, sub_id, attempts - 1, f"gave up: {error}", bounce=False)
                    else:
                        self._mark(delivery_id, status=DeliveryStatus.QUEUED.value, attempts=attempts,
                                   claimed_by=None, claimed_at=None, last_error=str(error)[:500],
                                   next_attempt_at=utcnow() + self._backoff(attempts))
                        self.stats.retried += 1
                    self._release(pending)
                    return True
                self._mark_sent(delivery_id, attempts + 1, message_id)
                self.stats.sent += 1
                if self.pause:
                    self.sleep(self.pause)
                    self.pause = self.pause * 0.9 if self.pause > 0.01 else 0.0
                if time.monotonic() - last_beat > self.lease.total_seconds() / 3:
                    self._heartbeat()
                    last_beat = time.monotonic()
        finally:
            try:
                connection.__exit__(None, None, None)
            finally:
                if pending:
                    self._release(pending)
        return True

    def _fail(self, delivery_id: int, subscriber_id: int, attempts: int, error: str, *, bounce: bool) -> None:
        db.session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            status=DeliveryStatus.FAILED.value, attempts=attempts + 1, claimed_by=None, last_error=error[:500]))
        if bounce:
            subscriber = db.session.get(Subscriber, subscriber_id)
            if subscriber is not None:
                services.record_bounce(subscriber, error)
        db.session.commit()
        self.stats.failed += 1

    # --- housekeeping ------------------------------------------------------------------------

    def housekeeping(self) -> None:
        """Read the bounce mailbox and apply the retention rules (one worker at a time on PostgreSQL)."""
        if self._marker is None:
            self._mark_connection()
        if self._postgres and not self._marker.exec_driver_sql(
                f"SELECT pg_try_advisory_lock({HOUSEKEEPING_LOCK})").scalar():
            return  # another worker is doing it
        try:
            try:
                result = check_bounce_mailbox()
            except MailboxError as error:
                current_app.logger.warning("%s", error)
            else:
                if result is not None and result.messages:
                    current_app.logger.info("bounce mailbox: %s", result.line())
            apply_retention()
            db.session.commit()
        finally:
            if self._postgres:
                self._marker.exec_driver_sql(f"SELECT pg_advisory_unlock({HOUSEKEEPING_LOCK})")

    # --- the loop ----------------------------------------------------------------------------

    def _single_worker_lock(self) -> None:
        if self._postgres:
            return
        path = Path(current_app.instance_path) / "newsletter-worker.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.close()
            raise AnotherWorkerRunning(
                "Another newsletter worker is running on this SQLite database; on SQLite run one worker.") from exc
        self._lock_file = handle

    def run(self, *, once: bool = False, idle_sleep: float = 5.0, should_stop=lambda: False) -> Stats:
        self._single_worker_lock()
        failures_in_a_row = 0
        next_housekeeping = 0.0
        try:
            self.recover()
            while not should_stop():
                if time.monotonic() >= next_housekeeping:
                    self.housekeeping()
                    next_housekeeping = time.monotonic() + self.housekeeping_every
                ids = self.claim()
                if not ids:
                    self.stats.remaining = outstanding_count()
                    self.on_progress(self.stats)
                    if once:
                        break
                    self.sleep(idle_sleep)
                    self.recover()
                    continue
                if self.deliver(ids):
                    failures_in_a_row = 0
                else:
                    failures_in_a_row += 1
                    if once:
                        break
                    self.sleep(min(self.retry_seconds * failures_in_a_row, 300))
                self.stats.remaining = outstanding_count()
                self.on_progress(self.stats)
        finally:
            db.session.rollback()
            if self._marker is not None:
                self._marker.close()
                self._marker = None
            if self._lock_file is not None:
                self._lock_file.close()
            if self.rate_limiter is not None:
                self.rate_limiter.close()
        return self.stats

