"""Importing a WordPress export (tests/transfer/wordpress/site.xml, written after WordPress's WXR 1.2)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from blog.accounts.models import Role, User
from blog.core.time import UTC
from blog.embeds.models import SocialPost
from blog.extensions import db
from blog.media.models import Photo
from blog.posts.models import Post, Tag
from blog.transfer.models import OldPath, WordPressItem
from blog.transfer.wordpress import WxrError
from blog.transfer.wordpress_import import import_wordpress
from tests.factories import make_user
from tests.media.images import photo as photo_bytes

SITE_XML = Path(__file__).parent / "wordpress" / "site.xml"


@pytest.fixture
def uploads(tmp_path) -> Path:
    """A copy of the old site's wp-content/uploads (without missing.jpg)."""
    folder = tmp_path / "uploads" / "2019" / "05"
    folder.mkdir(parents=True)
    (folder / "lab.jpg").write_bytes(photo_bytes(1200, 800))
    (folder / "sample-1.png").write_bytes(photo_bytes(640, 480, fmt="PNG", color=(20, 20, 200)))
    (folder / "sample-2.png").write_bytes(photo_bytes(640, 480, fmt="PNG", color=(20, 200, 20)))
    return tmp_path / "uploads"


def _counts() -> dict:
    return {model.__name__: db.session.execute(db.select(db.func.count()).select_from(model)).scalar()
            for model in (Post, Photo, SocialPost, Tag, User, WordPressItem, OldPath)}


def _post(slug: str) -> Post:
    return db.session.execute(db.select(Post).where(Post.slug == slug)).scalar_one()


def _import(admin, uploads=None):
    report = import_wordpress(SITE_XML.read_bytes(), by=admin, media_dir=uploads)
    db.session.commit()
    return report


def test_posts_pages_statuses_dates_authors_and_tags(appctx, uploads):
    admin = make_user(Role.ADMIN)
    ada = make_user(Role.AUTHOR, email="ada@example.org", name="Ada L.")
    report = _import(admin, uploads)
    assert (report.posts, report.pages) == (4, 1)
    hello = _post("hello-lab")
    assert hello.status == "published" and hello.kind == "post"
    assert hello.published_at == datetime(2019, 5, 3, 9, 0, tzinfo=UTC)
    assert [credit.user_id for credit in hello.credits] == [ada.id]  # matched by email, any case
    assert sorted(tag.name for tag in hello.tags) == ["Microscopy", "News"]
    assert hello.custom_excerpt == "Our new lab, in pictures."
    assert hello.feature_photo is not None and hello.feature_photo.original_name == "lab.jpg"
    classic = _post("a-classic-post")
    assert classic.status == "draft" and classic.published_at is None
    grace = db.session.get(User, classic.credits[0].user_id)
    assert (grace.display_name, grace.email, grace.password_hash) == ("Grace Hopper", "grace@old.example.org", None)
    assert _post("coming-soon").status == "scheduled"
    assert _post("private-notes").status == "draft"
    about = _post("about")
    assert about.kind == "page" and about.status == "published"
    assert report.people == 1 and report.tags == 3
    reasons = "\n".join(report.skipped)
    assert "“Thrown away” (WordPress id 6): in WordPress's trash" in reasons
    assert "“Lab coat” (WordPress id 8): a product" in reasons
    assert "Home" not in reasons  # menu items are the theme's, not content


def test_gutenberg_blocks_become_markdown_with_directives(appctx, uploads):
    report = _import(make_user(Role.ADMIN), uploads)
    body = _post("hello-lab").body_markdown
    lab = db.session.execute(db.select(Photo).where(Photo.original_name == "lab.jpg")).scalar_one()
    samples = [db.session.execute(db.select(Photo).where(Photo.original_name == f"sample-{n}.png")).scalar_one()
               for n in (1, 2)]
    assert "We moved into the **new lab** this week." in body
    assert "## The microscopes" in body
    assert f"[[photo:{lab.key}]]" in body
    assert lab.caption_markdown == "The bench, before the move" and lab.alt_text == "Two microscopes on a bench"
    assert f"[[gallery:{samples[0].key},{samples[1].key}]]" in body
    assert samples[0].alt_text == "First sample"  # the attachment's alt text when the block has none
    assert "> Science is a team sport.\n>\n> — Grace Hopper" in body
    html = _post("hello-lab").body_html
    assert '<figure class="pullquote">' in html and "Grace Hopper</figcaption>" in html
    tweet = db.session.execute(db.select(SocialPost).where(SocialPost.external_id == "1125000000000000001")).scalar_one()
    assert tweet.text == "Our new lab is open!" and f"[[social:{tweet.key}]]" in body
    assert "<div>" in body and "Left column words" in body  # columns kept as HTML
    assert "<p>Left column words</p>" in html
    assert any("wp:columns" in line or "core/columns" in line for line in report.kept_as_html)
    assert report.photos == 3 and report.quotes == 2 and report.pull_quotes == 1


