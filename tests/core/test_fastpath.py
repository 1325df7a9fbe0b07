"""Cached pages answered before Flask (``blog.core.fastpath``): exactly Flask's answer, and only
when it may be given.

Each comparison sends the same request twice to the same app and page store: once through the
fast path, once straight to Flask's own ``wsgi_app`` (whose ``cached_page`` serves the stored page).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from werkzeug.test import EnvironBuilder, run_wsgi_app

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.extensions import db
from blog.posts import services as posts
from blog.site.models import SETTINGS_ID, SiteSettings
from tests.core.test_page_cache import _pages, _site
from tests.factories import make_user

ENCODINGS = ["", "gzip", "br, gzip", "identity"]


def _environ(path: str, method: str = "GET", **headers) -> dict:
    query = path.partition("?")[2]
    return EnvironBuilder(path=path.partition("?")[0], query_string=query, method=method,
                          headers={k.replace("_", "-"): v for k, v in headers.items() if v}).get_environ()


def _answer(wsgi_app, environ) -> tuple[str, list[tuple[str, str]], bytes]:
    body, status, headers = run_wsgi_app(wsgi_app, dict(environ), buffered=True)
    return status, sorted(headers.items()), b"".join(body)


@pytest.fixture
def site_app(make_app):
    app = make_app()
    with app.app_context():
        things = _site()
        pages = _pages(things)
    client = app.test_client()
    for path in pages:  # rendered once by Flask, and stored
        assert client.get(path).status_code == 200, path
    return app, pages, things


def test_every_public_page_is_answered_before_flask_exactly_as_flask_answers(site_app):
    app, pages, _ = site_app
    fast = app.wsgi_app
    for path in pages:
        for encoding in ENCODINGS:
            for method in ("GET", "HEAD"):
                environ = _environ(path, method, Accept_Encoding=encoding)
                assert fast.stored_answer(dict(environ)) is not None, (path, encoding)
                assert _answer(fast, environ) == _answer(fast.flask_wsgi_app, environ), (path, encoding, method)


def test_a_conditional_request_gets_flasks_304(site_app):
    app, pages, _ = site_app
    fast = app.wsgi_app
    for path in pages:
        tag = dict(_answer(fast, _environ(path))[1])["ETag"]
        for validators in ({"If_None_Match": tag}, {"If_Modified_Since": "Mon, 01 Jan 2035 00:00:00 GMT"}):
            environ = _environ(path, **validators)
            status, headers, body = _answer(fast, environ)
            assert (status, body) == ("304 NOT MODIFIED", b"")
            assert (status, headers, body) == _answer(fast.flask_wsgi_app, environ)
            assert fast.stored_answer(dict(environ)) is not None


def test_signed_in_people_posts_and_static_files_go_to_flask(site_app):
    app, pages, _ = site_app
    fast = app.wsgi_app
    path = pages[1]
    assert fast.stored_answer(_environ(path, Cookie="session=anything")) is None
    assert fast.stored_answer(_environ(path, Cookie="remember_token=anything")) is None
    assert fast.stored_answer(_environ("/static/css/site.css")) is None
    assert fast.stored_answer(_environ("/login")) is None  # never stored: it holds a CSRF token
    assert _answer(fast, _environ(path, "POST"))[0] == "405 METHOD NOT ALLOWED"


def test_after_a_change_the_old_page_is_never_answered(site_app):
    app, pages, things = site_app
    fast, client = app.wsgi_app, app.test_client()
    with app.app_context():
        post = db.session.get(type(things["post"]), things["post"].id)
        editor = make_user(Role.EDITOR)
        posts.save_post(post, posts.PostInput(title="A new title", body_markdown=post.body_markdown),
                        by=editor, base_version=post.version)
        db.session.commit()
        path = f"/posts/{post.slug}"
    assert fast.stored_answer(_environ(path)) is None  # the new version is not rendered yet
    assert "A new title" in client.get(path).get_data(as_text=True)
    assert fast.stored_answer(_environ(path)) is not None
    assert b"A new title" in _answer(fast, _environ(path))[2]


def test_once_a_time_based_change_is_due_flask_moves_the_version_first(site_app):
    app, pages, _ = site_app
    fast = app.wsgi_app
    with app.app_context():
        before = db.session.get(SiteSettings, SETTINGS_ID).content_version
        db.session.execute(update(SiteSettings).values(next_change_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert fast.stored_answer(_environ(pages[0])) is None
    assert app.test_client().get(pages[0]).status_code == 200
    with app.app_context():
        assert db.session.get(SiteSettings, SETTINGS_ID).content_version != before
    assert fast.stored_answer(_environ(pages[0])) is not None


def test_a_host_flask_does_not_trust_is_refused_by_flask_not_served(make_app):
    app = make_app(TRUSTED_HOSTS=["blog.example.org"], SITE_URL="http://blog.example.org")
    with app.app_context():
        _site()
    client = app.test_client()
    assert client.get("/", base_url="http://blog.example.org").status_code == 200
    assert app.wsgi_app.stored_answer(_environ("/", Host="blog.example.org")) is not None
    assert app.wsgi_app.stored_answer(_environ("/", Host="evil.example")) is None
    assert client.get("/", base_url="http://evil.example").status_code == 400
