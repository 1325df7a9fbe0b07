"""Mail to domains reserved for examples (RFC 2606/6761) is recorded as skipped, never handed to SMTP."""
from __future__ import annotations

from datetime import timedelta

import pytest

from blog.accounts.models import Role
from blog.core.mail import is_reserved_address
from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.delivery import Worker
from blog.newsletter.models import Delivery, Subscriber
from tests.factories import login, make_post, make_user


@pytest.mark.parametrize("email, reserved", [
    ("reader.one@example.org", True), ("a@EXAMPLE.COM", True), ("a@lists.example.net", True),
    ("a@lab.test", True), ("a@x.invalid", True), ("a@site.example", True), ("a@localhost", True),
    ("a@uni.localhost", True), ("a@example.org.", True),
    ("a@university.ac.uk", False), ("a@myexample.org", False), ("a@example.org.uk", False),
    ("a@testing.com", False),
])
def test_reserved_domains_are_recognised(email, reserved):
    assert is_reserved_address(email) is reserved


def test_digest_skips_reserved_domains_and_the_admin_shows_why(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, MAIL_SKIP_RESERVED=True)
    with app.test_request_context():
        for email in ("reader.one@example.org", "someone@lab.test", "real@university.ac.uk"):
            db.session.add(Subscriber(email=email, name="R", status="subscribed", receives="both",
                                      consent_at=utcnow(), consent_method="test"))
        make_post(make_user(), title="News")
        mailing = services.queue_mailing(services.compose_digest(since=utcnow() - timedelta(days=1)), by=None)
        db.session.commit()
        stats = Worker(sleep=lambda seconds: None).run(once=True)
        assert smtp_server.recipients() == ["real@university.ac.uk"]
        assert stats.sent == 1 and stats.skipped == 2
        rows = dict(db.session.execute(db.select(Subscriber.email, Delivery.status)
                                       .join(Delivery.subscriber)).all())
        assert rows == {"reader.one@example.org": "skipped", "someone@lab.test": "skipped",
                        "real@university.ac.uk": "sent"}
        admin = make_user(Role.ADMIN, email="admin@university.ac.uk")
        mailing_id = mailing.id
        client = app.test_client()
        login(client, admin)
    page = client.get(f"/newsletter/admin/mailings/{mailing_id}").get_data(as_text=True)
    assert "reader.one@example.org" in page and "reserved domain" in page
