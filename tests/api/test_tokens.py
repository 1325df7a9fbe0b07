"""Personal API tokens: made and revoked on the profile page, hashed at rest, refused once revoked,
rate-limited per token; the API sets no cookie and takes no cookie for a token."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest

from blog.accounts import services as accounts
from blog.accounts.models import Role
from blog.api import services as tokens
from blog.api.models import ApiToken
from blog.errors import NotFound, ValidationFailed
from blog.extensions import db
from blog.posts.models import Post
from tests.api.helpers import bearer, make_token
from tests.factories import login, make_user


def test_a_token_is_stored_only_as_a_hash_with_a_recognisable_prefix(appctx):
    user = make_user(Role.AUTHOR)
    token, secret = tokens.create_token(user, "CMS sync", ["read", "posts:write"], by=user)
    assert secret.startswith("blogapi_") and len(secret) >= 50
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12] and secret not in (token.prefix, token.token_hash)
    assert token.scopes == "read posts:write"
    other = tokens.create_token(user, "Another", ["read"], by=user)[1]
    assert other != secret


def test_token_input_is_checked(appctx):
    user, someone = make_user(Role.AUTHOR), make_user(Role.ADMIN)
    with pytest.raises(ValidationFailed):
        tokens.create_token(user, "  ", ["read"], by=user)
    with pytest.raises(ValidationFailed):
        tokens.create_token(user, "x", [], by=user)
    with pytest.raises(ValidationFailed):
        tokens.create_token(user, "x", ["read", "everything"], by=user)
    with pytest.raises(Exception):  # nobody makes a token for someone else, an admin neither
        tokens.create_token(user, "x", ["read"], by=someone)


def test_missing_malformed_unknown_revoked_and_deactivated_tokens_are_401(client, appctx):
    user = make_user(Role.EDITOR)
    secret = make_token(user, "read")
    assert client.get("/api/v1/admin/me", headers=bearer(secret)).status_code == 200
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "},
                    bearer("blogapi_" + "x" * 43), bearer(secret + "x")):
        response = client.get("/api/v1/admin/me", headers=headers)
        assert response.status_code == 401 and response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    token = db.session.execute(db.select(ApiToken)).scalar_one()
    tokens.revoke_token(token, by=user)
    db.session.commit()
    assert client.get("/api/v1/admin/me", headers=bearer(secret)).status_code == 401
    second = make_token(user, "read", name="second")
    accounts.set_active(user, False, by=make_user(Role.ADMIN))
    db.session.commit()
    assert client.get("/api/v1/admin/me", headers=bearer(second)).status_code == 401


def test_last_used_is_recorded(client, appctx):
    user = make_user(Role.AUTHOR)
    secret = make_token(user, "read")
    token = db.session.execute(db.select(ApiToken)).scalar_one()
    assert token.last_used_at is None
    client.get("/api/v1/admin/me", headers=bearer(secret))
    db.session.refresh(token)
    first_use = token.last_used_at
    assert first_use is not None
    # within a minute it is not written again; an older time is brought up to date
    assert tokens.token_for_secret(secret, now=first_use + timedelta(seconds=30)).last_used_at == first_use
    later = first_use + timedelta(minutes=5)
    assert tokens.token_for_secret(secret, now=later).last_used_at == later


def test_the_api_reads_no_cookie_and_sets_none(client, appctx):
    user = make_user(Role.ADMIN)
    login(client, user)  # a signed-in browser: its session cookie is no API credential
    assert client.get("/api/v1/admin/me").status_code == 401
    assert client.post("/api/v1/admin/posts", json={"title": "Via cookie"}).status_code == 401
    assert db.session.execute(db.select(Post)).first() is None
    secret = make_token(user, "posts:write")
    fresh = client.application.test_client()
    response = fresh.post("/api/v1/admin/posts", headers=bearer(secret), json={"title": "Via token"})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in fresh.get("/api/v1/posts").headers
    assert "Set-Cookie" not in fresh.get("/api/v1/admin/nothing", headers=bearer(secret)).headers


def test_csrf_is_not_asked_of_bearer_requests_only(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        user = make_user(Role.AUTHOR)
        secret = make_token(user, "posts:write")
        login_page = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
        assert login_page.status_code == 400  # the site's forms still need their CSRF token
        response = client.post("/api/v1/admin/posts", headers=bearer(secret), json={"title": "No CSRF token"})
        assert response.status_code == 201


def test_rate_limit_is_per_token(make_app):
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMITS="3 per hour")
    client = app.test_client()
    with app.app_context():
        user = make_user(Role.AUTHOR)
        first, second = make_token(user, "read", name="one"), make_token(user, "read", name="two")
        answers = [client.get("/api/v1/admin/me", headers=bearer(first)).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        limited = client.get("/api/v1/admin/me", headers=bearer(first))
        assert limited.mimetype == "application/problem+json" and limited.get_json()["status"] == 429
        assert client.get("/api/v1/admin/me", headers=bearer(second)).status_code == 200
        assert client.get("/api/v1/posts").status_code == 200  # the Content API is not counted


def test_profile_page_makes_a_token_shows_it_once_and_revokes_it(client, appctx):
    user = make_user(Role.AUTHOR)
    login(client, user)
    page = client.get("/account/profile").get_data(as_text=True)
    assert "API tokens" in page and 'value="posts:write"' in page
    made = client.post("/account/api-tokens", data={"name": "Department CMS", "scopes": ["read", "posts:write"]})
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    secret = re.search(r'value="(blogapi_[^"]+)"', html).group(1)
    assert "Set-Cookie" not in made.headers or "blogapi_" not in made.headers["Set-Cookie"]
    assert client.get("/api/v1/admin/me", headers=bearer(secret)).get_json()["scopes"] == ["posts:write", "read"]
    again = client.get("/account/profile").get_data(as_text=True)
    assert secret not in again and secret[:12] in again and "Department CMS" in again
    token = db.session.execute(db.select(ApiToken)).scalar_one()
    revoked = client.post(f"/account/api-tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert client.get("/api/v1/admin/me", headers=bearer(secret)).status_code == 401
    assert "Revoked" in client.get("/account/profile").get_data(as_text=True)


def test_token_form_errors_and_nobody_revokes_another_persons_token(client, appctx):
    owner, intruder = make_user(Role.AUTHOR), make_user(Role.ADMIN)
    secret = make_token(owner, "read")
    token = db.session.execute(db.select(ApiToken)).scalar_one()
    login(client, intruder)
    no_scope = client.post("/account/api-tokens", data={"name": "x"})
    assert no_scope.status_code == 400 and "Choose at least one scope" in no_scope.get_data(as_text=True)
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/admin/me", headers=bearer(secret)).status_code == 200
    with pytest.raises(NotFound):
        tokens.token_of(intruder, token.id)


def test_deleting_a_person_deletes_their_tokens(appctx):
    user, admin = make_user(Role.AUTHOR), make_user(Role.ADMIN)
    make_token(user, "read")
    accounts.delete_person(user, by=admin, hand_over_to=admin)
    db.session.commit()
    assert db.session.execute(db.select(ApiToken)).first() is None


def test_profile_page_with_tokens_is_valid_html(client, appctx, html_errors):
    """The token list and the once-shown secret are not on the demo site test_standards crawls."""
    user = make_user(Role.EDITOR)
    login(client, user)
    make_token(user, "read", name="Old script")
    token = db.session.execute(db.select(ApiToken)).scalar_one()
    tokens.revoke_token(token, by=user)
    db.session.commit()
    make_token(user, "posts:write", name="Newer script")
    made = client.post("/account/api-tokens", data={"name": "Department CMS", "scopes": ["read"]})
    failed = client.post("/account/api-tokens", data={"name": ""})
    assert html_errors({"made": made.get_data(), "failed": failed.get_data(),
                        "list": client.get("/account/profile").get_data()}) == []
