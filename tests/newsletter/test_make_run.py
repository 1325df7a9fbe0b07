"""``make run`` delivers: the worker runs beside the development server, and Ctrl+C stops both.

The real Makefile target runs in its own process group (as in a terminal), on a
free port and a SQLite database of its own; ``-o demo`` skips the set-up steps,
which the test does itself (migrations, then queued mail).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from blog import create_app
from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.models import Subscriber
from tests.conftest import PROJECT_ROOT, config_for_tests, require_tool
from tests.factories import make_post, make_user
from tests.ports import free_port

WAIT_SECONDS = 120  # a bound so a broken run fails instead of hanging; never a measure of speed


def _wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _queue_digest(database_url: str, tmp_path: Path, title: str) -> None:
    app = create_app(config_for_tests(database_url, tmp_path / "queueing"))
    with app.test_request_context():
        if db.session.execute(db.select(Subscriber)).first() is None:
            db.session.add(Subscriber(email="reader@university.ac.uk", name="Reader", status="subscribed",
                                      receives="both", consent_at=utcnow(), consent_method="test"))
        make_post(make_user(), title=title)
        services.queue_mailing(services.compose_digest(since=utcnow() - timedelta(days=1)), by=None)
        db.session.commit()
        db.engine.dispose()


def _start(env) -> subprocess.Popen:
    return subprocess.Popen(["make", "--no-print-directory", "-o", "demo", "run"], cwd=PROJECT_ROOT, env=env,
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _ctrl_c(process: subprocess.Popen) -> str:
    """What a terminal does on Ctrl+C: SIGINT to the whole foreground process group."""
    group = os.getpgid(process.pid)
    os.killpg(group, signal.SIGINT)
    output, _ = process.communicate(timeout=WAIT_SECONDS)
    _wait_for(lambda: not _group_alive(group), "every process of make run to exit")
    return output.decode(errors="replace")


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_delivers_queued_mail_to_the_folder_and_ctrl_c_stops_everything(tmp_path):
    require_tool(shutil.which("make") is not None, "make")
    instance = tmp_path / "instance"
    database_url = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MAIL_", "FLASK_", "DATABASE_URL", "SITE_URL"))}
    env.update(INSTANCE_PATH=str(instance), DATABASE_URL=database_url, HOST="127.0.0.1", PORT=str(port))
    subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "db", "upgrade"],
                   cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    mail_folder = instance / "mail"

    _queue_digest(database_url, tmp_path, "First news")
    first = _start(env)
    try:
        _wait_for(lambda: _serving(f"http://127.0.0.1:{port}/"), "the development server")
        delivered = _wait_for(lambda: sorted(mail_folder.glob("*.eml")), "the digest in the mail folder")
    finally:
        output = _ctrl_c(first)
    message = message_from_bytes(delivered[0].read_bytes(), policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "reader@university.ac.uk", output
    assert "First news" in message.get_body(("plain",)).get_content()

    # Nothing is left holding the port or the worker's lock: a second `make run` works the same.
    _queue_digest(database_url, tmp_path, "Second news")
    second = _start(env)
    try:
        _wait_for(lambda: _serving(f"http://127.0.0.1:{port}/"), "the development server, again")
        _wait_for(lambda: len(list(mail_folder.glob("*.eml"))) == 2, "the second digest")
    finally:
        output = _ctrl_c(second)
    assert "Another newsletter worker" not in output
