"""The quote pages, the post editor with the dialog, and a post with cards: valid HTML5 and WCAG 2.1 AA."""
import json
import subprocess

import pytest

from blog.accounts.models import Role
from blog.demo import WRITEUP_SLUG, create_demo_content
from blog.embeds import services
from blog.extensions import db
from tests.factories import PASSWORD, login, make_user

AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']});
  return result.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
}"""


def test_pages_are_valid_html(client, appctx, vnu_command, tmp_path):
    create_demo_content()
    editor = make_user(Role.EDITOR)
    quote = services.snapshot_by_key("nandakumar-circles-reply")
    services.update_snapshot(quote, services.input_from_data(services.snapshot_data(quote)), by=editor)
    db.session.commit()
    login(client, editor)
    urls = ["/editor/posts/new", "/embeds/", "/embeds/new", f"/embeds/{quote.id}",
            f"/embeds/{quote.id}/history", f"/posts/{WRITEUP_SLUG}"]
    files = []
    for number, url in enumerate(urls):
        response = client.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"page{number}.html"
        path.write_bytes(response.data)
        files.append(str(path))
    result = subprocess.run([*vnu_command, "--errors-only", "--format", "json", *files],
                            capture_output=True, text=True, timeout=120)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    assert [f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages] == []


@pytest.mark.browser
def test_editor_dialog_and_cards_pass_axe(live_server, page, axe_source):
    with live_server.app.app_context():
        create_demo_content()
        make_user(Role.AUTHOR, email="writer@example.org")
        db.session.commit()
    page.goto(f"{live_server.url}/posts/{WRITEUP_SLUG}")
    page.evaluate(axe_source)
    assert page.evaluate(AXE_RUN) == []
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill("writer@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/editor/posts/new")
    page.get_by_role("button", name="Social post", exact=True).click()
    page.get_by_role("dialog", name="Quote a social post").wait_for()
    page.evaluate(axe_source)
    assert page.evaluate(AXE_RUN) == []
    page.goto(live_server.url + "/embeds/1")
    page.evaluate(axe_source)
    assert page.evaluate(AXE_RUN) == []
