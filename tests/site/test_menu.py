"""The header's menu, edited in site settings without JavaScript, and the About page's migration."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask_migrate import upgrade
from sqlalchemy import text

from blog import create_app
from blog.accounts.models import Role
from blog.extensions import db
from blog.posts import services as posts
from blog.posts.models import Post
from blog.site import services as site
from tests.conftest import config_for_tests
from tests.factories import login, make_page, make_post, make_user
from tests.test_schema import _fresh_database


def _header_links(html: str) -> list[str]:
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r">([^<>]+)</a>", nav)


def test_an_admin_builds_reorders_and_trims_the_menu_without_javascript(client, appctx):
    admin = make_user(Role.ADMIN)
    page = make_page(admin, title="Join us", slug="join-us")
    tag = make_post(admin, tags=["Seminars"]).tags[0]
    login(client, admin)
    assert client.get("/admin/settings/menu").status_code == 200
    for data in ({"kind": "posts", "label": ""}, {"kind": "page", "page_id": str(page.id), "label": ""},
                 {"kind": "tag", "tag_id": str(tag.id), "label": "Seminars"},
                 {"kind": "link", "url": "https://example.org/lab", "label": "Our lab"}):
        response = client.post("/admin/settings/menu/add", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
    home = client.get("/").get_data(as_text=True)
    assert _header_links(home)[:4] == ["Posts", "Join us", "Seminars", "Our lab"]
    assert 'href="/join-us"' in home and 'href="/tags/seminars"' in home and 'href="https://example.org/lab"' in home

    items = site.menu_items()
    client.post(f"/admin/settings/menu/{items[3].id}", data={"action": "up"})
    client.post(f"/admin/settings/menu/{items[0].id}", data={"action": "down"})
    client.post(f"/admin/settings/menu/{items[0].id}", data={"action": "up"})  # back to the top
    client.post(f"/admin/settings/menu/{items[2].id}", data={"action": "remove"})
    db.session.expire_all()
    assert [i.label for i in site.menu_items()] == ["Posts", "Join us", "Our lab"]
    assert _header_links(client.get("/join-us").get_data(as_text=True))[:3] == ["Posts", "Join us", "Our lab"]
    assert 'href="/join-us" aria-current="page"' in client.get("/join-us").get_data(as_text=True)


def test_bad_items_are_refused_with_a_message_and_nothing_added(client, appctx):
    login(client, make_user(Role.ADMIN))
    for data, message in (({"kind": "link", "url": "javascript:alert(1)", "label": "x"}, "https://"),
                          ({"kind": "page", "page_id": "0", "label": ""}, "Choose one of the site"),
                          ({"kind": "link", "url": "https://example.org/", "label": ""}, "needs a label")):
        response = client.post("/admin/settings/menu/add", data=data)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert site.menu_items() == []


def test_a_draft_page_is_left_out_and_a_deleted_one_leaves_the_menu(client, appctx):
    admin = make_user(Role.ADMIN)
    page = make_page(admin, title="Soon", slug="soon", published=False)
    site.add_menu_item(by=admin, kind="page", page_id=page.id)
    db.session.commit()
    assert "Soon" not in _header_links(client.get("/").get_data(as_text=True))
    posts.publish_post(page, by=admin)
    db.session.commit()
    assert "Soon" in _header_links(client.get("/").get_data(as_text=True))
    posts.delete_post(page, by=admin)
    db.session.commit()
    assert site.menu_items() == []


def test_only_admins_open_the_menu_settings(client, appctx):
    login(client, make_user(Role.EDITOR))
    assert client.get("/admin/settings/menu").status_code == 403


def test_the_migration_moves_the_about_text_into_a_page_and_makes_the_default_menu(database_url, tmp_path):
    url = _fresh_database(database_url, tmp_path)
    app = create_app(config_for_tests(url, tmp_path))
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with app.app_context():
        upgrade(revision="0010_pages_and_byline_people")
        db.session.execute(text(
            "INSERT INTO users (id, email, password_hash, display_name, slug, role, affiliation, bio, active, "
            "created_at, session_version, orcid, ror) VALUES (1, 'a@example.org', NULL, 'Admin', 'admin', 'admin', "
            "'', '', :yes, :now, 1, '', '')"), {"now": now, "yes": True})
        db.session.execute(text(
            "INSERT INTO site_settings (id, site_name, tagline, description, about_markdown, about_html, timezone, "
            "language, logo_path, footer_text, content_version, content_changed_at, updated_at) VALUES (1, 'Lab', "
            "'', 'A lab', 'We are *researchers*.', '<p>We are <em>researchers</em>.</p>', 'Europe/London', 'en', "
            "'', '', 'v1', :now, :now)"), {"now": now})
        db.session.commit()
        upgrade()
        about = db.session.execute(db.select(Post).where(Post.slug == "about")).scalar_one()
        assert about.kind == "page" and about.status == "published" and about.created_by_id == 1
        assert about.body_markdown == "We are *researchers*."
        assert [(i.kind, i.label, i.post_id) for i in site.menu_items()] == [
            ("posts", "Posts", None), ("events", "Events", None), ("page", "About", about.id)]
        columns = {c["name"] for c in db.inspect(db.engine).get_columns("site_settings")}
        assert "about_markdown" not in columns and "about_html" not in columns
        response = app.test_client().get("/about")
        assert response.status_code == 200 and "<em>researchers</em>" in response.get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()
