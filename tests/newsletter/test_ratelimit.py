"""NEWSLETTER_RATE: a global and a per-domain limit, shared by every worker through the database."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from blog.config import ConfigError, SendRate, from_environment, parse_send_rate
from blog.core.time import UTC, utcnow
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.delivery import Worker
from blog.newsletter.models import Delivery, SendCounter, Subscriber
from tests.factories import make_post, make_user
from tests.newsletter.test_crash import _environment, _start_worker

# A frozen clock far from the real one: the windows never roll over during a test.
FROZEN = datetime(2100, 1, 1, 12, 0, 30, tzinfo=UTC)


def test_rate_setting_is_parsed_with_a_clear_error():
    assert parse_send_rate("600/minute; 60 per minute per domain, 10000/day") == (
        SendRate(600, 60, False), SendRate(60, 60, True), SendRate(10000, 86400, False))
    assert parse_send_rate("") == ()
    assert from_environment({"NEWSLETTER_RATE": "5/hour per domain", "SECRET_KEY": "x"})["NEWSLETTER_RATE"] == (
        SendRate(5, 3600, True),)
    with pytest.raises(ConfigError, match="NEWSLETTER_RATE: cannot read 'lots/minute'"):
        parse_send_rate("lots/minute")
    with pytest.raises(ConfigError, match="cannot read '0/second'"):
        parse_send_rate("0/second")


def _queue(domains: dict[str, int]) -> None:
    for domain, count in domains.items():
        db.session.add_all(Subscriber(email=f"reader{i}@{domain}", status="subscribed", consent_method="test")
                           for i in range(count))
    db.session.commit()
    make_post(make_user(), title="Rate-limited news")
    services.queue_mailing(services.compose_digest(since=utcnow() - timedelta(days=1)), by=None)
    db.session.commit()


def _delivered_domains(smtp_server) -> Counter:
    return Counter(r.rpartition("@")[2] for r in smtp_server.recipients())


def test_two_workers_share_the_global_and_the_per_domain_limit(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, NEWSLETTER_RATE=parse_send_rate("6/minute; 4/minute per domain"))
    with app.test_request_context():
        _queue({"example.org": 8, "example.net": 4})
        first = Worker(sleep=lambda s: None, batch_size=5, worker_id="host:1:a")
        first.rate_limiter.clock = lambda: FROZEN
        stats = first.run(once=True)
        # 4 to example.org (its limit), then example.net until the global 6; the rest waits.
        assert (stats.sent, stats.failed, stats.remaining) == (6, 0, 6) and stats.deferred > 0
        assert _delivered_domains(smtp_server) == {"example.org": 4, "example.net": 2}
        held = db.session.execute(db.select(Delivery).where(Delivery.status != "sent")).scalars().all()
        assert len(held) == 6 and {d.status for d in held} == {"queued"}  # deferred, not failed
        window_end = datetime(2100, 1, 1, 12, 1, tzinfo=UTC)
        assert {d.next_attempt_at for d in held} == {window_end}
        assert {d.attempts for d in held} == {0} and "held back by NEWSLETTER_RATE" in {d.last_error for d in held}

        # A second worker (another process would do the same: the counts are in the database).
        for delivery in held:
            delivery.next_attempt_at = utcnow()
        db.session.commit()
        second = Worker(sleep=lambda s: None, batch_size=5, worker_id="host:2:b")
        second.rate_limiter.clock = lambda: FROZEN
        assert second.run(once=True).sent == 0
        assert len(smtp_server.recipients()) == 6

        # The next window lets the rest through, still 4 per domain.
        for delivery in held:
            delivery.next_attempt_at = utcnow()
        db.session.commit()
        second.rate_limiter.clock = lambda: window_end
        assert second.run(once=True).sent == 6
        assert _delivered_domains(smtp_server) == {"example.org": 8, "example.net": 4}
        assert db.session.scalar(db.select(db.func.count()).select_from(SendCounter).where(
            SendCounter.window_ends_at <= window_end)) == 0  # old windows are cleaned up


def test_worker_processes_never_exceed_the_limits_together(app, smtp_server, tmp_path):
    """Two real worker processes (at once on PostgreSQL; one after the other on SQLite, which runs one
    worker at a time): per window, no more than the limits went out, and the rest waits in the queue."""
    with app.test_request_context():
        _queue({"example.org": 20, "example.net": 10})
    env = _environment(app, tmp_path, smtp_server.url)
    env["NEWSLETTER_RATE"] = "12/hour; 8/hour per domain"
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if postgres:
        processes = [_start_worker(env, "--once") for _ in range(2)]
        outputs = [p.communicate(timeout=120)[0].decode() for p in processes]
    else:
        outputs = []
        for _ in range(2):
            process = _start_worker(env, "--once")
            outputs.append(process.communicate(timeout=120)[0].decode())
    # Running at once, either worker may be the one that meets the limits.
    assert any("deferred by NEWSLETTER_RATE" in output for output in outputs), outputs
    with app.app_context():
        counters = dict(db.session.execute(db.select(SendCounter.bucket, SendCounter.count)).all())
        statuses = Counter(db.session.execute(db.select(Delivery.status)).scalars())
    # Counted per window (a run crossing the hour has two windows, each within the limits).
    assert all(count <= (12 if bucket.startswith("*/") else 8) for bucket, count in counters.items()), counters
    sent = len(smtp_server.recipients())
    assert sent == sum(c for b, c in counters.items() if b.startswith("*/")) >= 12
    per_domain = _delivered_domains(smtp_server)
    assert per_domain["example.org"] == sum(c for b, c in counters.items() if b.startswith("example.org/"))
    assert len(set(smtp_server.recipients())) == sent  # nobody twice
    assert statuses == Counter({"sent": sent, "queued": 30 - sent})
