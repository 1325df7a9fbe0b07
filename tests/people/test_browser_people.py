"""In a real browser: a co-author added from the editor with the keyboard, and the people and
publications pages valid and accessible."""
import pytest

from blog.accounts.models import Role
from blog.extensions import db
from blog.people import services
from tests.browsing import sign_in
from tests.editor.rich import BODY, settle, wait_until_editor_ready
from tests.factories import make_user
from tests.people.test_services import GOOD_BIB

pytestmark = pytest.mark.browser


def test_a_byline_only_co_author_is_added_from_the_editor_with_the_keyboard(live_server, page, axe_violations):
    with live_server.app.app_context():
        make_user(Role.AUTHOR, email="writer@example.org", name="Dr Writer")

    sign_in(page, live_server.url, "writer@example.org")
    page.goto(live_server.url + "/editor/posts/new")
    wait_until_editor_ready(page)
    page.get_by_label("Title", exact=True).fill("Written together")
    page.locator(BODY).click()
    page.keyboard.type("Two of us wrote this.")

    opener = page.get_by_role("button", name="New co-author…")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="New co-author")
    dialog.wait_for()
    assert axe_violations(page) == []
    page.keyboard.type("Ada Lovelace")  # the name field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("Analytical Society")
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('new-co-author')")
    chosen = page.locator("#authors option:checked").all_inner_texts()
    assert chosen == ["Dr Writer", "Ada Lovelace (Analytical Society)"]

    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published").first.wait_for()
    settle(page)
    page.goto(live_server.url + "/posts/written-together")
    byline = page.locator(".byline-authors").inner_text()
    assert "Dr Writer" in byline and "Ada Lovelace" in byline
    page.locator(".byline-authors").get_by_role("link", name="Ada Lovelace").click()
    page.wait_for_url("**/people/ada-lovelace")
    assert "Written together" in page.locator("main").inner_text()
    with live_server.app.app_context():
        from blog.accounts.models import User
        ada = db.session.execute(db.select(User).where(User.slug == "ada-lovelace")).scalar_one()
        assert ada.is_byline_only and ada.affiliation == "Analytical Society"


def test_people_and_publication_pages_are_valid_and_accessible(live_server, page, html_errors, axe_violations):
    with live_server.app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org", name="Grace Hopper")
        guest = services.add_byline_person("Ada Lovelace", "Analytical Society", by=admin)
        for person, role in ((admin, "Principal investigator"), (guest, "Visiting scholar")):
            services.update_person(person, services.ProfileInput(
                display_name=person.display_name, affiliation="Analytical Society", ror="03yrm5c26",
                orcid="0000-0002-1825-0097", group_role=role, bio="Works on engines.",
                links="https://example.org/page"), by=admin)
        services.import_bibtex(GOOD_BIB, by=admin)
        db.session.commit()
        guest_id, guest_slug, admin_slug = guest.id, guest.slug, admin.slug

    sign_in(page, live_server.url, "admin@example.org")
    pages = {}
    for path in ("/people/", f"/people/{guest_slug}", f"/people/{admin_slug}", "/publications/",
                 "/publications/?year=1843", "/admin/people/group", f"/admin/people/{guest_id}/page",
                 "/admin/publications"):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
        pages[path] = page.content()
    assert html_errors(pages) == []
