"""The shipped nginx configuration (deploy/nginx.conf.template), run for real in front of gunicorn.

One nginx and one gunicorn (two workers, production mode, max-age of one second
so revalidation can be seen) serve every test in this module; the site is an
SQLite database made once. ``X-Cache-Status`` is nginx's own account of where an
answer came from, and gunicorn's access log shows what reached the app.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest

from deploy import nginx
from tests.conftest import PROJECT_ROOT, config_for_tests, require_tool
from tests.ports import free_port
from tests.test_deploy import REDIS_URL, _redis_answers

BIN = Path(sys.executable).parent
EDITOR_EMAIL, PASSWORD = "editor@example.org", "correct horse battery"


def _wait_for(port: int) -> None:
    """Until both gunicorn workers have loaded the app (slow on a busy machine) and answer."""
    answered = 0
    for _ in range(600):
        try:
            if _get(f"http://127.0.0.1:{port}", "/robots.txt")[0] == 200:
                answered += 1
                if answered == 4:
                    return
                continue
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


def _build_site(folder: Path) -> str:
    """A published post, an editor and a draft with a preview link; returns the preview token."""
    from blog import create_app
    from blog.accounts.models import Role
    from blog.extensions import db
    from blog.posts import services as posts
    from tests.factories import make_post, make_user

    app = create_app(config_for_tests(f"sqlite:///{folder / 'site.sqlite3'}", folder))
    with app.app_context():
        db.create_all()
        editor = make_user(Role.EDITOR, email=EDITOR_EMAIL, name="Edith Editor")
        make_post(editor, title="Proxied write-up", tags=["Workshops"], body="Public words. " * 40)
        draft = make_post(editor, title="Secret draft", published=False)
        token = posts.create_preview_link(draft, by=editor)
        db.session.commit()
        db.engine.dispose()
    return token


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """(nginx base URL, gunicorn access log, preview token): nginx in front of gunicorn."""
    require_tool(Path(nginx.NGINX).exists(), "nginx (Debian package nginx-light)")
    require_tool(_redis_answers(), "Redis on 127.0.0.1:6379 (production keeps rate limits there)")
    folder = tmp_path_factory.mktemp("nginx")
    token = _build_site(folder)
    app_port, proxy_port = free_port(), free_port()
    access_log = folder / "gunicorn-access.log"
    environment = {
        **os.environ, "BLOG_ENV": "production", "SECRET_KEY": "nginx-test-secret",
        "SITE_URL": f"http://127.0.0.1:{proxy_port}", "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "INSTANCE_PATH": str(folder / "instance"), "MEDIA_ROOT": str(folder / "media"),
        "PAGE_CACHE_SECONDS": "1", "PROXY_COUNT": "1", "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"blogtest-{uuid.uuid4().hex[:8]}",
    }
    app = subprocess.Popen(  # the shipped gunicorn settings, with a shorter access log line
        [str(BIN / "gunicorn"), "-c", str(PROJECT_ROOT / "deploy" / "gunicorn.conf.py"), "--workers", "2",
         "--bind", f"127.0.0.1:{app_port}", "--access-logfile", str(access_log),
         "--access-logformat", "%(m)s %(U)s %(s)s", "wsgi:app"],
        env=environment, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
        stderr=(folder / "gunicorn-errors.log").open("w"))
    config = nginx.write_config(folder / "proxy", listen=proxy_port, app=f"127.0.0.1:{app_port}",
                                media_root=str(folder / "media"))
    server = nginx.start(config)
    try:
        _wait_for(app_port)
        _wait_for(proxy_port)
        yield f"http://127.0.0.1:{proxy_port}", access_log, token
    finally:
        server.terminate()
        app.send_signal(signal.SIGINT)  # quick shutdown: the test is over
        server.wait(timeout=10)
        app.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _get(base: str, path: str, headers=None, method="GET", body=None):
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.headers, data


# nginx answered from its cache: fresh, or stale while one request refreshes it (the test's
# max-age is one second, and a busy machine can take longer than that between two requests).
FROM_CACHE = {"HIT", "UPDATING", "STALE", "REVALIDATED"}


def _app_saw(access_log: Path, line: str, *, at_least: int = 0) -> int:
    """How often gunicorn logged ``line``; waits (up to 30 s) until that is ``at_least``."""
    for _ in range(300):
        time.sleep(0.1)  # gunicorn writes its access log after answering
        seen = access_log.read_text().splitlines().count(line)
        if seen >= at_least:
            break
    return seen


def test_public_pages_are_cached_then_revalidated_with_a_304(proxy):
    base, access_log, _ = proxy
    status, first, body = _get(base, "/posts/proxied-write-up")
    assert status == 200 and b"Public words." in body
    assert first["X-Cache-Status"] in ("MISS", "EXPIRED")
    status, second, again = _get(base, "/posts/proxied-write-up")
    assert (status, again) == (200, body) and second["X-Cache-Status"] in FROM_CACHE

    time.sleep(1.5)  # past max-age: nginx must ask the app again, with the ETag it holds
    for _ in range(60):  # readers keep getting the cached copy while nginx revalidates in the background
        status, later, _ = _get(base, "/posts/proxied-write-up")
        assert status == 200 and later["X-Cache-Status"] in FROM_CACHE
        if _app_saw(access_log, "GET /posts/proxied-write-up 304"):
            break
        time.sleep(0.5)
    assert _app_saw(access_log, "GET /posts/proxied-write-up 304") >= 1, access_log.read_text()
    # The app rendered the page once: every later answer came from the cache or was a 304.
    assert _app_saw(access_log, "GET /posts/proxied-write-up 200") == 1

    # A reader's own conditional request is answered by nginx.
    status, _, empty = _get(base, "/posts/proxied-write-up", headers={"If-None-Match": first["ETag"]})
    assert (status, empty) == (304, b"")


def test_each_coding_is_cached_apart_and_static_files_never_reach_the_app(proxy):
    base, access_log, _ = proxy
    _get(base, "/tags/workshops", headers={"Accept-Encoding": "gzip, deflate"})
    status, zipped, _ = _get(base, "/tags/workshops", headers={"Accept-Encoding": "deflate, gzip"})
    assert zipped["Content-Encoding"] == "gzip" and zipped["X-Cache-Status"] in FROM_CACHE
    status, plain, body = _get(base, "/tags/workshops")
    assert "Content-Encoding" not in plain and b"Proxied write-up" in body
    assert _get(base, "/static/css/site.css")[0] == 200
    assert "/static/" not in access_log.read_text()


def _signed_in_opener(base: str):
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    form = opener.open(base + "/login", timeout=60).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    opener.open(Request(base + "/login", data=urlencode(
        {"csrf_token": token, "email": EDITOR_EMAIL, "password": PASSWORD}).encode()), timeout=60).read()
    return opener


def test_signed_in_pages_are_never_cached_nor_given_to_anyone_else(proxy):
    base, _, _ = proxy
    editor = _signed_in_opener(base)
    for path in ("/", "/people/edith-editor"):
        with editor.open(base + path, timeout=60) as answer:
            assert answer.headers["X-Cache-Status"] == "BYPASS"
            assert answer.headers["Cache-Control"] == "private, no-store"
            assert b"Sign out" in answer.read()
        for _ in range(2):
            status, headers, body = _get(base, path)
            assert status == 200 and b"Sign out" not in body and b"csrf_token" not in body
            assert headers["Cache-Control"].startswith("public")
    # The editor's page stays the editor's, even with the public copy now cached.
    with editor.open(base + "/", timeout=60) as answer:
        assert answer.headers["X-Cache-Status"] == "BYPASS" and b"Sign out" in answer.read()


def test_preview_links_and_posts_always_reach_the_app(proxy):
    base, access_log, token = proxy
    for _ in range(2):
        status, headers, body = _get(base, f"/preview/{token}")
        assert status == 200 and b"Secret draft" in body
        assert headers["X-Cache-Status"] == "MISS" and headers["Cache-Control"] == "private, no-store"
    # The access log never holds the preview link's token (deploy/gunicorn.conf.py redacts it).
    assert _app_saw(access_log, "GET /preview/[redacted] 200", at_least=2) == 2
    assert token not in access_log.read_text()

    _get(base, "/")  # cached now
    assert _get(base, "/")[1]["X-Cache-Status"] in FROM_CACHE
    for _ in range(2):
        status, headers, body = _get(base, "/", method="POST", body=b"x=1",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status != 200 and headers.get("X-Cache-Status") not in ("HIT", "STALE")
    assert _app_saw(access_log, "POST / 405", at_least=2) == 2
