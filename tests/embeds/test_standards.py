"""The quote pages, the post editor with the dialog, and a post with cards: valid HTML5 and WCAG 2.1 AA."""
import pytest

from blog.accounts.models import Role
from blog.demo import WRITEUP_SLUG, create_demo_content
from blog.embeds import services
from blog.extensions import db
from tests.browsing import sign_in
from tests.factories import login, make_user


def test_pages_are_valid_html(client, appctx, html_errors):
    create_demo_content()
    editor = make_user(Role.EDITOR)
    quote = services.snapshot_by_key("nandakumar-circles-reply")
    services.update_snapshot(quote, services.input_from_data(services.snapshot_data(quote)), by=editor)
    db.session.commit()
    login(client, editor)
    urls = ["/editor/posts/new", "/embeds/", "/embeds/new", f"/embeds/{quote.id}",
            f"/embeds/{quote.id}/history", f"/posts/{WRITEUP_SLUG}"]
    pages = {url: client.get(url) for url in urls}
    assert {url: r.status_code for url, r in pages.items()} == {url: 200 for url in urls}
    assert html_errors({url: response.data for url, response in pages.items()}) == []

@pytest.mark.browser
def test_editor_dialog_and_cards_pass_axe(live_server, page, axe_violations):
    with live_server.app.app_context():
        create_demo_content()
        make_user(Role.AUTHOR, email="writer@example.org")
        db.session.commit()
    page.goto(f"{live_server.url}/posts/{WRITEUP_SLUG}")
    assert axe_violations(page) == []
    sign_in(page, live_server.url, "writer@example.org")
    page.goto(live_server.url + "/editor/posts/new")
    page.get_by_role("button", name="Social post", exact=True).click()
    page.get_by_role("dialog", name="Quote a social post").wait_for()
    assert axe_violations(page) == []
    page.goto(live_server.url + "/embeds/1")
    assert axe_violations(page) == []
