"""In a real browser: announce a season-only event, confirm its date and venue, follow it everywhere."""
import feedparser
import icalendar
import pytest

from blog.accounts.models import Role
from tests.browsing import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_watch_this_space_event_is_confirmed_and_readers_see_the_update(live_server, page, browser, tmp_path):
    with live_server.app.app_context():
        make_user(Role.AUTHOR, email="organiser@example.org", name="Dr Organiser")

    sign_in(page, live_server.url, "organiser@example.org")
    page.goto(live_server.url + "/editor/")
    page.get_by_role("navigation", name="Editor").get_by_role("link", name="Events").click()
    page.get_by_role("link", name="Announce a new event").click()

    page.get_by_label("Title").fill("netGUARD Symposium")
    page.get_by_label("Summary").fill("Two days of findings. Watch this space!")
    assert page.get_by_label("Season").is_hidden()  # only the fields the precision uses are shown
    page.get_by_label("How well is the date known?").select_option("season")
    assert page.get_by_label("Season").is_visible() and page.get_by_label("Starts").is_hidden()
    page.get_by_label("Season").select_option("spring")
    page.get_by_label("Year").fill("2031")
    page.get_by_label("Town or city").fill("London")
    page.get_by_role("button", name="Save and publish").click()
    page.get_by_text("Published: readers can see this event.").wait_for()

    reader = browser.new_context(accept_downloads=True)
    visitor = reader.new_page()
    visitor.goto(live_server.url + "/events/")
    teaser = visitor.locator(".event-teaser", has_text="netGUARD Symposium")
    assert "Spring 2031, London, details to follow" in teaser.inner_text()
    assert visitor.get_by_role("link", name="Add to calendar").count() == 0

    # Later: the date and the venue are known.
    page.get_by_label("How well is the date known?").select_option("time")
    page.get_by_label("Starts").fill("2031-04-15T09:30")
    page.get_by_label("Ends").fill("2031-04-15T17:00")
    page.get_by_label("Venue", exact=True).fill("Hamilton House")
    page.get_by_label("Status").select_option("confirmed")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved.").wait_for()

    visitor.goto(live_server.url + "/events/")
    visitor.get_by_role("link", name="netGUARD Symposium").click()
    assert visitor.url.endswith("/events/netguard-symposium")
    update = visitor.locator(".event-update").inner_text()
    assert update.startswith("Updated ") and update.endswith(": date confirmed, venue confirmed")
    assert "Tuesday 15 April 2031, 09:30–17:00 BST" in visitor.locator(".event-facts").inner_text()

    feed = visitor.request.get(live_server.url + "/feeds/events.atom")
    parsed = feedparser.parse(feed.body())
    assert not parsed.bozo
    assert parsed.entries[0].title == "netGUARD Symposium: date confirmed, venue confirmed"

    with visitor.expect_download() as download_info:
        visitor.get_by_role("link", name="Add to calendar").click()
    download = download_info.value
    assert download.suggested_filename == "netguard-symposium.ics"
    saved = tmp_path / "event.ics"
    download.save_as(saved)
    (vevent,) = icalendar.Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert str(vevent["summary"]) == "netGUARD Symposium"
    assert str(vevent["status"]) == "CONFIRMED"
    assert vevent.decoded("dtstart").isoformat() == "2031-04-15T08:30:00+00:00"
    assert "Hamilton House" in str(vevent["location"])
    assert int(vevent["sequence"]) >= 2
    assert visitor.context.cookies() == []
    reader.close()
