"""The About page ``flask init`` makes holds /about: a WordPress About page takes that address over
while the placeholder is untouched (told by its revision history), and is renamed otherwise."""
from __future__ import annotations

from blog.accounts.models import Role
from blog.demo import NEW_SITE_ABOUT, ensure_site_pages
from blog.extensions import db
from blog.posts import services as posts
from blog.posts.models import Post
from blog.site import services as site
from tests.factories import make_user
from tests.transfer.test_wordpress_import import _import


def _page(slug: str) -> Post | None:
    return db.session.execute(db.select(Post).where(Post.slug == slug)).scalar_one_or_none()


def test_the_untouched_placeholder_gives_its_address_to_the_imported_page(appctx):
    admin = make_user(Role.ADMIN)
    placeholder = ensure_site_pages(admin, NEW_SITE_ABOUT)
    db.session.commit()
    placeholder_id = placeholder.id
    assert site.is_untouched_placeholder(placeholder)
    report = _import(admin)
    about = _page("about")
    assert about.id != placeholder_id and about.body_markdown != NEW_SITE_ABOUT
    assert db.session.get(Post, placeholder_id) is None and _page("about-2") is None
    assert any("placeholder About page" in line and "/about" in line for line in report.changed)
    assert all(item.post_id != placeholder_id for item in site.menu_items())


def test_an_edited_about_page_keeps_its_address(appctx):
    admin = make_user(Role.ADMIN)
    page = ensure_site_pages(admin, NEW_SITE_ABOUT)
    posts.save_post(page, posts.PostInput(title="About", body_markdown="We study soil."), by=admin,
                    base_version=page.version)
    db.session.commit()
    assert not site.is_untouched_placeholder(page)
    report = _import(admin)
    assert _page("about").id == page.id and _page("about").body_markdown == "We study soil."
    assert _page("about-2") is not None
    assert any("is taken on this site" in line for line in report.changed)


def test_a_page_edited_back_to_the_placeholder_text_is_not_a_placeholder(appctx):
    admin = make_user(Role.ADMIN)
    page = ensure_site_pages(admin, NEW_SITE_ABOUT)
    posts.save_post(page, posts.PostInput(title="About", body_markdown="Draft words"), by=admin,
                    base_version=page.version)
    posts.save_post(page, posts.PostInput(title="About", body_markdown=NEW_SITE_ABOUT), by=admin,
                    base_version=page.version)
    assert not site.is_untouched_placeholder(page)
