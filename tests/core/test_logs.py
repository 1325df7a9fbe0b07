"""Tokens never reach a log (issue 14 item 12), and emailed reset/invitation links leave the URL bar.

gunicorn's access log is covered by tests/test_deploy.py (the shipped deploy/gunicorn.conf.py);
here: the redaction rule over every route that takes a token, the application's own loggers,
and the landing views that move reset and invitation tokens into the session.
"""
from __future__ import annotations

import logging
import re
import secrets
import urllib.request

import pytest
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from blog.accounts import services
from blog.accounts.models import Role
from blog.core.logs import redact
from blog.extensions import db
from tests.factories import PASSWORD, make_user


def _sample_tokens() -> list[str]:
    """Tokens as the application makes them: random ones and signed ones."""
    return [secrets.token_urlsafe(24), secrets.token_urlsafe(32),
            URLSafeSerializer("key", salt="s").dumps([12345, secrets.token_hex(16)]),
            URLSafeTimedSerializer("key", salt="s").dumps({"id": 7, "pw": "abcdefghijklmnop"}),
            URLSafeTimedSerializer("key", salt="s").dumps([1, "k", "both", "Name", "tag"])]


def test_every_route_that_takes_a_token_is_redacted(app):
    rules = [rule for rule in app.url_map.iter_rules() if any("token" in name for name in rule.arguments)]
    assert len(rules) >= 6  # invitation, reset, preview, confirm, preferences, unsubscribe...
    for rule in rules:
        for token in _sample_tokens():
            path = rule.build({name: token for name in rule.arguments})[1]
            line = f'127.0.0.1 - - [30/Nov/2026] "GET {path}?t={token} HTTP/1.1" 200 "http://blog.test{path}"'
            assert token not in redact(line), rule.rule


@pytest.mark.parametrize("kept", ["/posts/internet-based-sex-offending-an-onlineprotect-workshop",
                                  "/media/photos/3fa2b1c9d8e7f6a53fa2b1c9d8e7f6a5-960.webp",
                                  "/editor/posts/12345678901234567/edit", "/feeds/tags/criminology-2024.atom"])
def test_ordinary_paths_stay_readable(kept):
    assert redact(f"GET {kept} HTTP/1.1") == f"GET {kept} HTTP/1.1"


def test_the_development_server_log_has_no_token(live_server, caplog):
    tokens = _sample_tokens()
    caplog.set_level(logging.INFO, logger="werkzeug")
    for path in (f"/reset-password/{tokens[0]}", f"/invitation/{tokens[1]}",
                 f"/newsletter/unsubscribe/{tokens[2]}", f"/posts/preview/{tokens[3]}?x={tokens[4]}"):
        try:
            urllib.request.urlopen(live_server.url + path, timeout=30).read()
        except urllib.error.HTTPError:
            pass
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "[redacted]" in logged
    assert not any(token in logged for token in tokens), logged


def test_an_error_on_a_token_url_is_logged_without_the_token(make_app, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    token = secrets.token_urlsafe(32)

    @app.get("/_broken/<token>")
    def broken(token):
        raise RuntimeError("the view failed")

    assert app.test_client().get(f"/_broken/{token}?again={token}").status_code == 500
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Exception on /_broken/[redacted]" in logged and token not in logged


def test_a_reset_link_moves_its_token_into_the_session(app, client):
    with app.app_context():
        user = make_user()
        token = services.password_reset_token(user)
        email = user.email
    landing = client.get(f"/reset-password/{token}")
    assert landing.status_code == 302 and landing.headers["Location"] == "/reset-password"
    page = client.get("/reset-password")
    assert page.status_code == 200 and token not in page.get_data(as_text=True)
    done = client.post("/reset-password", data={"password": "a brand new password",
                                                "confirm": "a brand new password"})
    assert done.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": "a brand new password"}).status_code == 302
    # Used up: the same link cannot set a password again.
    client.post("/logout")
    client.get(f"/reset-password/{token}")
    again = client.post("/reset-password", data={"password": "another new password", "confirm": "another new password"})
    assert again.status_code == 404


def test_an_invitation_link_moves_its_token_into_the_session(app, client):
    with app.app_context():
        admin = make_user(Role.ADMIN)
        _, token = services.invite("joiner@example.org", Role.AUTHOR, by=admin)
        db.session.commit()
    assert client.get(f"/invitation/{token}").headers["Location"] == "/invitation"
    page = client.get("/invitation").get_data(as_text=True)
    assert "joiner@example.org" in page and token not in page
    assert re.search(r'<form method="post"', page) and f"/invitation/{token}" not in page
    joined = client.post("/invitation", data={"display_name": "Joiner", "password": "a long password",
                                              "confirm": "a long password"})
    assert joined.status_code == 302 and client.get("/editor/").status_code == 200


def test_without_a_token_in_the_session_the_forms_are_404(client):
    assert client.get("/invitation").status_code == 404
    assert client.post("/reset-password", data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 404
