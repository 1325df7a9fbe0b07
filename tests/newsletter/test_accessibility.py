"""The newsletter's public pages meet WCAG 2.1 AA (axe-core in Chromium) and set no cookie to read."""
from __future__ import annotations

import pytest

from blog.extensions import db
from blog.newsletter import services
from tests.newsletter.conftest import add_subscribers


@pytest.mark.browser
def test_public_newsletter_pages_meet_wcag_21_aa(live_server, browser, axe_violations):
    with live_server.app.test_request_context():
        [subscriber] = add_subscribers(1)
        token = services.subscriber_token(subscriber)
        db.session.commit()
    context = browser.new_context()
    page = context.new_page()
    violations = []
    for path in ["/", "/newsletter/subscribe", "/newsletter/embed", f"/newsletter/unsubscribe/{token}",
                 f"/newsletter/preferences/{token}"]:
        page.goto(live_server.url + path)
        if path in ("/", "/newsletter/subscribe", "/newsletter/embed"):
            assert context.cookies() == [], path  # reading and the subscribe forms set no cookie
        violations += [f"{path}: {v}" for v in axe_violations(page)]
    # The footer form works in a real browser: subscribing shows the same answer as always.
    page.goto(live_server.url + "/")
    page.fill("#footer-email", "new.reader@example.org")
    with page.expect_navigation():  # content() read mid-navigation is empty
        page.click(".footer-subscribe button[type=submit]")
    assert "Check your inbox" in page.content()
    context.close()
    assert violations == [], "\n".join(violations)


@pytest.mark.browser
def test_consent_log_and_draft_pages_meet_wcag_21_aa(live_server, browser, axe_violations):
    from blog.accounts.models import Role
    from blog.newsletter import review
    from tests.browsing import sign_in
    from tests.factories import make_post, make_user

    with live_server.app.test_request_context():
        [subscriber] = add_subscribers(1)
        services.unsubscribe(subscriber)
        admin = make_user(Role.ADMIN)
        draft = review.save_draft(services.compose_post(make_post(admin, title="To announce")), by=admin)
        db.session.commit()
        paths = [f"/newsletter/admin/subscribers/{subscriber.id}", "/newsletter/admin/drafts/",
                 f"/newsletter/admin/drafts/{draft.id}"]
        email = admin.email
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server.url, email)
    violations = []
    for path in paths:
        page.goto(live_server.url + path)
        violations += [f"{path}: {v}" for v in axe_violations(page)]
    context.close()
    assert violations == [], "\n".join(violations)
