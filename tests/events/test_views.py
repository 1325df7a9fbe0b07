"""Event pages, the event editor and the post editor's "Linked event" through the test client."""
import json
import re
from datetime import date, datetime, timedelta

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.events import services
from blog.events.models import Event
from blog.events.services import EventInput, PersonInput
from blog.extensions import db
from tests.factories import login, make_post, make_user


def _publish(by, **fields):
    event = services.create_event(EventInput(**fields), by=by)
    services.publish_event(event, by=by)
    db.session.commit()
    return event


def _json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_events_page_lists_dated_events_then_teasers(client, appctx):
    author = make_user(Role.AUTHOR)
    soon = utcnow().date() + timedelta(days=20)
    _publish(author, title="Spring symposium", precision="season", season="spring", year=soon.year + 2,
             city="London")
    _publish(author, title="Open day", precision="day", start_date=soon, venue_name="Hall", city="Leeds")
    _publish(author, title="Long ago", precision="day", start_date=date(2020, 5, 1))
    services.create_event(EventInput(title="Secret draft"), by=author)
    db.session.commit()
    html = client.get("/events/").get_data(as_text=True)
    assert html.index("Open day") < html.index("Watch this space") < html.index("Spring symposium")
    assert f"Spring {soon.year + 2}, London, details to follow" in html
    assert "Long ago" not in html and "Secret draft" not in html
    past = client.get("/events/past").get_data(as_text=True)
    assert "Long ago" in past and 'href="/events/past/2020"' in past
    assert "Long ago" in client.get("/events/past/2020").get_data(as_text=True)
    assert client.get("/events/past/2019").status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert "Coming up" in home and home.index("Open day") < home.index("Spring symposium")
    assert 'href="/events/"' in home  # the nav link


def test_event_page_shows_update_json_ld_and_calendar_link(client, appctx):
    author = make_user(Role.AUTHOR)
    event = _publish(author, title="Practitioner day", precision="month", year=2031, month=5, city="Leeds",
                     people=[PersonInput("Dr A. Okafor", "Northbridge", "organiser"),
                             PersonInput("Dr P. Natarajan", "Children's Trust", "speaker")])
    page = client.get("/events/practitioner-day").get_data(as_text=True)
    assert "May 2031, details to follow" in page
    assert "Add to calendar" not in page
    assert client.get("/events/practitioner-day.ics").status_code == 404
    data = _json_ld(page)
    assert data["@type"] == "Event" and data["startDate"] == "2031-05"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"

    services.save_event(event, EventInput(title="Practitioner day", precision="time",
                                          start_local=datetime(2031, 5, 20, 9, 30),
                                          end_local=datetime(2031, 5, 20, 17), city="Leeds",
                                          venue_name="Riverside Centre", online_url="https://meet.example.org/d",
                                          status="confirmed"), by=author)
    db.session.commit()
    page = client.get("/events/practitioner-day").get_data(as_text=True)
    today = utcnow().strftime("%-d %B")
    assert "Updated <time datetime=" in page and f">{today}</time>: date confirmed, venue confirmed" in page
    assert 'href="/events/practitioner-day.ics"' in page and "Add to calendar" in page
    assert "Dr P. Natarajan, Children&#39;s Trust" in page
    data = _json_ld(page)
    assert data["startDate"] == "2031-05-20T09:30:00+01:00" and data["endDate"] == "2031-05-20T17:00:00+01:00"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["location"][0]["name"] == "Riverside Centre"
    assert data["location"][1] == {"@type": "VirtualLocation", "url": "https://meet.example.org/d"}
    assert data["organizer"][0]["name"] == "Dr A. Okafor" and data["performer"][0]["name"] == "Dr P. Natarajan"

    services.set_status(event, "cancelled", by=author)
    db.session.commit()
    data = _json_ld(client.get("/events/practitioner-day").get_data(as_text=True))
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


def test_held_event_leads_to_its_writeup_and_writeup_shows_event(client, appctx):
    author = make_user(Role.AUTHOR)
    event = _publish(author, title="The workshop", precision="day", start_date=date(2025, 3, 12),
                     venue_name="Kingsgate Hall", city="Manchester", status="held")
    post = make_post(author, title="How the workshop went")
    services.link_post_to_event(post, event, by=author)
    db.session.commit()
    page = client.get("/events/the-workshop").get_data(as_text=True)
    assert "This event has taken place" in page
    assert 'href="/posts/how-the-workshop-went"' in page and "Read the write-up" in page
    writeup = client.get("/posts/how-the-workshop-went").get_data(as_text=True)
    assert 'href="/events/the-workshop"' in writeup
    assert "Wednesday 12 March 2025, Kingsgate Hall, Manchester" in writeup


