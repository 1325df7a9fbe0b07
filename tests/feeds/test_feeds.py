"""Feeds round-tripped through feedparser and icalendar, checked against the W3C validator's rules."""
import json
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import feedparser
import icalendar
import pytest
from lxml import etree

from blog.accounts.models import Role
from blog.core.time import UTC, utcnow
from blog.events import services as events
from blog.events.services import EventInput
from blog.extensions import db
from blog.feeds import build
from blog.posts import services as posts
from tests.factories import make_post, make_user

ATOM_NS = "{http://www.w3.org/2005/Atom}"
BODY = ("Our *workshop* at [the venue](/about) with a [friend](https://example.org/x).\n\n"
        "![A room](/site-media/room.png)\n")


@pytest.fixture
def site(appctx):
    okafor = make_user(Role.AUTHOR, name="Dr Amara Okafor", affiliation="University of Northbridge")
    hartley = make_user(Role.AUTHOR, name="Prof Lewis Hartley")
    first = make_post(okafor, title="“Safer Screens” – a workshop", body=BODY, tags=["Workshops", "Events"],
                      published_at=datetime(2025, 3, 14, 10, tzinfo=UTC))
    posts.save_post(first, posts.PostInput(title=first.title, body_markdown=BODY,
                                           author_ids=[okafor.id, hartley.id]),
                    by=okafor, base_version=first.version)
    second = make_post(hartley, title="Findings & next steps", body="Plain <b>text</b> & more.",
                       published_at=datetime(2025, 6, 1, 9, tzinfo=UTC))
    make_post(hartley, title="Unpublished thoughts", published=False)
    db.session.commit()
    return {"okafor": okafor, "hartley": hartley, "first": first, "second": second}


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def _assert_validator_rules_atom(body: bytes, self_url: str):
    root = etree.fromstring(body)
    assert root.tag == f"{ATOM_NS}feed"
    selfs = [l.get("href") for l in root.findall(f"{ATOM_NS}link") if l.get("rel") == "self"]
    assert selfs == [self_url]  # self link matches the address it was fetched from
    assert root.find(f"{ATOM_NS}author/{ATOM_NS}name").text
    for entry in root.findall(f"{ATOM_NS}entry"):
        assert entry.find(f"{ATOM_NS}id").text.startswith("urn:uuid:")
        content = entry.find(f"{ATOM_NS}content")
        assert content.get("type") == "html"
        for tag in ("updated", "published"):
            stamp = entry.find(f"{ATOM_NS}{tag}").text
            assert datetime.fromisoformat(stamp).tzinfo is not None  # RFC 3339 with offset
    return root


def test_posts_rss_round_trip(client, site):
    response = _get(client, "/feeds/posts.rss")
    assert response.content_type == "application/rss+xml; charset=utf-8"
    assert "public" in response.headers["Cache-Control"] and response.headers["ETag"]
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Research Group Blog"
    self_links = [l.href for l in parsed.feed.links if l.rel == "self"]
    assert self_links == ["http://blog.test/feeds/posts.rss"]
    assert [e.title for e in parsed.entries] == ["Findings & next steps", "“Safer Screens” – a workshop"]
    first = parsed.entries[1]
    assert first.link == "http://blog.test/posts/safer-screens-a-workshop"
    assert first.id == f"urn:uuid:{site['first'].uid}" and first.guidislink is False
    assert parsedate_to_datetime(first.published) == datetime(2025, 3, 14, 10, tzinfo=timezone.utc)
    content = first.content[0].value
    assert "<em>workshop</em>" in content
    assert 'href="http://blog.test/about"' in content and 'src="http://blog.test/site-media/room.png"' in content
    assert 'href="https://example.org/x"' in content
    assert [t.term for t in first.tags] == ["Events", "Workshops"]
    root = etree.fromstring(response.data)
    creators = root.findall(".//item")[1].findall("{http://purl.org/dc/elements/1.1/}creator")
    assert [c.text for c in creators] == ["Dr Amara Okafor", "Prof Lewis Hartley"]
    assert "Unpublished" not in response.get_data(as_text=True)


