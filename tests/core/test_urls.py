"""Absolute URLs come from SITE_URL alone (issue 14 item 1, issue 10 "the site's address").

Table-driven: every request that mails a link or serves a feed, under every way a
client can name another host, yields links on SITE_URL only. Then the structure
that keeps it so (no module builds absolute URLs but ``blog.core.urls``), the
production host check, and the development address shared with CLI workers.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from blog import create_app
from blog.accounts.models import Role
from blog.config import from_environment
from blog.core.time import utcnow
from blog.extensions import db
from tests.conftest import PROJECT_ROOT, config_for_tests
from tests.factories import PASSWORD, login, make_post, make_user

SITE = "http://blog.test"
URL = re.compile(r"""https?://[^\s"'<>)\]]+""")

FORGED_HOSTS = {
    "Host": {"Host": "evil.example"},
    "X-Forwarded-Host": {"X-Forwarded-Host": "evil.example"},
    "Forwarded": {"Forwarded": "host=evil.example;proto=https"},
    "X-Forwarded-Host, proto and port": {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
                                         "X-Forwarded-Port": "8443", "X-Forwarded-Prefix": "/evil"},
}


def _mails(folder: Path) -> list:
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))]


def _links(message) -> list[str]:
    """Every absolute URL in a message: its bodies and its List-Unsubscribe header."""
    text = str(message.get("List-Unsubscribe", ""))
    for part in message.walk():
        if part.get_content_maintype() == "text":
            text += "\n" + part.get_content()
    return [link.rstrip(".,") for link in URL.findall(text.replace("&amp;", "&"))]


# Each: what a request does to mail a link (or serve a page full of absolute links).
def _invite(client, admin_id, forged):
    return client.post("/admin/people", data={"email": "new.person@lab.northbridge.ac.uk", "role": "author"},
                       headers=forged)


def _reset_link(client, admin_id, forged):
    return client.post(f"/admin/people/{admin_id}/reset-link", headers=forged)


def _subscribe(client, admin_id, forged):
    return client.post("/newsletter/subscribe", data={"email": "reader@lab.northbridge.ac.uk"},
                       headers=forged)


def _feeds(client, admin_id, forged):
    bodies = [client.get(path, headers=forged).get_data(as_text=True)
              for path in ("/feeds/posts.rss", "/feeds/posts.atom", "/feeds/posts.json", "/feeds/events.atom",
                           "/sitemap.xml", "/robots.txt", "/")]
    return "\n".join(bodies)


ACTIONS = {"invitation": _invite, "password reset": _reset_link, "subscription": _subscribe, "feeds": _feeds}


@pytest.mark.parametrize("proxies", [0, 1], ids=["no proxy", "one proxy"])
@pytest.mark.parametrize("forged", FORGED_HOSTS.values(), ids=FORGED_HOSTS.keys())
@pytest.mark.parametrize("action", ACTIONS.values(), ids=ACTIONS.keys())
def test_no_client_header_changes_an_emailed_or_published_link(make_app, tmp_path, action, forged, proxies):
    app = make_app(SITE_URL=SITE, PROXY_COUNT=proxies)
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@lab.northbridge.ac.uk")
        make_post(admin, title="Workshop report")
        admin_id = admin.id
    client = app.test_client()
    # Signed in through the same headers, so the test client sends the cookie to the forged host.
    client.post("/login", data={"email": admin.email, "password": PASSWORD}, headers=forged)
    response = action(client, admin_id, forged)
    published = response if isinstance(response, str) else response.get_data(as_text=True)
    mailed = [link for message in _mails(tmp_path / "mail") for link in _links(message)]
    if action is not _feeds:
        assert mailed, "the action mails a link"
    assert "evil" not in published + " ".join(mailed)
    assert all(link.startswith(SITE + "/") for link in mailed), mailed
    assert SITE + "/" in published + " ".join(mailed)


def test_only_blog_core_urls_builds_absolute_urls():
    """The structure that keeps the table above true for code not written yet."""
    forbidden = re.compile(
        r"\b_external\s*=\s*True|request\.(?:host_url|url_root|host|base_url|url)\b"
        r"""|SITE_URL["']?\]?\s*\+|SITE_URL\s*}}\s*{{|config\.SITE_URL""")
    allowed = {PROJECT_ROOT / "blog" / "core" / "urls.py", PROJECT_ROOT / "blog" / "config.py"}
    offenders = []
    for path in [*(PROJECT_ROOT / "blog").rglob("*.py"), *(PROJECT_ROOT / "templates").rglob("*.*")]:
        if path in allowed:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if forbidden.search(line):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "build absolute URLs with blog.core.urls:\n" + "\n".join(offenders)


def test_absolute_url_needs_no_request_and_keeps_a_path_prefix(make_app):
    from blog.core.urls import absolute_url

    app = make_app(SITE_URL="https://example.org/blog")
    with app.app_context():
        assert absolute_url("posts.post", slug="a b") == "https://example.org/blog/posts/a%20b"
        assert absolute_url("posts.home", _anchor="top") == "https://example.org/blog/#top"


def test_production_serves_only_the_site_host(tmp_path, make_app):
    settings = from_environment({"BLOG_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k",
                                 "SITE_URL": "https://blog.example.org", "RATELIMIT_STORAGE_URI": "redis://x"})
    assert settings["TRUSTED_HOSTS"] == ["blog.example.org"] and settings["PROXY_COUNT"] == 0
    app = make_app(SITE_URL="https://blog.example.org", TRUSTED_HOSTS=settings["TRUSTED_HOSTS"])
    client = app.test_client()
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "blog.example.org"}).status_code == 200