def test_unpublished_and_unknown_events_are_404(client, appctx):
    author = make_user(Role.AUTHOR)
    services.create_event(EventInput(title="Draft event"), by=author)
    db.session.commit()
    assert client.get("/events/draft-event").status_code == 404
    assert client.get("/events/nothing-here").status_code == 404


def test_reserved_slugs_are_not_given_to_events(appctx):
    event = services.create_event(EventInput(title="Past"), by=make_user(Role.AUTHOR))
    assert event.slug == "past-2"


def test_author_creates_confirms_and_publishes_in_the_editor(client, appctx):
    author = make_user(Role.AUTHOR)
    login(client, author)
    response = client.post("/events/editor/new", data={
        "title": "Autumn symposium", "precision": "season", "season": "autumn", "year": "2031",
        "timezone": "Europe/London", "city": "London", "status": "announced", "month": "0",
        "organisers": "Dr A. Okafor, University of Northbridge\n", "speakers": "", "tags": "Events",
        "action": "publish",
    })
    assert response.status_code == 302
    event = db.session.execute(db.select(Event)).scalar_one()
    assert event.is_published and services.display_line(event) == "Autumn 2031, London, details to follow"
    assert [(p.name, p.affiliation) for p in event.organisers] == [("Dr A. Okafor", "University of Northbridge")]
    form = client.get(f"/events/editor/{event.id}").get_data(as_text=True)
    assert 'value="London"' in form and "Autumn symposium" in form
    response = client.post(f"/events/editor/{event.id}", data={
        "title": "Autumn symposium", "precision": "time", "start": "2031-10-30T09:30", "end": "2031-10-30T17:00",
        "timezone": "Europe/London", "city": "London", "venue_name": "Hamilton House", "status": "confirmed",
        "month": "0", "base_sequence": str(event.sequence), "action": "save",
    })
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.changes[0].summary == "date confirmed, venue confirmed"
    assert event.starts_at == datetime(2031, 10, 30, 9, 30, tzinfo=event.starts_at.tzinfo)  # GMT by then
    stale = client.post(f"/events/editor/{event.id}", data={
        "title": "Old copy", "precision": "tba", "timezone": "Europe/London", "status": "confirmed", "month": "0",
        "base_sequence": "1", "action": "save"})
    assert stale.status_code == 409 and "Someone else saved this event" in stale.get_data(as_text=True)
    listing = client.get("/events/editor/").get_data(as_text=True)
    assert "Autumn symposium" in listing


def test_editor_form_errors_are_shown(client, appctx):
    login(client, make_user(Role.AUTHOR))
    response = client.post("/events/editor/new", data={
        "title": "Bad", "precision": "time", "start": "tomorrow", "timezone": "Europe/London",
        "status": "announced", "month": "0"})
    assert response.status_code == 400
    assert "is not a date and time" in response.get_data(as_text=True)
    response = client.post("/events/editor/new", data={
        "title": "Bad", "precision": "tba", "timezone": "Nowhere/City", "status": "announced", "month": "0"})
    assert response.status_code == 400 and "Unknown time zone" in response.get_data(as_text=True)


def test_contributor_drafts_but_cannot_publish_or_confirm(client, appctx):
    contributor = make_user(Role.CONTRIBUTOR)
    login(client, contributor)
    page = client.get("/events/editor/new").get_data(as_text=True)
    assert "Save and publish" not in page and 'value="confirmed"' not in page
    response = client.post("/events/editor/new", data={
        "title": "An idea", "precision": "tba", "timezone": "Europe/London", "status": "announced", "month": "0",
        "action": "publish"})
    assert response.status_code == 403
    response = client.post("/events/editor/new", data={
        "title": "An idea", "precision": "tba", "timezone": "Europe/London", "status": "announced", "month": "0",
        "action": "save"})
    assert response.status_code == 302
    event = db.session.execute(db.select(Event)).scalar_one()
    assert not event.is_published
    other = make_user(Role.CONTRIBUTOR)
    client.post("/logout")
    login(client, other)
    assert client.get(f"/events/editor/{event.id}").status_code == 403
    assert client.get("/events/editor/").status_code == 200


