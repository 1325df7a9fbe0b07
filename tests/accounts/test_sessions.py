"""Session invalidation (issue 14 item 4): a copied cookie dies with the event that should end it.

Table-driven: for each event (sign-out, password reset, role change, suspension,
"sign out everywhere", an admin signing someone out), a session cookie and a
remember cookie copied before it no longer sign anyone in after it.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from blog.accounts import services
from blog.accounts.models import Role, User
from blog.extensions import db
from tests.factories import PASSWORD, make_user


def _sign_in(app, email: str):
    """A browser signed in with "Keep me signed in"; returns it and its two cookies."""
    browser = app.test_client()
    response = browser.post("/login", data={"email": email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return browser, browser.get_cookie("session").value, browser.get_cookie("remember_token").value


def _signed_in(app, *, session: str | None = None, remember: str | None = None) -> bool:
    """Whether a fresh browser holding only these copied cookies reaches the editor."""
    thief = app.test_client()
    if session:
        thief.set_cookie("session", session)
    if remember:
        thief.set_cookie("remember_token", remember)
    return thief.get("/editor/").status_code == 200


def _log_out(app, victim, admin):
    assert victim.post("/logout").status_code == 302


def _reset_password(app, victim, admin):
    with app.app_context():
        user = services.user_by_email("victim@example.org")
        services.reset_password(services.password_reset_token(user), "a brand new password")
        db.session.commit()


def _change_role(app, victim, admin):
    assert admin.post(f"/admin/people/{_victim_id(app)}/role", data={"role": "editor"}).status_code == 302


def _suspend_and_restore(app, victim, admin):
    admin.post(f"/admin/people/{_victim_id(app)}/active")  # suspended
    admin.post(f"/admin/people/{_victim_id(app)}/active")  # and back: old cookies stay dead


def _sign_out_everywhere_from_another_device(app, victim, admin):
    other_device, _, _ = _sign_in(app, "victim@example.org")
    assert other_device.post("/account/sign-out-everywhere").status_code == 302
    assert other_device.get("/editor/").status_code == 200  # the device that asked stays signed in


def _change_password_on_another_device(app, victim, admin):
    other_device, _, _ = _sign_in(app, "victim@example.org")
    wrong = other_device.post("/account/password", data={"current_password": "not it", "password": "a brand new one",
                                                         "confirm": "a brand new one"})
    assert wrong.status_code == 400 and b"not your current password" in wrong.data
    changed = other_device.post("/account/password", data={"current_password": PASSWORD, "password": "a brand new one",
                                                           "confirm": "a brand new one"})
    assert changed.status_code == 302 and other_device.get("/editor/").status_code == 200


def _admin_signs_them_out(app, victim, admin):
    with app.app_context():
        services.sign_out_everywhere(services.user_by_email("victim@example.org"),
                                     by=services.user_by_email("admin@example.org"))
        db.session.commit()


def _victim_id(app) -> int:
    with app.app_context():
        return services.user_by_email("victim@example.org").id


EVENTS = {"sign-out": _log_out, "password reset": _reset_password,
          "password change": _change_password_on_another_device, "role change": _change_role,
          "suspension": _suspend_and_restore, "sign out everywhere": _sign_out_everywhere_from_another_device,
          "admin signs them out": _admin_signs_them_out}


@pytest.mark.parametrize("event", EVENTS.values(), ids=EVENTS.keys())
def test_copied_cookies_stop_working_after(app, event):
    with app.app_context():
        make_user(Role.AUTHOR, email="victim@example.org")
        make_user(Role.ADMIN, email="admin@example.org")
    victim, session_cookie, remember_cookie = _sign_in(app, "victim@example.org")
    admin, _, _ = _sign_in(app, "admin@example.org")
    assert _signed_in(app, session=session_cookie) and _signed_in(app, remember=remember_cookie)

    event(app, victim, admin)

    assert not _signed_in(app, session=session_cookie)
    assert not _signed_in(app, remember=remember_cookie)


def test_other_people_stay_signed_in(app):
    with app.app_context():
        make_user(Role.AUTHOR, email="victim@example.org")
        make_user(Role.AUTHOR, email="bystander@example.org")
    victim, _, _ = _sign_in(app, "victim@example.org")
    _, session_cookie, remember_cookie = _sign_in(app, "bystander@example.org")
    victim.post("/logout")
    assert _signed_in(app, session=session_cookie) and _signed_in(app, remember=remember_cookie)


def test_only_admins_sign_other_people_out(appctx):
    author, other = make_user(Role.AUTHOR), make_user(Role.AUTHOR)
    with pytest.raises(Exception, match="role does not allow"):
        services.sign_out_everywhere(other, by=author)


def test_remember_me_lasts_remember_days(tmp_path):
    from blog.config import from_environment

    assert from_environment({"INSTANCE_PATH": str(tmp_path)})["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    assert from_environment({"INSTANCE_PATH": str(tmp_path), "REMEMBER_DAYS": "7"})[
        "REMEMBER_COOKIE_DURATION"] == timedelta(days=7)


def test_a_session_names_its_version(appctx):
    user = make_user()
    before = user.get_id()
    user.end_sessions()
    assert before == f"{user.id}:1" and user.get_id() == f"{user.id}:2"
    assert db.session.get(User, user.id).session_version == 2