def test_posts_atom_round_trip_and_validator_rules(client, site):
    response = _get(client, "/feeds/posts.atom")
    assert response.content_type == "application/atom+xml; charset=utf-8"
    _assert_validator_rules_atom(response.data, "http://blog.test/feeds/posts.atom")
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo and parsed.version == "atom10"
    entry = parsed.entries[1]
    assert entry.title == "“Safer Screens” – a workshop"
    assert entry.id == f"urn:uuid:{site['first'].uid}"
    assert [a.name for a in entry.authors] == ["Dr Amara Okafor", "Prof Lewis Hartley"]
    assert entry.authors[0].href.startswith("http://blog.test/people/")
    assert entry.content[0].type == "text/html"
    assert "<em>workshop</em>" in entry.content[0].value
    assert entry.summary.startswith("Our workshop at the venue")
    assert datetime(*entry.published_parsed[:6], tzinfo=UTC) == datetime(2025, 3, 14, 10, tzinfo=UTC)
    assert datetime(*entry.updated_parsed[:6], tzinfo=UTC) == site["first"].updated_at.replace(microsecond=0)
    assert [t.term for t in entry.tags] == ["Events", "Workshops"]
    assert entry.tags[0].scheme == "http://blog.test/tags/events"


def test_entry_ids_survive_title_and_slug_changes(client, site):
    first = site["first"]
    before = feedparser.parse(_get(client, "/feeds/posts.atom").data).entries[1].id
    posts.save_post(first, posts.PostInput(title="A new title", body_markdown=BODY, slug="renamed"),
                    by=site["okafor"], base_version=first.version)
    db.session.commit()
    after = feedparser.parse(_get(client, "/feeds/posts.atom").data)
    renamed = next(e for e in after.entries if e.title == "A new title")
    assert renamed.id == before and renamed.link == "http://blog.test/posts/renamed"


def test_json_feed(client, site):
    response = _get(client, "/feeds/posts.json")
    assert response.content_type == "application/feed+json; charset=utf-8"
    feed = json.loads(response.data)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "http://blog.test/feeds/posts.json"
    item = feed["items"][1]
    assert item["id"] == f"urn:uuid:{site['first'].uid}"
    assert item["url"] == "http://blog.test/posts/safer-screens-a-workshop"
    assert item["date_published"] == "2025-03-14T10:00:00Z"
    assert [a["name"] for a in item["authors"]] == ["Dr Amara Okafor", "Prof Lewis Hartley"]
    assert 'src="http://blog.test/site-media/room.png"' in item["content_html"]
    assert item["title"] == "“Safer Screens” – a workshop" and item["tags"] == ["Events", "Workshops"]


def test_tag_and_author_feeds(client, site):
    tagged = feedparser.parse(_get(client, "/feeds/tags/workshops.rss").data)
    assert not tagged.bozo and [e.title for e in tagged.entries] == ["“Safer Screens” – a workshop"]
    assert tagged.feed.link == "http://blog.test/tags/workshops"
    author = _get(client, f"/feeds/authors/{site['hartley'].slug}.atom")
    _assert_validator_rules_atom(author.data, f"http://blog.test/feeds/authors/{site['hartley'].slug}.atom")
    assert len(feedparser.parse(author.data).entries) == 2  # credited on both
    assert client.get("/feeds/tags/nope.atom").status_code == 404
    assert client.get("/feeds/posts.xml").status_code == 404


def test_feed_holds_a_fixed_number_of_newest_posts(client, appctx):
    author = make_user(Role.AUTHOR)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(build.FEED_ITEMS + 5):
        make_post(author, title=f"Post {n}", published_at=start + timedelta(days=n))
    parsed = feedparser.parse(_get(client, "/feeds/posts.atom").data)
    assert len(parsed.entries) == build.FEED_ITEMS
    assert parsed.entries[0].title == f"Post {build.FEED_ITEMS + 4}"