def test_readers_cannot_use_the_event_editor(client, appctx):
    assert client.get("/events/editor/").status_code == 302  # to sign in
    assert client.get("/events/editor/new").status_code == 302


def test_post_editor_links_a_post_to_an_event(client, appctx):
    author = make_user(Role.AUTHOR)
    event = _publish(author, title="The workshop", precision="day", start_date=date(2025, 3, 12))
    login(client, author)
    page = client.get("/editor/posts/new").get_data(as_text=True)
    assert '<label for="event_id">Linked event</label>' in page
    assert f'<option value="{event.id}">The workshop (Wednesday 12 March 2025)</option>' in page
    response = client.post("/editor/posts/new", data={
        "title": "Write-up", "body": "Text", "authors": [str(author.id)], "event_id": str(event.id),
        "action": "save"})
    assert response.status_code == 302
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    from blog.posts.models import Post
    post = db.session.get(Post, post_id)
    assert services.event_for_post(post) == event
    page = client.get(f"/editor/posts/{post_id}").get_data(as_text=True)
    assert f'<option value="{event.id}" selected>' in page
    client.post(f"/editor/posts/{post_id}", data={
        "title": "Write-up", "body": "Text", "authors": [str(author.id)], "event_id": "",
        "base_version": str(post.version), "action": "save"})
    db.session.expire_all()
    assert services.event_for_post(db.session.get(Post, post_id)) is None


def test_sitemap_lists_event_pages(client, appctx):
    _publish(make_user(Role.AUTHOR), title="Open day", precision="day", start_date=date(2031, 1, 2))
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "http://blog.test/events/open-day" in sitemap and "http://blog.test/events/" in sitemap


def test_draft_event_preview_for_its_editors_only(client, appctx):
    author = make_user(Role.AUTHOR)
    event = services.create_event(EventInput(title="Draft event", precision="month", year=2031, month=5),
                                  by=author)
    db.session.commit()
    assert client.get(f"/events/editor/{event.id}/preview").status_code == 302
    login(client, make_user(Role.AUTHOR))
    assert client.get(f"/events/editor/{event.id}/preview").status_code == 403
    client.post("/logout")
    login(client, author)
    response = client.get(f"/events/editor/{event.id}/preview")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    page = response.get_data(as_text=True)
    assert "a draft, readers cannot see this page" in page and '<meta name="robots" content="noindex">' in page
    assert "May 2031, details to follow" in page


def test_an_event_photo_is_chosen_in_the_editor_and_shown_and_shared(client, appctx):
    from blog.media import services as media
    from tests.media.images import photo

    author = make_user(Role.AUTHOR)
    hall = media.store_photo(photo(2000, 1200), "hall.jpg", by=author)
    media.update_photo(hall, alt_text="Kingsgate Hall from the street", caption="The venue", credit="", by=author)
    db.session.commit()
    login(client, author)
    form = client.get("/events/editor/new").get_data(as_text=True)
    assert f'<option value="{hall.key}">' in form
    response = client.post("/events/editor/new", data={
        "title": "Practitioner day", "precision": "day", "start_day": "2031-05-20", "timezone": "Europe/London",
        "status": "confirmed", "month": "0", "photo": hall.key, "action": "publish"})
    assert response.status_code == 302
    event = db.session.execute(db.select(Event)).scalar_one()
    assert event.photo == hall

    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert 'alt="Kingsgate Hall from the street"' in page and "<figcaption>" in page
    image = media.shared_image(hall)
    assert f'<meta property="og:image" content="{image.url}">' in page
    assert _json_ld(page)["image"] == [image.url]

    with_photo = client.get(f"/events/editor/{event.id}").get_data(as_text=True)
    assert f'<option selected value="{hall.key}">' in with_photo or f'<option value="{hall.key}" selected>' in with_photo
    bad = client.post(f"/events/editor/{event.id}", data={
        "title": "Practitioner day", "precision": "day", "start_day": "2031-05-20", "timezone": "Europe/London",
        "status": "confirmed", "month": "0", "photo": "no-such-photo", "base_sequence": str(event.sequence),
        "action": "save"})
    assert bad.status_code == 400 and "not in the photo library" in bad.get_data(as_text=True)
