"""The pages this feature adds or changes are valid HTML5 (Nu HTML Checker) and pass axe in Chromium."""
from __future__ import annotations

import pytest

from blog.accounts.models import Role
from blog.extensions import db
from blog.media import services
from tests.browsing import sign_in
from tests.factories import make_post, make_user
from tests.media.images import photo


def _site(app):
    with app.app_context():
        editor = make_user(Role.EDITOR, email="editor@example.org")
        first = services.store_photo(photo(), "first.jpg", by=editor)
        second = services.store_photo(photo(800, 800), "second.png", by=editor)
        services.update_photo(first, by=editor, alt_text="A hall", caption="The *hall*", credit="Jo")
        services.update_photo(second, by=editor, alt_text="A square", caption="Square")
        post = make_post(editor, body=f"Text.\n\n[[photo:{first.key}]]\n\n[[gallery:{first.key},{second.key}]]")
        services.set_feature_photo(post, second.key, by=editor)
        draft = make_post(editor, title="Draft", published=False, body=f"[[photo:{second.key}]]")
        db.session.commit()
        return editor.email, post.slug, post.id, draft.id


def test_media_and_editor_pages_are_valid_html(make_app, html_errors):
    app = make_app()
    email, slug, post_id, draft_id = _site(app)
    client = app.test_client()
    pages = {"post": client.get(f"/posts/{slug}")}
    client.post("/login", data={"email": email, "password": "correct horse battery"})
    pages.update({
        "edit": client.get(f"/editor/posts/{draft_id}"),
        "new": client.get("/editor/posts/new"),
        "library": client.get("/media/"),
        "library-search": client.get("/media/?q=hall"),
        "conflict": client.post(f"/editor/posts/{draft_id}", data={"title": "x", "body": "y", "base_version": 0}),
    })
    for name, response in pages.items():
        assert response.status_code in (200, 409), name
    problems = html_errors({name: response.data for name, response in pages.items()})
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.browser
def test_editor_and_library_pass_axe(live_server, page, axe_violations):
    email, slug, post_id, draft_id = _site(live_server.app)
    sign_in(page, live_server.url, email)
    for path in (f"/editor/posts/{draft_id}", "/media/", f"/posts/{slug}"):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
        page.wait_for_load_state("networkidle")  # the editor's first preview request
    page.goto("about:blank")
