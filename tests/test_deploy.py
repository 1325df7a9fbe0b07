"""The path a group takes when it outgrows one machine, run for real.

``flask db upgrade`` and ``flask demo`` in a subprocess configured only by
environment variables (production mode), then gunicorn with two worker
processes and the shipped ``deploy/gunicorn.conf.py`` serving ``wsgi:app`` on
the test database (PostgreSQL when the suite runs on it), with rate-limit
counters shared through Redis.
"""
from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import PROJECT_ROOT, require_tool
from tests.ports import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
BIN = Path(sys.executable).parent


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _get(url: str, headers=None, timeout: float = 10):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _sign_in_attempt(base: str) -> int:
    """One wrong-password attempt as a browser makes it: fetch the form (CSRF token), post it."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    form = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    data = urlencode({"csrf_token": token, "email": "admin@example.org", "password": "wrong"}).encode()
    try:
        with opener.open(urllib.request.Request(base + "/login", data=data), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def production_environment(database_url, _schema, tmp_path, make_app):
    """Environment variables of a production install on the test database (emptied first)."""
    from blog.extensions import db
    from tests.conftest import empty_database

    app = make_app()
    with app.app_context():
        empty_database()
        db.engine.dispose()
    port = free_port()
    environment = {
        **os.environ,
        "BLOG_ENV": "production",
        "SECRET_KEY": "deploy-test-secret",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        # A per-run prefix keeps these counters apart from any other run sharing the Redis server.
        "RATELIMIT_KEY_PREFIX": f"blogtest-{uuid.uuid4().hex[:8]}",
        "LOGIN_LIMITS": "3 per minute",
        "PROXY_COUNT": "0",
    }
    return environment, port


def test_gunicorn_with_two_workers_serves_the_site_and_shares_rate_limits(production_environment):
    require_tool(_redis_answers(), "Redis on 127.0.0.1:6379")
    environment, port = production_environment
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    demo = subprocess.run([*flask, "demo"], env=environment, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "wsgi:app"],
        env=environment, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = environment["SITE_URL"]
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Workers import the app after the socket opens: slow on a busy machine, hence the patience.
        status, headers, body = _get(base + "/", timeout=180)
        assert status == 200 and "netGUARD" in body
        assert headers["Cache-Control"].startswith("public")
        assert "Set-Cookie" not in headers
        status, _, _ = _get(base + "/", headers={"If-None-Match": headers["ETag"]})
        assert status == 304

        # Eight sign-in attempts spread over both workers: the shared limit (3 a minute per
        # account) stops them, which per-process memory counters would not (4 per worker).
        attempts = [_sign_in_attempt(base) for _ in range(8)]
        assert attempts.count(429) >= 5, attempts

        # Only SITE_URL's host is served (TRUSTED_HOSTS): a forged Host never reaches a view.
        assert _get(base + "/login", headers={"Host": "evil.example"})[0] == 400

        # Emailed links' tokens, in the path and in the query, never reach the access log.
        secrets_sent = [secrets.token_urlsafe(32) for _ in range(3)]
        _get(f"{base}/reset-password/{secrets_sent[0]}")
        _get(f"{base}/newsletter/unsubscribe/{secrets_sent[1]}?token={secrets_sent[2]}",
             headers={"Referer": f"{base}/invitation/{secrets_sent[0]}"})
    finally:
        server.terminate()
        # A graceful stop waits for both workers; on a busy machine that can take a while.
        output, _ = server.communicate(timeout=120)
    assert "Booting worker" in output and output.count("Booting worker") >= 2, output
    assert "GET /reset-password/[redacted] HTTP/1.1" in output, output
    assert not any(secret in output for secret in secrets_sent), output
