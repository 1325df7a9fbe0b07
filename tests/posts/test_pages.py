"""Standalone pages: written in the editor, answered at /<slug>, kept out of every list of posts."""
from __future__ import annotations

import pytest

from blog.accounts.models import Role
from blog.errors import NotAllowed, ValidationFailed
from blog.extensions import db
from blog.newsletter import services as newsletter
from blog.posts import services as posts
from blog.posts.models import Post
from tests.factories import login, make_page, make_post, make_user


def _new_page(client, **fields):
    data = {"title": "Join us", "body": "We *hire*.", "slug": "", "action": "publish", "tags": "Workshops"}
    data.update(fields)
    return client.post("/editor/posts/new?kind=page", data=data)


def test_an_editor_writes_publishes_and_revises_a_page_in_the_editor(client, appctx):
    editor = make_user(Role.EDITOR)
    login(client, editor)
    listing = client.get("/editor/pages/")
    assert listing.status_code == 200 and 'href="/editor/posts/new?kind=page"' in listing.get_data(as_text=True)
    response = _new_page(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = db.session.execute(db.select(Post).where(Post.slug == "join-us")).scalar_one()
    assert page.kind == "page" and page.status == "published"
    assert "Join us" in client.get("/editor/pages/").get_data(as_text=True)
    assert "Join us" not in client.get("/editor/").get_data(as_text=True)  # the posts list

    edited = client.post(f"/editor/posts/{page.id}", data={
        "title": "Join us", "body": "We *hire* twice a year.", "slug": "join-us", "action": "save",
        "base_version": str(page.version)})
    assert edited.status_code == 302
    assert [r.reason for r in posts.revisions_of(page)][:2] == ["save", "publish"]
    preview = client.get(f"/editor/posts/{page.id}/preview").get_data(as_text=True)
    assert "twice a year" in preview and "byline" not in preview

    client.post("/logout")
    shown = client.get("/join-us")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "<em>hire</em> twice a year" in html
    assert "<time" not in html.split('<main', 1)[1].split("</main>")[0]  # no date on a page
    assert '<link rel="canonical" href="http://blog.test/join-us">' in html
    # /posts/<slug> of a page points to the page's own address; a post is not served at the root.
    assert client.get("/posts/join-us").headers["Location"].endswith("/join-us")
    post = make_post(make_user())
    assert client.get(f"/{post.slug}").status_code == 404


def test_pages_stay_out_of_lists_feeds_archive_tags_and_the_digest(client, appctx):
    editor = make_user(Role.EDITOR)
    post = make_post(editor, title="A dated write-up", tags=["Workshops"])
    page = make_page(editor, title="Our projects", slug="projects")
    page.tags = posts.tags_from_names(["Workshops"], by=editor)
    db.session.commit()
    year = post.published_at.year
    for path in ("/", "/tags/workshops", f"/people/{editor.slug}", f"/archive/{year}/", "/feeds/posts.atom",
                 "/feeds/posts.rss", "/feeds/posts.json"):
        body = client.get(path).get_data(as_text=True)
        assert "A dated write-up" in body, path
        assert "Our projects" not in body, path
    digest = newsletter.compose_digest()
    assert [p.title for p in digest.posts] == ["A dated write-up"]
    assert "Our projects" not in digest.html
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://blog.test/projects</loc>" in sitemap
    assert "/posts/projects" not in sitemap


@pytest.mark.parametrize("slug", ["events", "posts", "admin", "editor", "feeds", "static", "media", "api",
                                  "search", "people", "publications", "tags", "newsletter", "login"])
def test_a_reserved_slug_is_refused_with_a_clear_message(client, appctx, slug):
    login(client, make_user(Role.EDITOR))
    response = _new_page(client, slug=slug)
    assert response.status_code == 400
    assert f"“{slug}” is taken by a part of the site" in response.get_data(as_text=True)
    assert db.session.query(Post).count() == 0


def test_a_page_titled_like_a_route_gets_a_free_address_and_routes_still_answer(appctx):
    editor = make_user(Role.EDITOR)
    page = make_page(editor, title="Events", slug=None)
    assert page.slug == "events-2"
    assert "events" in posts.reserved_page_slugs() and "about" not in posts.reserved_page_slugs()
    with pytest.raises(ValidationFailed, match="taken by a part of the site"):
        posts.save_post(page, posts.PostInput(title="Events", body_markdown="", slug="archive"), by=editor,
                        base_version=page.version)


def test_a_draft_page_and_an_unknown_slug_are_not_found(client, appctx):
    make_page(make_user(Role.EDITOR), title="Hidden", slug="hidden", published=False)
    assert client.get("/hidden").status_code == 404
    assert client.get("/nothing-here").status_code == 404


def test_an_old_page_slug_redirects_to_the_new_one(client, appctx):
    editor = make_user(Role.EDITOR)
    page = make_page(editor, title="Join", slug="join")
    posts.save_post(page, posts.PostInput(title="Join", body_markdown="x", slug="join-us"), by=editor,
                    base_version=page.version)
    db.session.commit()
    response = client.get("/join")
    assert response.status_code == 301 and response.headers["Location"].endswith("/join-us")


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.AUTHOR])
def test_below_editor_nobody_writes_or_edits_pages(client, appctx, role):
    person = make_user(role)
    with pytest.raises(NotAllowed):
        posts.create_post(posts.PostInput(title="About", body_markdown="", kind="page"), by=person)
    page = make_page(make_user(Role.EDITOR))
    page.created_by_id = person.id  # even a page they created once
    db.session.commit()
    assert not posts.can_edit(page, person)
    login(client, person)
    assert client.get("/editor/pages/").status_code == 403
    assert client.get("/editor/posts/new?kind=page").status_code == 403
    assert _new_page(client).status_code == 403
    assert client.post("/editor/posts/new/autosave?kind=page", json={"title": "x", "body": "y"}).status_code == 403
    assert db.session.query(Post).filter(Post.kind == "page").count() == 1


def test_a_page_cannot_be_emailed_as_an_announcement(appctx):
    page = make_page(make_user(Role.EDITOR))
    with pytest.raises(ValidationFailed, match="not news"):
        newsletter.compose_post(page)
