"""What NEWSLETTER_RATE costs a worker per message, against the "sent" mark it makes anyway.

With limits set, a worker counts each message in the database before sending it
(one transaction: the global window and the recipient domain's window). Measured
in the same run, on SQLite and (when reachable) PostgreSQL: that count, and the
baseline of one per-message UPDATE committed as the worker marks a message sent.

    .venv/bin/python bench/ratelimit.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.delivery import make_database, postgres_reachable  # noqa: E402

MESSAGES = 2000


def _app(url: str):
    from blog import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "INSTANCE_PATH": tempfile.mkdtemp()})


def per_message_count(url: str) -> float:
    from blog.config import parse_send_rate
    from blog.core.time import UTC
    from blog.extensions import db
    from blog.newsletter.ratelimit import SendRateLimiter

    with _app(url).app_context():
        db.create_all()
        limiter = SendRateLimiter(parse_send_rate("1000000/minute; 1000000/minute per domain"),
                                  clock=lambda: datetime(2100, 1, 1, tzinfo=UTC))
        for domain in range(20):  # the windows exist, as in a run that is under way
            limiter.acquire(f"d{domain}.example.org")
        start = time.perf_counter()
        for number in range(MESSAGES):
            assert limiter.acquire(f"d{number % 20}.example.org") is None
        elapsed = time.perf_counter() - start
        limiter.close()
        db.drop_all()
    return elapsed / MESSAGES * 1e6


def per_message_mark(url: str) -> float:
    from sqlalchemy import text

    from blog.extensions import db

    with _app(url).app_context():
        db.create_all()
        connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if db.engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET synchronous_commit TO off")  # as the worker's marks
        connection.execute(text("INSERT INTO send_counters (bucket, window_ends_at, count) "
                                "VALUES ('mark', '2100-01-01', 0)"))
        start = time.perf_counter()
        for _ in range(MESSAGES):
            connection.execute(text("UPDATE send_counters SET count = count + 1 WHERE bucket = 'mark'"))
        elapsed = time.perf_counter() - start
        connection.close()
        db.drop_all()
    return elapsed / MESSAGES * 1e6


def main() -> None:
    kinds = ["sqlite"] + (["postgresql"] if postgres_reachable() else [])
    for kind in kinds:
        url, drop = make_database(kind, Path(tempfile.mkdtemp()))
        try:
            count, mark = per_message_count(url), per_message_mark(url)
        finally:
            drop()
        print(f"{kind}: rate count {count:.0f} µs per message; a 'sent' mark {mark:.0f} µs "
              f"(ratio {count / mark:.1f})")


if __name__ == "__main__":
    main()
