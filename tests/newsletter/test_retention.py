"""Retention: unconfirmed subscriptions expire; addresses that left become suppression hashes."""
from __future__ import annotations

import io
from datetime import timedelta

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.models import ConsentEvent, Delivery, Subscriber, SuppressedAddress
from blog.newsletter.retention import address_hash, apply_retention
from tests.factories import login, make_post, make_user
from tests.newsletter.conftest import add_subscribers


def _emails() -> list[str]:
    return sorted(db.session.execute(db.select(Subscriber.email)).scalars())


def test_unconfirmed_subscriptions_are_deleted_after_the_confirmation_window(make_app):
    app = make_app(NEWSLETTER_CONFIRM_HOURS=48)
    now = utcnow()
    with app.test_request_context():
        for email, hours_ago in (("old@example.org", 49), ("fresh@example.org", 47)):
            outcome = services.subscribe(email, now=now - timedelta(hours=hours_ago))
            outcome.subscriber.created_at = now - timedelta(hours=hours_ago)
        add_subscribers(1)
        db.session.commit()
        result = apply_retention(now=now)
        db.session.commit()
        assert result.unconfirmed_deleted == 1 and result.suppressed == 0
        assert _emails() == ["fresh@example.org", "reader0@example.org"]
        assert db.session.scalar(db.select(db.func.count()).select_from(ConsentEvent)) == 1  # fresh's only
        assert db.session.scalar(db.select(db.func.count()).select_from(SuppressedAddress)) == 0


def test_gone_addresses_become_hashes_that_the_form_and_the_import_refuse(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, NEWSLETTER_RETENTION_DAYS=30, SECRET_KEY="k1",
                   NEWSLETTER_SUPPRESSION_KEY="suppression-key")
    now = utcnow()
    with app.test_request_context():
        admin = make_user(Role.ADMIN)
        left, bounced, recent, active = add_subscribers(4)
        make_post(make_user(), title="Sent to them")
        services.queue_mailing(services.compose_digest(since=now - timedelta(days=1)), by=None)
        services.unsubscribe(left, now=now - timedelta(days=31))
        bounced.status, bounced.unsubscribed_at = "bounced", now - timedelta(days=40)
        services.unsubscribe(recent, now=now - timedelta(days=29))
        db.session.commit()
        result = apply_retention(now=now)
        db.session.commit()
        assert result.suppressed == 2
        assert _emails() == ["reader2@example.org", "reader3@example.org"]
        hashes = {s.address_hash: s.reason for s in db.session.execute(db.select(SuppressedAddress)).scalars()}
        assert hashes == {address_hash("reader0@example.org"): "unsubscribed",
                          address_hash("Reader1@Example.org "): "bounced"}
        assert "reader0" not in str(hashes) and len(next(iter(hashes))) == 64
        # Their delivery records and consent log went with them.
        assert db.session.scalar(db.select(db.func.count()).select_from(Delivery)) == 2  # those of reader2 and reader3
        assert apply_retention(now=now).suppressed == 0  # a second run changes nothing

        # The import skips them and says so.
        outcome = services.import_csv("email,consent\nreader0@example.org,workshop\nnew@example.org,workshop\n",
                                      by=admin)
        assert (outcome.imported, outcome.skipped_suppressed) == (1, 1)
        db.session.commit()
        assert "reader0@example.org" not in _emails()
        login(client := app.test_client(), admin)

    sent_before = len(smtp_server.received)
    answers = [app.test_client().post("/newsletter/subscribe", data={"email": email, "receives": "both"})
               for email in ("READER1@example.org", "someone.new@example.org")]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].data == answers[1].data  # the form does not reveal a suppressed address
    assert [rcpts for rcpts, _ in smtp_server.received[sent_before:]] == [["someone.new@example.org"]]
    response = client.post("/newsletter/admin/subscribers/import", content_type="multipart/form-data",
                           data={"csv_file": (io.BytesIO(b"email,consent\nreader1@example.org,card\n"), "a.csv")})
    assert response.status_code == 302
    assert "had bounced or left before" in client.get("/newsletter/admin/subscribers").get_data(as_text=True)


def test_retention_command(make_app):
    app = make_app(NEWSLETTER_RETENTION_DAYS=1)
    with app.test_request_context():
        [subscriber] = add_subscribers(1)
        services.unsubscribe(subscriber, now=utcnow() - timedelta(days=2))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["newsletter", "retention"])
    assert result.exit_code == 0 and "1 addresses reduced to a suppression hash" in result.output
    with app.app_context():
        assert _emails() == []
