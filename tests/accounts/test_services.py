"""Accounts services, without HTTP."""
from datetime import timedelta

import pytest

from blog.accounts import services
from blog.accounts.models import Invitation, Role
from blog.core.time import utcnow
from blog.errors import NotAllowed, NotFound, ValidationFailed
from blog.extensions import db
from tests.factories import PASSWORD, make_user


def test_create_user_normalises_email_and_hashes_password(appctx):
    user = services.create_user("  Jane.Doe@Example.ORG ", "a long password", display_name="Dr Jane Doe")
    assert user.email == "jane.doe@example.org"
    assert user.password_hash and "a long password" not in user.password_hash
    assert user.slug == "dr-jane-doe"
    assert user.role == Role.CONTRIBUTOR.value


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "two@@example.org"])
def test_malformed_email_is_refused(appctx, email):
    with pytest.raises(ValidationFailed) as error:
        services.create_user(email, "a long password")
    assert error.value.field == "email"


def test_duplicate_email_is_refused_whatever_the_case(appctx):
    make_user(email="dup@example.org")
    with pytest.raises(ValidationFailed, match="already exists"):
        services.create_user("DUP@example.org", "a long password")


def test_short_password_is_refused(appctx):
    with pytest.raises(ValidationFailed, match="at least 10"):
        services.create_user("short@example.org", "short")


def test_authenticate_gives_one_message_for_unknown_email_and_wrong_password(appctx):
    user = make_user()
    assert services.authenticate(user.email.upper(), PASSWORD, address="1.2.3.4").id == user.id
    with pytest.raises(ValidationFailed) as wrong:
        services.authenticate(user.email, "wrong password", address="1.2.3.4")
    with pytest.raises(ValidationFailed) as unknown:
        services.authenticate("nobody@example.org", PASSWORD, address="1.2.3.4")
    assert wrong.value.message == unknown.value.message


def test_suspended_and_password_less_accounts_cannot_sign_in(appctx):
    admin = make_user(Role.ADMIN)
    suspended = make_user()
    services.set_active(suspended, False, by=admin)
    credited = services.create_user("credit@example.org", None, display_name="Credited Only")
    with pytest.raises(ValidationFailed):
        services.authenticate(suspended.email, PASSWORD, address="x")
    with pytest.raises(ValidationFailed):
        services.authenticate(credited.email, "", address="x")


# Each case: wrong passwords tried first as (account, address) pairs, then one attempt and its outcome.
# Limits: 3 failures a minute per address, 4 per account. "victim" and "other" are accounts.
LOGIN_CASES = {
    "the owner gets in from home while the account is attacked from elsewhere": (
        [("victim", "10.0.0.1")] * 3 + [("victim", "10.0.0.2")] * 3, ("victim", PASSWORD, "192.0.2.7"), "in"),
    "an attacking address is refused even with the right password": (
        [("victim", "10.0.0.1")] * 3, ("victim", PASSWORD, "10.0.0.1"), "refused"),
    "an attacking address is refused on other accounts too": (
        [("victim", "10.0.0.1")] * 3, ("other", PASSWORD, "10.0.0.1"), "refused"),
    "an attacked account refuses addresses that failed on it": (
        [("victim", "10.0.0.1")] * 2 + [("victim", "10.0.0.2")] * 2 + [("victim", "10.0.0.3")],
        ("victim", PASSWORD, "10.0.0.3"), "refused"),
    "an attacked account still checks a first try from a new address (wrong: counted, not locked)": (
        [("victim", "10.0.0.1")] * 2 + [("victim", "10.0.0.2")] * 2, ("victim", "wrong", "10.0.0.9"), "wrong"),
    "below every limit a typo costs nothing": (
        [("victim", "192.0.2.7")] * 2, ("victim", PASSWORD, "192.0.2.7"), "in"),
    "unknown emails count against the address": (
        [("nobody", "10.0.0.1")] * 3, ("other", PASSWORD, "10.0.0.1"), "refused"),
}


