"""In a real browser: the link dialog finds a person and an event through the site's search (the
last word as a prefix, the words found marked), and the header's box leads to /search on a phone."""
from __future__ import annotations

from blog.accounts.models import Role
from blog.events import services as events
from blog.extensions import db
from tests.editor.rich import BODY, markdown, open_editor, settle
from tests.editor.test_rich_editor import button, select_text
from tests.factories import make_post, make_user


def test_link_dialog_searches_people_and_events_and_the_header_box_works_at_390_px(live_server, page):
    with live_server.app.app_context():
        writer = make_user(Role.EDITOR, email="w@example.org", name="Dr Writer")
        make_user(Role.AUTHOR, name="Ingrid Moraine")
        seminar = events.create_event(events.EventInput(title="Moraine dating seminar", summary="Talks."), by=writer)
        events.publish_event(seminar, by=writer)
        events.create_event(events.EventInput(title="Moraine draft evening"), by=writer)  # never published
        make_post(writer, title="Moraine field notes", body="Boulders.")
        db.session.commit()
    open_editor(page, live_server.url, "w@example.org")
    page.locator(BODY).click()
    page.keyboard.type("Ask our colleague about it.")
    select_text(page, "our colleague")
    button(page, "Link").click()
    dialog = page.get_by_role("dialog", name="Link")
    dialog.get_by_label("Search this site").fill("morai")
    results = dialog.locator("#link-results button")
    results.first.wait_for()
    labels = results.all_text_contents()
    assert sorted(labels) == sorted(["Ingrid Moraine person", "Moraine dating seminar event",
                                     "Moraine field notes post"])
    assert dialog.locator("#link-results mark").first.text_content() == "Moraine"
    dialog.get_by_role("button", name="Ingrid Moraine person").click()
    dialog.wait_for(state="hidden")
    assert markdown(page) == "Ask [our colleague](/people/ingrid-moraine) about it."
    select_text(page, "about it")
    button(page, "Link").click()
    dialog.get_by_label("Search this site").fill("dating sem")
    dialog.get_by_role("button", name="Moraine dating seminar event").click()
    dialog.wait_for(state="hidden")
    assert "[about it](/events/moraine-dating-seminar)" in markdown(page)
    settle(page)

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url + "/")
    box = page.get_by_role("searchbox", name="Search this site")
    assert box.is_visible() and box.bounding_box()["x"] + box.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box.fill("boulders")
    box.press("Enter")
    page.wait_for_url("**/search?q=boulders")
    result = page.locator(".search-result").first
    assert result.locator("h3 a").text_content() == "Moraine field notes"
    assert result.locator("mark").first.text_content() == "Boulders"
