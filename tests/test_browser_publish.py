"""In a real browser: sign in, write a post with formatting, publish it, read it as a visitor."""
import pytest

from blog.accounts.models import Role
from tests.browsing import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_author_writes_and_publishes_a_post_a_reader_then_reads(live_server, page, browser):
    with live_server.app.app_context():
        make_user(Role.AUTHOR, email="writer@example.org", name="Dr Writer")

    sign_in(page, live_server.url, "writer@example.org")
    page.get_by_role("link", name="Write a new post").click()

    page.get_by_label("Title").fill("“Internet-based Harm” – a workshop")
    page.get_by_role("textbox", name="Body", exact=True).click()
    # Markdown shortcuts while typing, then the toolbar's pull quote around the last paragraph.
    page.keyboard.type("A day with *netGUARD* and **partners**.\nHope matters.")
    page.get_by_role("button", name="Pull quote").click()
    page.keyboard.type("A. Speaker")
    assert page.locator("textarea#body").input_value() == \
        "A day with *netGUARD* and **partners**.\n\n> Hope matters.\n>\n> — A. Speaker\n"
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published.").wait_for()

    reader = browser.new_context()
    visitor = reader.new_page()
    visitor.goto(live_server.url + "/")
    visitor.get_by_role("link", name="“Internet-based Harm” – a workshop").click()
    assert visitor.url.endswith("/posts/internet-based-harm-a-workshop")
    assert visitor.title().startswith("“Internet-based Harm” – a workshop")
    assert visitor.locator("article em", has_text="netGUARD").count() == 1
    assert visitor.locator("article strong", has_text="partners").count() == 1
    assert visitor.locator("figure.pullquote figcaption").inner_text() == "— A. Speaker"
    assert visitor.context.cookies() == []  # a reader gets no cookie at all
    reader.close()
