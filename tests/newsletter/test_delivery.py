"""The outbox worker in-process: bounces, retries with back-off, throttling, recovery, skipping."""
from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.delivery import Worker
from blog.newsletter.models import Delivery, Mailing, Subscriber
from tests.factories import make_post, make_user
from tests.newsletter.conftest import add_subscribers
from tests.ports import free_port


@pytest.fixture
def ctx(mail_app):
    with mail_app.test_request_context(base_url="http://blog.test"):
        yield mail_app
        db.session.rollback()


def _queue_digest(title="News") -> Mailing:
    make_post(make_user(), title=title)
    mailing = services.queue_mailing(services.compose_digest(since=utcnow() - timedelta(days=1)), by=None)
    db.session.commit()
    return mailing


def _statuses(mailing: Mailing) -> dict[str, str]:
    rows = db.session.execute(db.select(Subscriber.email, Delivery.status).join(Delivery.subscriber)
                              .where(Delivery.mailing_id == mailing.id)).all()
    return dict(rows)


def _worker(**kw) -> Worker:
    return Worker(sleep=lambda seconds: None, **kw)


def test_batches_over_one_connection_each_and_everyone_once(ctx, smtp_server):
    add_subscribers(12)
    mailing = _queue_digest()
    assert mailing.recipient_count == 12
    stats = _worker(batch_size=5).run(once=True)
    assert stats.sent == 12 and stats.remaining == 0
    assert sorted(smtp_server.recipients()) == sorted(f"reader{i}@example.org" for i in range(12))
    ids = {m["Message-ID"] for m in smtp_server.messages()}
    assert len(ids) == 12  # a unique Message-ID each
    assert set(_statuses(mailing).values()) == {"sent"}


def test_permanent_failures_are_recorded_and_bounce_after_threshold(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, NEWSLETTER_BOUNCE_THRESHOLD=2)
    with app.test_request_context():
        add_subscribers(3)
        smtp_server.refuse["reader1@example.org"] = "550 5.1.1 No such user here"
        first = _queue_digest("One")
        _worker().run(once=True)
        assert _statuses(first) == {"reader0@example.org": "sent", "reader1@example.org": "failed",
                                    "reader2@example.org": "sent"}
        failed = db.session.execute(db.select(Delivery).where(Delivery.status == "failed")).scalar_one()
        assert "550" in failed.last_error and failed.attempts == 1
        assert failed.subscriber.status == "subscribed" and failed.subscriber.bounce_count == 1
        _queue_digest("Two")
        _worker().run(once=True)
        bounced = db.session.execute(db.select(Subscriber).where(Subscriber.email == "reader1@example.org")).scalar_one()
        assert bounced.status == "bounced" and bounced.bounce_count == 2
        third = _queue_digest("Three")
        assert third.recipient_count == 2  # no longer sent to
        assert len(smtp_server.recipients()) == 4


def test_temporary_failure_retries_with_back_off_then_gives_up(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, NEWSLETTER_MAX_ATTEMPTS=3, NEWSLETTER_RETRY_SECONDS=60)
    with app.test_request_context():
        add_subscribers(2)
        smtp_server.refuse["reader0@example.org"] = "451 4.3.0 Mailbox temporarily unavailable"
        mailing = _queue_digest()
        _worker().run(once=True)
        row = db.session.execute(db.select(Delivery).join(Delivery.subscriber)
                                 .where(Subscriber.email == "reader0@example.org")).scalar_one()
        assert row.status == "queued" and row.attempts == 1
        assert row.next_attempt_at > utcnow() + timedelta(seconds=50)
        delays = []
        for _ in range(2):
            before = utcnow()
            db.session.execute(db.update(Delivery).where(Delivery.id == row.id).values(next_attempt_at=before))
            db.session.commit()
            _worker().run(once=True)
            db.session.refresh(row)
            delays.append(row.next_attempt_at - before)
        assert row.status == "failed" and "gave up" in row.last_error
        assert delays[0] >= timedelta(seconds=119)  # the back-off doubled
        subscriber = db.session.get(Subscriber, row.subscriber_id)
        assert subscriber.bounce_count == 0  # temporary failures are not bounces
        assert _statuses(mailing)["reader1@example.org"] == "sent"


def test_throttling_slows_down_instead_of_dropping(ctx, smtp_server):
    add_subscribers(3)
    smtp_server.refuse_times["reader1@example.org"] = [2, "421 4.7.0 Too many messages, slow down"]
    mailing = _queue_digest()
    worker = _worker()
    for _ in range(5):
        db.session.execute(db.update(Delivery).where(Delivery.status == "queued").values(next_attempt_at=utcnow()))
        db.session.commit()
        worker.run(once=True)
    assert worker.pause > 0
    assert set(_statuses(mailing).values()) == {"sent"}
    assert sorted(smtp_server.recipients()) == ["reader0@example.org", "reader1@example.org",
                                                 "reader2@example.org"]
    row = db.session.execute(db.select(Delivery).join(Delivery.subscriber)
                             .where(Subscriber.email == "reader1@example.org")).scalar_one()
    assert row.attempts == 1  # throttling is not counted as a failed attempt


def test_server_down_leaves_everything_queued(make_app):
    app = make_app(MAIL_URL=f"smtp://127.0.0.1:{free_port()}")
    with app.test_request_context():
        add_subscribers(2)
        mailing = _queue_digest()
        stats = _worker().run(once=True)
        assert stats.sent == 0 and stats.failed == 0
        assert set(_statuses(mailing).values()) == {"queued"}


def test_unsubscribed_after_queueing_is_skipped(ctx, smtp_server):
    subscribers = add_subscribers(2)
    mailing = _queue_digest()
    db.session.execute(db.update(Subscriber).where(Subscriber.id == subscribers[0].id).values(status="unsubscribed"))
    db.session.commit()
    _worker().run(once=True)
    assert sorted(_statuses(mailing).values()) == ["sent", "skipped"]
    assert smtp_server.recipients() == ["reader1@example.org"]


def test_rows_of_dead_workers_are_recovered_live_ones_are_not(ctx, smtp_server):
    add_subscribers(3)
    mailing = _queue_digest()
    rows = db.session.execute(db.select(Delivery).order_by(Delivery.id)).scalars().all()
    host = socket.gethostname()
    now = utcnow()
    rows[0].status, rows[0].claimed_by, rows[0].claimed_at = "sending", f"{host}:999999999:dead", now
    rows[1].status, rows[1].claimed_by, rows[1].claimed_at = "sending", "elsewhere:1:live", now
    rows[2].status, rows[2].claimed_by, rows[2].claimed_at = "sending", "elsewhere:2:gone", now - timedelta(hours=1)
    db.session.commit()
    recovered = _worker().recover()
    assert recovered == 2
    assert [r for r, in db.session.execute(db.select(Delivery.status).order_by(Delivery.id))] == \
        ["queued", "sending", "queued"]
    assert mailing.id


def test_empty_digest_is_not_sent(ctx, smtp_server):
    add_subscribers(1)
    composition = services.compose_digest()
    assert composition.empty
    with pytest.raises(services.ValidationFailed):
        services.queue_mailing(composition, by=None)
