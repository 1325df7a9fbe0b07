"""Every kind of email the site sends, made by the real code paths and received by a real SMTP server
(aiosmtpd on loopback), from the demo content (a write-up with photos, quoted posts and an event)."""
from __future__ import annotations

from datetime import timedelta
from functools import cache

from blog.accounts.models import Role
from blog.core.dkim_signing import dns_txt_value, new_private_key
from blog.core.time import utcnow
from blog.demo import create_demo_content
from blog.events.models import Event
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.delivery import Worker
from blog.newsletter.models import Subscriber
from blog.posts.models import Post
from tests.factories import PASSWORD, make_user

SELECTOR, DOMAIN = "mail2026", "blog.test"
KINDS = ("confirmation", "already subscribed", "digest", "single post", "single event", "invitation",
         "password reset", "test send")


@cache
def dkim_key() -> bytes:
    return new_private_key()


def dkim_dns(name, timeout=5) -> bytes:
    """dkimpy's DNS look-up, answered from the generated key: tests never go to the network."""
    assert name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode()
    return dns_txt_value(dkim_key()).encode()


def dkim_settings() -> dict:
    return {"DKIM_SELECTOR": SELECTOR, "DKIM_DOMAIN": DOMAIN, "DKIM_PRIVATE_KEY": dkim_key().decode()}


def send_every_kind(app, smtp_server) -> dict[str, bytes]:
    """Make ``app`` send one email of each kind; returns each as the bytes the server received."""
    with app.test_request_context(base_url=app.config["SITE_URL"]):
        created = create_demo_content()
        db.session.add(Subscriber(email="member@example.org", name="Member", status="subscribed",
                                  consent_at=utcnow(), consent_method="test"))
        admin = make_user(Role.ADMIN, email="chief@example.org")
        writer = make_user(Role.AUTHOR, email="writer@example.org")
        services.newsletter_settings()
        db.session.commit()
        writeup_id, writer_id, admin_email = created["writeup"].id, writer.id, admin.email
        event_id = db.session.execute(db.select(Event.id).order_by(Event.id)).scalars().first()
    client = app.test_client()
    received: dict[str, bytes] = {}

    def keep(kind: str, send) -> None:
        before = len(smtp_server.received)
        send()
        received[kind] = smtp_server.received[before][1]

    keep("confirmation", lambda: client.post("/newsletter/subscribe", data={
        "email": "new.reader@example.org", "name": "Ada", "receives": "both"}))
    keep("already subscribed", lambda: client.post("/newsletter/subscribe", data={"email": "member@example.org"}))
    client.post("/login", data={"email": admin_email, "password": PASSWORD})
    keep("invitation", lambda: client.post("/admin/people", data={"email": "invited@example.org", "role": "author"}))
    keep("password reset", lambda: client.post(f"/admin/people/{writer_id}/reset-link"))
    keep("test send", lambda: client.post(f"/newsletter/admin/test?post={writeup_id}",
                                          data={"address": "tester@example.org"}))
    with app.test_request_context(base_url=app.config["SITE_URL"]):
        for kind, compose in (("digest", lambda: services.compose_digest(since=utcnow() - timedelta(days=3650))),
                              ("single post", lambda: services.compose_post(db.session.get(Post, writeup_id))),
                              ("single event", lambda: services.compose_event(event_id))):
            services.queue_mailing(compose(), by=None)
            db.session.commit()
            keep(kind, lambda: Worker(sleep=lambda seconds: None).run(once=True))
    return received
