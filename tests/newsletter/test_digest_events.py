"""Digest composition with events: upcoming (dated first, then teasers), what changed, calendar links."""
from __future__ import annotations

from datetime import date, timedelta

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.events import services as events
from blog.events.services import EventInput
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.models import Delivery, Mailing
from tests.factories import make_post, make_user
from tests.newsletter.conftest import add_subscribers


def _event(by, **fields):
    event = events.create_event(EventInput(**fields), by=by)
    events.publish_event(event, by=by)
    db.session.commit()
    return event


def test_digest_lists_changes_then_upcoming_with_calendar_links(make_app):
    app = make_app()
    with app.test_request_context():
        editor = make_user(Role.EDITOR)
        soon = date.today() + timedelta(days=30)
        teaser = _event(editor, title="Autumn symposium", precision="season", season="autumn",
                        year=soon.year + 1, city="Lincoln")
        dated = _event(editor, title="Practitioner workshop", precision="day", start_date=soon,
                       venue_name="Kingsgate Hall", city="Manchester")
        make_post(editor, title="Old news", published_at=utcnow() - timedelta(days=30))
        services.queue_mailing(services.Composition(
            kind="digest", subject="x", html="x", text="x", covers_from=None,
            covers_until=utcnow(), posts=["earlier"]), by=None)  # an earlier digest: "since" starts now
        db.session.commit()
        since = services.last_digest().covers_until
        new_date = soon + timedelta(days=1)
        events.save_event(teaser, EventInput(title="Autumn symposium", precision="day", start_date=new_date,
                                             city="Lincoln"), by=editor)
        db.session.commit()
        composition = services.compose_digest(now=utcnow() + timedelta(seconds=1))
        assert composition.covers_from == since
        assert not composition.empty  # an event changed, even with no new post
        assert [item["title"] for item in composition.changed_events] == ["Autumn symposium"]
        assert composition.changed_events[0]["changes"]
        assert [item["title"] for item in composition.events] == ["Practitioner workshop"]  # each event once
        assert "What changed" in composition.html and "Coming up" in composition.html
        assert f"http://blog.test/events/{dated.slug}" in composition.html
        assert composition.html.count("Add to calendar") >= 2
        assert "Old news" not in composition.html
        assert "Add to calendar: http://blog.test/" in composition.text


def test_email_this_event_goes_to_event_subscribers(make_app):
    app = make_app()
    with app.test_request_context():
        add_subscribers(1, prefix="digest", receives="digest")
        add_subscribers(1, prefix="events", receives="events")
        add_subscribers(1, prefix="both", receives="both")
        editor = make_user(Role.EDITOR)
        event = _event(editor, title="Open day", precision="month", year=date.today().year + 1, month=5)
        event_id, editor_email = event.id, editor.email
    client = app.test_client()
    client.post("/login", data={"email": editor_email, "password": "correct horse battery"})
    page = client.get("/newsletter/admin/")
    assert b"Open day" in page.data
    assert client.post(f"/newsletter/admin/events/{event_id}/email").status_code == 302
    with app.app_context():
        mailing = db.session.execute(db.select(Mailing)).scalar_one()
        assert mailing.kind == "event" and mailing.subject.startswith("Open day – May")
        emails = sorted(d.subscriber.email for d in db.session.execute(db.select(Delivery)).scalars())
        assert emails == ["both0@example.org", "events0@example.org"]


def test_photos_become_plain_absolute_images_a_column_wide(app):
    figure = ('<figure><picture><source type="image/webp" srcset="/media/a-480.webp 480w, /media/a-960.webp 960w" '
              'sizes="100vw"><img src="/media/a-960.jpg" srcset="/media/a-480.jpg 480w" sizes="100vw" '
              'width="3000" height="2000" loading="lazy" decoding="async" alt="The team"></picture></figure>')
    with app.test_request_context():
        html = services.absolute_urls(figure)
    assert "<source" not in html and "srcset" not in html and "loading" not in html
    assert '<img src="http://blog.test/media/a-960.jpg"' in html
    assert 'width="592" height="395"' in html and 'alt="The team"' in html


def test_digest_stays_under_gmail_clipping(app):
    long_body = "\n\n".join(f"Paragraph {n}: " + "findings and reflections from the workshop " * 30
                            for n in range(40))
    with app.test_request_context():
        author = make_user()
        for n in range(6):
            make_post(author, title=f"Long write-up {n}", body=long_body)
        composition = services.compose_digest(since=utcnow() - timedelta(days=1))
    assert len(composition.html.encode()) <= services.MAX_HTML_BYTES
    assert composition.posts  # the newest are kept, as excerpts with links
    assert "Long write-up 5" in composition.html


def test_a_tagged_announcement_reaches_subscribers_without_interests_or_with_a_matching_one(make_app):
    app = make_app()
    with app.test_request_context():
        everything, workshops, policy, mixed = add_subscribers(4)
        workshops.tags, policy.tags, mixed.tags = "Workshops", "Policy", "policy, WORKSHOPS"
        editor = make_user(Role.EDITOR)
        post = make_post(editor, title="Workshop report", tags=["Workshops", "Events"])
        make_post(editor, title="Another")
        mailing = services.queue_mailing(services.compose_post(post), by=editor)
        db.session.commit()
        emails = sorted(d.subscriber.email for d in db.session.execute(
            db.select(Delivery).where(Delivery.mailing_id == mailing.id)).scalars())
        assert emails == sorted([everything.email, workshops.email, mixed.email])
        # A digest too: "policy" alone gets a version without the workshop report.
        digest = services.queue_mailing(services.compose_digest(), by=editor)
        assert digest.recipient_count == 3
        [version] = [m for m in services.queued_together(digest) if m.id != digest.id]
        assert version.recipient_count == 1 and "Another" in version.body_html
        assert "Workshop report" not in version.body_html