@pytest.mark.parametrize("hops, header, seen", [
    (0, "203.0.113.9", "127.0.0.1"),                   # no proxy: the header is the client's own words
    (1, "203.0.113.9", "203.0.113.9"),                 # one proxy: the address it appended
    (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),   # a forged first entry is ignored
])
def test_forwarded_addresses_are_trusted_only_from_configured_proxies(make_app, hops, header, seen):
    app = make_app(PROXY_COUNT=hops)

    @app.get("/_address")
    def address():
        from flask import request
        return request.remote_addr

    assert app.test_client().get("/_address", headers={"X-Forwarded-For": header}).text == seen


# --- responses that set a cookie are never public -------------------------------------------------

def test_the_page_after_sign_out_is_not_publicly_cacheable(app, client):
    with app.app_context():
        make_post(make_user(), title="Cached")
        email = make_user().email
    anonymous = client.get("/")
    assert anonymous.headers["Cache-Control"].startswith("public") and "Set-Cookie" not in anonymous.headers
    client.post("/login", data={"email": email, "password": PASSWORD})
    client.post("/logout")
    after = client.get("/", headers={"If-None-Match": anonymous.headers["ETag"]})
    assert after.status_code == 200 and b"You are signed out" in after.data  # not a 304 hiding the message
    assert "Set-Cookie" in after.headers and "public" not in after.headers["Cache-Control"]
    assert after.headers["Cache-Control"] == "private, no-store"


def test_no_cached_page_is_public_when_the_view_sets_a_cookie(app, client):
    from blog.core.cache import cached_page
    from datetime import datetime, timezone

    @app.get("/_cookie")
    @cached_page(lambda: (datetime(2026, 1, 1, tzinfo=timezone.utc), "v1"))
    def sets_cookie():
        from flask import make_response
        response = make_response("hello")
        response.set_cookie("tracking", "1")
        return response

    assert client.get("/_cookie").headers["Cache-Control"] == "private, no-store"


# --- the development address, shared with CLI commands and workers (issue 10) ------------------

def test_a_worker_started_elsewhere_links_to_the_port_make_run_serves_on(make_app, database_url, tmp_path,
                                                                         monkeypatch):
    """``PORT=5303 make run``, then ``flask newsletter worker`` in another terminal: every link in
    every kind of email uses port 5303 and opens a page on the site."""
    make_app()  # empties the database afterwards
    instance = tmp_path / "instance"
    for name in ("SITE_URL", "BLOG_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "5303")
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    config = {key: value for key, value in config_for_tests(database_url, tmp_path).items() if key != "SITE_URL"}
    web = create_app(config)
    assert web.config["SITE_URL"] == "http://127.0.0.1:5303"
    from blog.newsletter import services as newsletter
    from blog.newsletter.models import Subscriber

    client = web.test_client()
    with web.app_context():
        admin = make_user(Role.ADMIN, email="admin@lab.northbridge.ac.uk")
        assert web.test_cli_runner().invoke(args=["demo"]).exit_code == 0
        admin_id = admin.id
        login(client, admin)
        client.post("/admin/people", data={"email": "new.person@lab.northbridge.ac.uk", "role": "author"})
        client.post(f"/admin/people/{admin_id}/reset-link")
        client.post("/newsletter/subscribe", data={"email": "reader@lab.northbridge.ac.uk"})  # "confirm"
        db.session.add(Subscriber(email="member@lab.northbridge.ac.uk", status="subscribed", receives="both",
                                  token_key=newsletter.new_token_key(), consent_at=utcnow(), consent_method="test"))
        db.session.commit()
        client.post("/newsletter/subscribe", data={"email": "member@lab.northbridge.ac.uk"})  # "already"
        from blog.events.models import Event
        from blog.posts.models import Post
        post_id = db.session.execute(db.select(Post.id).where(Post.status == "published")).scalars().first()
        event_id = db.session.execute(db.select(Event.id)).scalars().first()
        for path in ("/newsletter/admin/send-now", f"/newsletter/admin/posts/{post_id}/email",
                     f"/newsletter/admin/events/{event_id}/email"):
            assert client.post(path).status_code == 302
        db.engine.dispose()

    worker_environment = {key: value for key, value in os.environ.items()
                          if key not in ("HOST", "PORT", "SITE_URL")}
    worker_environment.update(INSTANCE_PATH=str(instance), DATABASE_URL=database_url, SECRET_KEY="test-secret-key",
                              MAIL_FOLDER=str(tmp_path / "mail"), MAIL_URL="")
    worker = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "newsletter", "worker",
                             "--once", "--quiet"], env=worker_environment, cwd=PROJECT_ROOT, capture_output=True,
                            text=True)
    assert worker.returncode == 0, worker.stderr

    messages = _mails(tmp_path / "mail")
    subjects = " | ".join(str(message["Subject"]) for message in messages)
    for kind in ("invitation", "Reset your password", "Please confirm", "already subscribed"):
        assert kind in subjects, subjects
    newsletters = [m for m in messages if m.get("List-Unsubscribe")]
    assert len(newsletters) >= 3, subjects  # digest, post and event, delivered by the worker
    site_links = set()
    for message in messages:
        links = _links(message)
        assert links, message["Subject"]
        for link in links:
            if urlsplit(link).hostname in ("127.0.0.1", "localhost"):
                assert link.startswith("http://127.0.0.1:5303/"), (message["Subject"], link)
                site_links.add(link)
    client = web.test_client()
    for link in sorted(site_links):
        parts = urlsplit(link)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert response.status_code in (200, 302), (link, response.status_code)
    with web.app_context():
        db.engine.dispose()
