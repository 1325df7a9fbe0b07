"""kill -9 a real worker process mid-run, start it again: everyone gets the digest, and only the
message in flight at the moment of the kill may arrive twice (per killed worker)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest

from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.models import Delivery
from tests.conftest import PROJECT_ROOT
from tests.factories import make_post, make_user
from tests.newsletter.conftest import add_subscribers

RECIPIENTS = 60


def _environment(app, tmp_path, smtp_url: str) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SITE_URL": app.config["SITE_URL"],
        "MAIL_URL": smtp_url,
        "MAIL_SKIP_RESERVED": "false",  # the test SMTP server takes example.org addresses
        "NEWSLETTER_BATCH_SIZE": "7",
        "PYTHONPATH": str(PROJECT_ROOT),
    })
    env.pop("FLASK_APP", None)
    return env


def _start_worker(env, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "newsletter", "worker", "--quiet",
                             *extra], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("timed out waiting")


def _prepare(app) -> None:
    with app.test_request_context():
        add_subscribers(RECIPIENTS)
        make_post(make_user(), title="Crash-proof news")
        services.queue_mailing(services.compose_digest(since=utcnow() - timedelta(days=1)), by=None)
        db.session.commit()


def _statuses(app) -> Counter:
    with app.app_context():
        return Counter(s for s, in db.session.execute(db.select(Delivery.status)))


def _crash_and_restart(app, smtp_server, tmp_path, workers: int) -> Counter:
    smtp_server.delay = 0.02  # slow enough to kill in the middle
    env = _environment(app, tmp_path, smtp_server.url)
    processes = [_start_worker(env) for _ in range(workers)]
    _wait_for(lambda: len(smtp_server.recipients()) >= RECIPIENTS // 3)
    for process in processes:
        process.send_signal(signal.SIGKILL)
    for process in processes:
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
    received_at_kill = len(smtp_server.recipients())
    assert received_at_kill < RECIPIENTS, "the workers finished before the kill"
    restarted = [_start_worker(env, "--once") for _ in range(workers)]
    for process in restarted:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output.decode()
    return Counter(smtp_server.recipients())


def test_sqlite_worker_killed_mid_run_then_restarted(app, smtp_server, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the SQLite variant; the PostgreSQL one below runs two workers")
    _prepare(app)
    counts = _crash_and_restart(app, smtp_server, tmp_path, workers=1)
    assert set(counts) == {f"reader{i}@example.org" for i in range(RECIPIENTS)}
    assert sum(counts.values()) - RECIPIENTS <= 1
    assert _statuses(app) == Counter({"sent": RECIPIENTS})


def test_postgresql_two_workers_killed_mid_run_then_restarted(app, smtp_server, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite runs a single worker")
    _prepare(app)
    counts = _crash_and_restart(app, smtp_server, tmp_path, workers=2)
    assert set(counts) == {f"reader{i}@example.org" for i in range(RECIPIENTS)}
    duplicates = sum(counts.values()) - RECIPIENTS
    assert duplicates <= 2  # at most the one in flight in each killed worker
    assert _statuses(app) == Counter({"sent": RECIPIENTS})


def test_postgresql_two_live_workers_never_share_a_row(app, smtp_server, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    _prepare(app)
    smtp_server.delay = 0.005
    env = _environment(app, tmp_path, smtp_server.url)
    processes = [_start_worker(env, "--once") for _ in range(2)]
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output.decode()
    counts = Counter(smtp_server.recipients())
    assert len(counts) == RECIPIENTS and set(counts.values()) == {1}


def test_sqlite_refuses_a_second_worker(app, smtp_server, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite only")
    _prepare(app)
    smtp_server.delay = 0.05
    env = _environment(app, tmp_path, smtp_server.url)
    first = _start_worker(env)
    try:
        _wait_for(lambda: len(smtp_server.recipients()) >= 1)
        second = _start_worker(env, "--once")
        output, _ = second.communicate(timeout=60)
        assert second.returncode != 0 and b"run one worker" in output
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