def test_conditional_requests_get_304_until_something_changes(client, site):
    first = _get(client, "/feeds/posts.atom")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/feeds/posts.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert "max-age" in again.headers["Cache-Control"]
    assert client.get("/feeds/posts.atom", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/feeds/posts.rss", headers={"If-None-Match": etag}).status_code == 200  # per address
    make_post(site["okafor"], title="Newer")
    assert client.get("/feeds/posts.atom", headers={"If-None-Match": etag}).status_code == 200


def test_autodiscovery_links_on_pages(client, site):
    html = _get(client, "/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml" title="Research Group Blog (Atom)" href="/feeds/posts.atom">' in html
    assert 'type="application/rss+xml"' in html and 'type="application/feed+json"' in html
    assert 'href="/feeds/events.atom"' in html
    tag_page = _get(client, "/tags/workshops").get_data(as_text=True)
    assert 'href="/feeds/tags/workshops.atom"' in tag_page
    author_page = _get(client, f"/people/{site['hartley'].slug}").get_data(as_text=True)
    assert f'href="/feeds/authors/{site["hartley"].slug}.rss"' in author_page


# --- events ----------------------------------------------------------------------------------

def _publish(by, **fields):
    event = events.create_event(EventInput(**fields), by=by)
    events.publish_event(event, by=by)
    db.session.commit()
    return event


def test_events_atom_entry_updates_when_the_date_is_confirmed(client, appctx):
    author = make_user(Role.AUTHOR)
    teaser = _publish(author, title="Symposium", precision="season", season="autumn", year=2031, city="London",
                      tag_names=["Events"])
    teaser.updated_at -= timedelta(minutes=5)  # so the move is visible at the feed's 1 s resolution
    teaser.published_at -= timedelta(minutes=5)
    db.session.commit()
    response = _get(client, "/feeds/events.atom")
    _assert_validator_rules_atom(response.data, "http://blog.test/feeds/events.atom")
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo
    entry = parsed.entries[0]
    assert entry.id == f"urn:uuid:{teaser.uid}" and entry.title == "Symposium"
    assert entry.summary == "Autumn 2031, London, details to follow"
    assert entry.link == "http://blog.test/events/symposium"
    first_updated = entry.updated_parsed

    events.save_event(teaser, EventInput(title="Symposium", precision="day", start_date=date(2031, 10, 9),
                                         city="London", venue_name="Hamilton House", status="confirmed"),
                      by=author)
    db.session.commit()
    entry = feedparser.parse(_get(client, "/feeds/events.atom").data).entries[0]
    assert entry.id == f"urn:uuid:{teaser.uid}"
    assert entry.title == "Symposium: date confirmed, venue confirmed"
    assert entry.updated_parsed > first_updated
    assert "Updated" in entry.content[0].value and "Thursday 9 October 2031" in entry.content[0].value
    assert "http://blog.test/events/symposium.ics" in entry.content[0].value


def test_calendar_round_trip_sequence_status_and_undated_left_out(client, appctx):
    author = make_user(Role.AUTHOR)
    timed = _publish(author, title="Practitioner day", precision="time", timezone="Europe/London",
                     start_local=datetime(2031, 3, 20, 9, 30), end_local=datetime(2031, 3, 20, 17),
                     venue_name="Riverside Centre", city="Leeds", status="confirmed", tag_names=["Events"])
    allday = _publish(author, title="Open day", precision="day", start_date=date(2031, 4, 1),
                      end_date=date(2031, 4, 2), tag_names=["Open"])
    teaser = _publish(author, title="Someday", precision="season", season="spring", year=2032)
    response = _get(client, "/feeds/events.ics")
    assert response.content_type == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    vevents = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(vevents) == {"Practitioner day", "Open day"}  # the season-only teaser is left out
    day = vevents["Practitioner day"]
    assert str(day["uid"]) == f"{timed.uid}@blog.test"
    assert day.decoded("dtstart") == datetime(2031, 3, 20, 9, 30, tzinfo=UTC)  # GMT before 30 March
    assert day.decoded("dtend") == datetime(2031, 3, 20, 17, tzinfo=UTC)
    assert str(day["status"]) == "CONFIRMED" and str(day["location"]) == "Riverside Centre, Leeds"
    assert int(day["sequence"]) == timed.sequence
    open_day = vevents["Open day"]
    assert open_day.decoded("dtstart") == date(2031, 4, 1) and open_day.decoded("dtend") == date(2031, 4, 3)
    assert str(open_day["status"]) == "TENTATIVE"

    sequence = int(day["sequence"])
    events.set_status(timed, "cancelled", by=author)
    events.save_event(teaser, EventInput(title="Someday", precision="day", start_date=date(2032, 4, 2)), by=author)
    db.session.commit()
    calendar = icalendar.Calendar.from_ical(_get(client, "/feeds/events.ics").data)
    vevents = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert str(vevents["Practitioner day"]["status"]) == "CANCELLED"
    assert int(vevents["Practitioner day"]["sequence"]) == sequence + 1
    assert str(vevents["Practitioner day"]["uid"]) == f"{timed.uid}@blog.test"
    assert "Someday" in vevents  # appears once it has a day

    per_tag = icalendar.Calendar.from_ical(_get(client, "/feeds/tags/open/events.ics").data)
    assert [str(e["summary"]) for e in per_tag.walk("VEVENT")] == ["Open day"]
    one = _get(client, f"/events/{allday.slug}.ics")
    assert one.headers["Content-Disposition"] == 'attachment; filename="open-day.ics"'
    assert [str(e["uid"]) for e in icalendar.Calendar.from_ical(one.data).walk("VEVENT")] == \
        [f"{allday.uid}@blog.test"]


def test_calendar_times_are_exact_across_daylight_saving(client, appctx):
    author = make_user(Role.AUTHOR)
    _publish(author, title="Summer talk", precision="time", timezone="Europe/London",
             start_local=datetime(2031, 7, 1, 18))
    _publish(author, title="New York talk", precision="time", timezone="America/New_York",
             start_local=datetime(2031, 11, 10, 9))
    calendar = icalendar.Calendar.from_ical(_get(client, "/feeds/events.ics").data)
    starts = {str(e["summary"]): e.decoded("dtstart") for e in calendar.walk("VEVENT")}
    assert starts["Summer talk"] == datetime(2031, 7, 1, 17, tzinfo=UTC)
    assert starts["New York talk"] == datetime(2031, 11, 10, 14, tzinfo=UTC)


def test_event_feeds_answer_304(client, appctx):
    author = make_user(Role.AUTHOR)
    event = _publish(author, title="Talk", precision="day", start_date=utcnow().date() + timedelta(days=30))
    for url in ("/feeds/events.atom", "/feeds/events.ics", f"/events/{event.slug}.ics", "/events/"):
        first = _get(client, url)
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304, url


def test_feature_photo_is_the_enclosure_the_social_card_and_the_json_ld_image(client, site):
    from blog.media import services as media
    from blog.media.storage import get_storage
    from tests.media.images import photo

    stored = media.store_photo(photo(2000, 1000), "hall.jpg", by=site["okafor"])
    stored.alt_text = "Attendees around a table"
    media.set_feature_photo(site["first"], stored.key, by=site["okafor"])
    db.session.commit()
    image = media.shared_image(stored)
    assert image.url.startswith("http://blog.test/media/photos/") and image.width == 1600
    assert image.length == len(get_storage().read(image.url.rsplit("/", 1)[-1]))

    rss = feedparser.parse(_get(client, "/feeds/posts.rss").data)
    entry = next(e for e in rss.entries if e.title == site["first"].title)
    assert entry.enclosures == [{"href": image.url, "length": str(image.length), "type": "image/jpeg"}]
    atom = feedparser.parse(_get(client, "/feeds/posts.atom").data)
    entry = next(e for e in atom.entries if e.title == site["first"].title)
    assert [link.href for link in entry.links if link.rel == "enclosure"] == [image.url]
    item = next(i for i in json.loads(_get(client, "/feeds/posts.json").data)["items"]
                if i["title"] == site["first"].title)
    assert item["image"] == image.url and item["attachments"][0]["size_in_bytes"] == image.length

    page = _get(client, f"/posts/{site['first'].slug}").get_data(as_text=True)
    assert f'<meta property="og:image" content="{image.url}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert '<meta property="og:image:alt" content="Attendees around a table">' in page
    json_ld = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert json_ld["image"] == {"@type": "ImageObject", "url": image.url, "width": 1600, "height": 800}
    other = _get(client, f"/posts/{site['second'].slug}").get_data(as_text=True)
    assert "og:image" not in other and '<meta name="twitter:card" content="summary">' in other