def test_classic_html_and_shortcodes(appctx, uploads):
    report = _import(make_user(Role.ADMIN), uploads)
    body = _post("a-classic-post").body_markdown
    lab = db.session.execute(db.select(Photo).where(Photo.original_name == "lab.jpg")).scalar_one()
    samples = db.session.execute(db.select(Photo).where(Photo.original_name.like("sample-%"))
                                 .order_by(Photo.original_name)).scalars().all()
    assert "First paragraph, written in the classic editor.  \nSame paragraph, next line." in body \
        or "First paragraph, written in the classic editor.\\\nSame paragraph, next line." in body
    assert f"[[photo:{lab.key}]]" in body  # the same attachment as the first post: one photo
    assert f"[[gallery:{samples[0].key},{samples[1].key}]]" in body
    tweet = db.session.execute(db.select(SocialPost).where(SocialPost.external_id == "1125000000000000002")).scalar_one()
    assert f"[[social:{tweet.key}]]" in body
    assert '[contact-form-7 id="5" title="Contact"]' in body
    assert "https://www.youtube.com/embed/abc123" in body
    kept = "\n".join(report.kept_as_html)
    assert "[contact-form-7] kept as text" in kept and "<iframe> of https://www.youtube.com/embed/abc123" in kept
    assert any("missing.jpg" in line and "not in the media folder" in line for line in report.skipped)
    assert "missing.jpg" in kept  # and the post says where it was


def test_nothing_is_fetched_and_missing_photos_are_reported(appctx):
    report = _import(make_user(Role.ADMIN))
    assert report.photos == 0 and report.posts == 4
    assert sum("nothing is fetched from the web" in line for line in report.skipped) >= 4
    assert _post("hello-lab").feature_photo is None


def test_a_second_import_changes_nothing(appctx, uploads):
    admin = make_user(Role.ADMIN)
    _import(admin, uploads)
    before = _counts()
    markdown = _post("hello-lab").body_markdown
    again = _import(admin, uploads)
    assert _counts() == before
    assert (again.posts, again.pages, again.photos, again.people, again.tags) == (0, 0, 0, 0, 0)
    assert again.already_imported == 5
    assert _post("hello-lab").body_markdown == markdown


def test_only_an_admin_imports(appctx):
    from blog.errors import NotAllowed
    with pytest.raises(NotAllowed):
        import_wordpress(SITE_XML.read_bytes(), by=make_user(Role.EDITOR))
    assert _counts()["Post"] == 0


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>
<item><title>&lol3;</title><wp:post_type>post</wp:post_type></item></channel></rss>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>
<item><title>&secret;</title><wp:post_type>post</wp:post_type></item></channel></rss>"""


@pytest.mark.parametrize("data, message", [
    (BILLION_LAUGHS, "declares XML entities"),
    (EXTERNAL_ENTITY, "declares XML entities"),
    (SITE_XML.read_bytes().replace(b"We moved into", "We moved into caf\u00e9".encode("latin-1")),
     "not valid UTF-8 text"),
    (SITE_XML.read_bytes()[:5000], "not well-formed XML"),
    (SITE_XML.read_bytes().replace(b"<wp:wxr_version>1.2", b"<wp:wxr_version>1.0"), "WXR 1.0"),
    (b"<rss><channel><item/></channel></rss>", "not a WordPress export"),
], ids=["billion-laughs", "external-entity", "bad-encoding", "truncated", "old-version", "plain-rss"])
def test_hostile_or_broken_files_are_refused_with_nothing_imported(appctx, uploads, data, message):
    admin = make_user(Role.ADMIN)
    before = _counts()
    with pytest.raises(WxrError) as refused:
        import_wordpress(data, by=admin, media_dir=uploads)
    db.session.rollback()
    assert message in refused.value.message and "Nothing was imported" in refused.value.message
    assert _counts() == before


def test_an_error_halfway_leaves_nothing(appctx, uploads, monkeypatch):
    from blog.transfer import wordpress_import
    admin = make_user(Role.ADMIN)
    before = _counts()
    original = wordpress_import._Importer.item

    def failing(self, item):
        if item.wp_id == 5:
            raise RuntimeError("disk full")
        return original(self, item)
    monkeypatch.setattr(wordpress_import._Importer, "item", failing)
    media_root = Path(appctx.config["MEDIA_ROOT"])
    files_before = sorted(p for p in media_root.rglob("*") if p.is_file())
    with pytest.raises(RuntimeError):
        import_wordpress(SITE_XML.read_bytes(), by=admin, media_dir=uploads)
    assert _counts() == before
    assert sorted(p for p in media_root.rglob("*") if p.is_file()) == files_before  # no photo file left


def test_photos_are_fetched_only_when_allowed(app, appctx, monkeypatch):
    from blog.core import fetch
    asked = []

    def fake_fetch(url, **limits):
        asked.append(url)
        return photo_bytes(800, 600)
    monkeypatch.setattr(fetch, "fetch_public", fake_fetch)
    _import(make_user(Role.ADMIN))
    assert asked == []
    db.session.execute(db.delete(WordPressItem))
    app.config["ALLOW_IMPORT_FETCH"] = True
    _import(make_user(Role.ADMIN))
    assert "https://old.example.org/wp-content/uploads/2019/05/lab.jpg" in asked
    assert "https://old.example.org/wp-content/uploads/2019/05/missing.jpg" in asked
    assert all("-300x200" not in url for url in asked)  # the original, not WordPress's resized copy


def test_wxr_1_1_is_read_too(appctx, uploads):
    older = SITE_XML.read_bytes().replace(b"http://wordpress.org/export/1.2/", b"http://wordpress.org/export/1.1/") \
        .replace(b"<wp:wxr_version>1.2", b"<wp:wxr_version>1.1")
    report = import_wordpress(older, by=make_user(Role.ADMIN), media_dir=uploads)
    assert (report.posts, report.pages, report.photos) == (4, 1, 3)
    assert _post("hello-lab").custom_excerpt == "Our new lab, in pictures."
