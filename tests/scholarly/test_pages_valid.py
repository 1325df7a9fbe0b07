"""The post page with its cite box, the editor's side panel, settings and the readiness page are valid
HTML5 (Nu HTML Checker) and pass axe in Chromium; screenshots at 1280 px go to /tmp/citable-*.png."""
from __future__ import annotations

import pytest

from blog.accounts.models import Role
from blog.extensions import db
from blog.posts import services as posts
from tests.browsing import sign_in
from tests.factories import make_post, make_user
from tests.scholarly.test_citable import REFERENCES


def _site(app):
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org", name="Dr Amara Okafor",
                          affiliation="University of Northbridge")
        admin.orcid, admin.ror = "0000-0002-1825-0097", "03yrm5c26"
        hartley = make_user(Role.AUTHOR, name="Prof Lewis Hartley")
        post = make_post(admin, title="Safer screens: what we learnt", body=REFERENCES)
        posts.save_post(post, posts.PostInput(title=post.title, body_markdown=REFERENCES,
                                              author_ids=[admin.id, hartley.id], doi="10.59350/abc-123"),
                        by=admin, base_version=post.version)
        other = make_post(hartley, title="Workshop notes")
        other.licence = "CC-BY-NC-4.0"
        db.session.commit()
        return admin.email, post.slug, post.id


def test_citable_pages_are_valid_html(make_app, html_errors):
    app = make_app()
    email, slug, post_id = _site(app)
    client = app.test_client()
    pages = {"post": client.get(f"/posts/{slug}")}
    client.post("/login", data={"email": email, "password": "correct horse battery"})
    pages.update({
        "readiness": client.get("/admin/settings/scholarly-readiness"),
        "settings": client.get("/admin/settings"),
        "edit": client.get(f"/editor/posts/{post_id}"),
    })
    for name, response in pages.items():
        assert response.status_code == 200, name
    problems = html_errors({name: response.data for name, response in pages.items()})
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.browser
def test_cite_box_and_readiness_page_pass_axe(live_server, page, axe_violations):
    email, slug, post_id = _site(live_server.app)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/posts/{slug}")
    assert axe_violations(page) == []
    page.locator(".cite-box").screenshot(path="/tmp/citable-cite-box.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX").click()
    assert download.value.suggested_filename == f"{slug}.bib"
    sign_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/admin/settings/scholarly-readiness")
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/citable-readiness.png", full_page=True)
    page.goto(f"{live_server.url}/editor/posts/{post_id}")
    assert axe_violations(page) == []
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")