@pytest.mark.parametrize("failures, attempt, outcome", LOGIN_CASES.values(), ids=LOGIN_CASES.keys())
def test_login_failures_are_counted_per_account_and_per_address(make_app, failures, attempt, outcome):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute", LOGIN_ACCOUNT_LIMITS="4 per minute")
    with app.app_context():
        emails = {"victim": make_user().email, "other": make_user().email, "nobody": "nobody@example.org"}
        for account, address in failures:
            with pytest.raises(ValidationFailed):
                services.authenticate(emails[account], "wrong", address=address)
        account, password, address = attempt
        if outcome == "in":
            assert services.authenticate(emails[account], password, address=address).email == emails[account]
        else:
            expected = services.TooManyAttempts if outcome == "refused" else ValidationFailed
            with pytest.raises(ValidationFailed) as error:
                services.authenticate(emails[account], password, address=address)
            assert type(error.value) is expected


@pytest.mark.parametrize("storage, refused", [("", True), ("memory://", True), ("redis://127.0.0.1:6379", False)])
def test_production_never_counts_failures_per_worker_process(tmp_path, storage, refused):
    """With memory:// each gunicorn worker counts on its own; production refuses to start so."""
    from blog.config import ConfigError, from_environment

    environment = {"BLOG_ENV": "production", "INSTANCE_PATH": str(tmp_path), "SITE_URL": "https://blog.example",
                   "SECRET_KEY": "k" * 32, "RATELIMIT_STORAGE_URI": storage}
    if refused:
        with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
            from_environment(environment)
    else:
        assert from_environment(environment)["RATELIMIT_STORAGE_URI"] == storage


def test_invitation_is_single_use_and_expires(appctx):
    admin = make_user(Role.ADMIN)
    invitation, token = services.invite("new@example.org", Role.EDITOR, by=admin)
    assert invitation.token_hash != token
    user = services.accept_invitation(token, password="a long password", display_name="New Person")
    assert user.role == "editor" and user.email == "new@example.org"
    with pytest.raises(NotFound):
        services.accept_invitation(token, password="a long password", display_name="Again")

    _, late_token = services.invite("late@example.org", Role.AUTHOR, by=admin)
    late = db.session.execute(db.select(Invitation).where(Invitation.email == "late@example.org")).scalar_one()
    late.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(NotFound):
        services.invitation_for(late_token)


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.AUTHOR, Role.EDITOR])
def test_only_admins_invite_change_roles_and_suspend(appctx, role):
    actor = make_user(role)
    target = make_user()
    with pytest.raises(NotAllowed):
        services.invite("x@example.org", Role.AUTHOR, by=actor)
    with pytest.raises(NotAllowed):
        services.change_role(target, Role.ADMIN, by=actor)
    with pytest.raises(NotAllowed):
        services.set_active(target, False, by=actor)


def test_admin_cannot_demote_or_suspend_themselves(appctx):
    admin = make_user(Role.ADMIN)
    with pytest.raises(ValidationFailed):
        services.change_role(admin, Role.EDITOR, by=admin)
    with pytest.raises(ValidationFailed):
        services.set_active(admin, False, by=admin)


def test_password_reset_token_works_once(appctx):
    user = make_user()
    token = services.password_reset_token(user)
    services.reset_password(token, "a brand new password")
    assert services.authenticate(user.email, "a brand new password", address="x").id == user.id
    with pytest.raises(NotFound):
        services.reset_password(token, "yet another password")
    with pytest.raises(NotFound):
        services.reset_password("garbage", "yet another password")


def test_roles_are_ordered():
    assert Role.ADMIN.at_least(Role.EDITOR) and Role.EDITOR.at_least(Role.AUTHOR)
    assert not Role.CONTRIBUTOR.at_least(Role.AUTHOR)


def test_a_byline_only_person_needs_a_name_but_no_email_and_cannot_sign_in(appctx):
    guest = services.create_byline_person("  Dr Guest Speaker ", affiliation="Elsewhere")
    second = services.create_byline_person("Dr Guest Speaker")
    assert guest.email is None and second.email is None  # several people without an address
    assert guest.is_byline_only and guest.slug != second.slug
    with_address = services.create_byline_person("Ian Elliott", email="Ian@Example.org")
    assert with_address.email == "ian@example.org" and with_address.is_byline_only
    with pytest.raises(ValidationFailed, match="needs a name"):
        services.create_byline_person("  ")
    with pytest.raises(ValidationFailed, match="already exists"):
        services.create_byline_person("Someone", email="ian@example.org")
    with pytest.raises(ValidationFailed, match="do not match"):
        services.authenticate("ian@example.org", "", address="127.0.0.1")
