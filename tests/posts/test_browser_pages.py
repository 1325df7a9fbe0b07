"""In a real browser: an admin writes a page, publishes it, puts it in the menu; a reader finds it there."""
import pytest

from blog.accounts.models import Role
from blog.extensions import db
from blog.site import services as site
from tests.browsing import sign_in
from tests.factories import make_page, make_user

pytestmark = pytest.mark.browser


def test_a_page_written_in_the_editor_is_at_its_address_and_in_the_menu(live_server, page, browser,
                                                                          html_errors, axe_violations):
    with live_server.app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org", name="Site Admin")
        site.ensure_default_menu(make_page(admin, title="About", body="Who *we* are."))
        db.session.commit()

    sign_in(page, live_server.url, "admin@example.org")
    page.goto(live_server.url + "/editor/pages/")
    page.get_by_role("link", name="New page").click()
    page.get_by_label("Title").fill("Join us")
    page.get_by_role("textbox", name="Body", exact=True).click()
    page.keyboard.type("We welcome *doctoral* students.")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published.").wait_for()
    assert page.get_by_role("heading", name="Edit page").count() == 1

    page.goto(live_server.url + "/admin/settings")
    page.get_by_role("link", name="Edit the menu…").click()
    page.get_by_label("Links to").select_option("page")
    page.get_by_label("Page", exact=True).select_option(label="Join us")
    page.get_by_role("button", name="Add to the menu").click()
    page.get_by_text("Menu item added.").wait_for()
    page.get_by_role("button", name="Up: Join us").click()
    page.get_by_text("“Join us” moved up.").wait_for()
    menu_html = page.content()
    menu_violations = axe_violations(page)

    reader = browser.new_context()
    visitor = reader.new_page()
    visitor.goto(live_server.url + "/")
    visitor.get_by_role("navigation", name="Main").get_by_role("link", name="Join us").click()
    assert visitor.url == live_server.url + "/join-us"
    assert visitor.locator("article em", has_text="doctoral").count() == 1
    assert visitor.locator("main time").count() == 0
    assert visitor.locator('nav[aria-label="Main"] a[aria-current="page"]').inner_text() == "Join us"
    assert visitor.locator('nav[aria-label="Main"] a').all_inner_texts()[:4] == ["Posts", "Events", "Join us", "About"]
    page_violations = axe_violations(visitor)
    errors = html_errors({"page": visitor.content(), "menu settings": menu_html})
    reader.close()
    assert errors == []
    assert page_violations == [] and menu_violations == []
