"""Sign-in, sign-out, invitations and the people admin through the test client."""
import re

import pytest

from blog.accounts.models import Role
from tests.factories import PASSWORD, login, make_user


def test_login_redirects_to_editor_and_sets_a_safe_session_cookie(make_app):
    app = make_app(SITE_URL="https://blog.example", SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    with app.app_context():
        user = make_user()
        email = user.email
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/editor/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_wrong_password_shows_the_generic_message(client, appctx):
    user = make_user()
    wrong = client.post("/login", data={"email": user.email, "password": "nope"})
    unknown = client.post("/login", data={"email": "ghost@example.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 400
    message = b"That email and password do not match an account."
    assert message in wrong.data and message in unknown.data


@pytest.mark.parametrize("target, expected", [
    ("/editor/posts/new", "/editor/posts/new"),
    ("https://evil.example/steal", "/editor/"),
    ("//evil.example/steal", "/editor/"),
    ("/\\evil.example", "/editor/"),
    ("javascript:alert(1)", "/editor/"),
])
def test_next_only_redirects_within_the_site(client, appctx, target, expected):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.headers["Location"] == expected


def test_login_is_rate_limited_over_http(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMITS="2 per minute")
    client = app.test_client()
    with app.app_context():
        email = make_user().email
    statuses = [client.post("/login", data={"email": email, "password": "bad"}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert b"Too many sign-in attempts" in client.post("/login", data={"email": email, "password": PASSWORD}).data


@pytest.mark.parametrize("hops", [0, 1])
def test_forged_forwarded_addresses_do_not_escape_the_address_limit(make_app, hops):
    """Behind ``hops`` proxies, a client that invents X-Forwarded-For entries is still counted
    at the address the last trusted proxy saw (here always 192.0.2.50)."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMITS="2 per minute", LOGIN_ACCOUNT_LIMITS="100 per minute",
                   PROXY_COUNT=hops)
    client = app.test_client()
    with app.app_context():
        email = make_user().email
    statuses = []
    for number in range(4):
        forged = f"198.51.100.{number}" + (", 192.0.2.50" if hops else "")
        statuses.append(client.post("/login", data={"email": email, "password": "bad"},
                                    headers={"X-Forwarded-For": forged},
                                    environ_base={"REMOTE_ADDR": "192.0.2.50" if not hops else "10.0.0.1"}
                                    ).status_code)
    assert statuses == [400, 400, 429, 429]


def test_editor_requires_sign_in(client):
    response = client.get("/editor/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_logout_is_a_post(client, appctx):
    login(client, make_user())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/editor/").status_code == 302


def test_admin_invites_and_the_invitee_joins(client, appctx):
    login(client, make_user(Role.ADMIN))
    page = client.post("/admin/people", data={"email": "joiner@example.org", "role": "editor"})
    assert page.status_code == 200
    path = re.search(r'value="http://[^/"]+(/invitation/[^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/logout")
    landing = client.get(path)
    assert landing.status_code == 302 and landing.headers["Location"] == "/invitation"
    assert client.get("/invitation").status_code == 200
    joined = client.post("/invitation", data={"display_name": "Joiner", "affiliation": "Uni",
                                     "password": "a long password", "confirm": "a long password"})
    assert joined.status_code == 302
    assert client.get(path, follow_redirects=True).status_code == 404  # used up


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.AUTHOR, Role.EDITOR])
def test_people_admin_is_for_admins_only(client, appctx, role):
    login(client, make_user(role))
    assert client.get("/admin/people").status_code == 403
    assert client.post("/admin/people", data={"email": "x@example.org", "role": "admin"}).status_code == 403
    assert client.get("/admin/settings").status_code == 403


def test_admin_changes_role_and_suspends(client, appctx):
    admin = make_user(Role.ADMIN)
    other = make_user(Role.AUTHOR)
    login(client, admin)
    client.post(f"/admin/people/{other.id}/role", data={"role": "editor"})
    client.post(f"/admin/people/{other.id}/active")
    from blog.extensions import db
    db.session.refresh(other)
    assert other.role == "editor" and other.active is False
    reset = client.post(f"/admin/people/{other.id}/reset-link")
    assert b"/reset-password/" in reset.data


def test_forms_need_a_csrf_token_when_protection_is_on(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        email = make_user().email
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


def test_profile_edit(client, appctx):
    user = make_user()
    login(client, user)
    client.post("/account/profile", data={"display_name": "Dr New", "affiliation": "Lincoln", "bio": "Hi"})
    from blog.extensions import db
    db.session.refresh(user)
    assert (user.display_name, user.affiliation, user.bio) == ("Dr New", "Lincoln", "Hi")
