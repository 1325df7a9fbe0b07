"""Listings (home, tag pages, /events/) show what is coming up and write-ups, with their photos."""
import re
from datetime import date

import pytest

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.events import services as events
from blog.events.services import EventInput
from blog.extensions import db
from blog.media import services as media
from tests.factories import make_post, make_user
from tests.media.images import photo


@pytest.fixture
def listed(appctx):
    editor = make_user(Role.EDITOR)
    picture = media.store_photo(photo(1600, 1000), "hall.jpg", by=editor)
    media.update_photo(picture, by=editor, alt_text="People at round tables in a hall")
    post = make_post(editor, title="Workshop write-up", tags=["Workshops"])
    media.set_feature_photo(post, picture.key, by=editor)
    make_post(editor, title="A post without a photo", tags=["Workshops"])
    year = utcnow().year + 1
    tagged = events.create_event(EventInput(title="Tagged seminar", precision="month", year=year, month=3,
                                            timezone="Europe/London", tag_names=["Workshops"]), by=editor)
    other = events.create_event(EventInput(title="Other seminar", precision="month", year=year, month=4,
                                           timezone="Europe/London"), by=editor)
    held = events.create_event(EventInput(title="Held workshop", precision="day", timezone="Europe/London",
                                          start_date=date(2025, 3, 12), status="held"), by=editor)
    for event in (tagged, other, held):
        events.publish_event(event, by=editor)
    tagged.photo = picture
    events.link_post_to_event(post, held, by=editor)
    db.session.commit()
    return picture


def _cards(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<article class="{css_class}[^"]*">.*?</article>', html, re.S)


def _assert_responsive_photo(card: str, picture) -> None:
    img = re.search(r"<img [^>]+>", card).group(0)
    assert 'srcset="' in img and 'sizes="' in img and 'alt="People at round tables in a hall"' in img
    width, height = (int(re.search(rf'{name}="(\d+)"', img).group(1)) for name in ("width", "height"))
    assert (width, height) in {(v["width"], v["height"]) for v in picture.variant_list("jpeg")}


def test_home_shows_coming_up_and_write_ups_with_their_photos(client, listed):
    html = client.get("/").get_data(as_text=True)
    assert "Coming up" in html
    [with_photo] = [c for c in _cards(html, "post-card") if "Workshop write-up" in c]
    _assert_responsive_photo(with_photo, listed)
    [without] = [c for c in _cards(html, "post-card") if "without a photo" in c]
    assert "<img" not in without
    [event_card] = [c for c in _cards(html, "event-card") if "Tagged seminar" in c]
    _assert_responsive_photo(event_card, listed)


def test_tag_page_shows_the_tags_coming_events_and_write_ups(client, listed):
    html = client.get("/tags/workshops").get_data(as_text=True)
    assert "Coming up" in html and "Tagged seminar" in html and "Other seminar" not in html
    [with_photo] = [c for c in _cards(html, "post-card") if "Workshop write-up" in c]
    _assert_responsive_photo(with_photo, listed)


def test_events_page_shows_write_ups_with_their_photos(client, listed):
    html = client.get("/events/").get_data(as_text=True)
    assert "Tagged seminar" in html and "Other seminar" in html
    writeups = html.split('id="writeups-heading"', 1)[1]
    [card] = _cards(writeups, "post-card")
    assert "Workshop write-up" in card
    _assert_responsive_photo(card, listed)
