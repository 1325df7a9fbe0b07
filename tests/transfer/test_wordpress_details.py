"""What the WordPress importer does with what this site has no place for (comments, unknown custom
fields, private posts, addresses the site uses), and the time of a draft."""
from __future__ import annotations

from datetime import datetime

from blog.accounts.models import Role
from blog.core.time import UTC
from blog.extensions import db
from blog.posts.models import Post
from blog.transfer.wordpress import parse_wxr
from blog.transfer.wordpress_import import NO_COMMENTS, import_wordpress
from tests.factories import make_user
from tests.transfer.test_wordpress_import import SITE_XML, _import

HEAD = b"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>NY lab</title><link>https://ny.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://ny.example.org</wp:base_site_url>
<wp:author><wp:author_login>kim</wp:author_login><wp:author_email>kim@ny.example.org</wp:author_email>
<wp:author_display_name>Kim</wp:author_display_name></wp:author>"""


def _item(wp_id: int, title: str, *, post_type="post", status="publish", slug="", local="", gmt="") -> bytes:
    return (f"<item><title>{title}</title><dc:creator>kim</dc:creator>"
            f"<content:encoded><![CDATA[<p>{title} words.</p>]]></content:encoded>"
            f"<excerpt:encoded></excerpt:encoded><wp:post_id>{wp_id}</wp:post_id>"
            f"<wp:post_date>{local}</wp:post_date><wp:post_date_gmt>{gmt}</wp:post_date_gmt>"
            f"<wp:post_name>{slug}</wp:post_name><wp:status>{status}</wp:status>"
            f"<wp:post_type>{post_type}</wp:post_type></item>").encode()


def _wxr(*items: bytes) -> bytes:
    return HEAD + b"".join(items) + b"</channel></rss>"


def _post(slug: str) -> Post:
    return db.session.execute(db.select(Post).where(Post.slug == slug)).scalar_one()


def test_comments_are_counted_per_post_as_skipped_with_the_reason(appctx):
    report = _import(make_user(Role.ADMIN))
    skipped = report.skipped
    assert f"“Hello from the lab” (WordPress id 1): 2 comments and 1 unapproved or spam comment — {NO_COMMENTS}" \
        in skipped
    assert f"“A classic post” (WordPress id 2): 1 unapproved or spam comment — {NO_COMMENTS}" in skipped
    assert "“Thrown away” (WordPress id 6): in WordPress's trash (with 1 comment)" in skipped
    assert NO_COMMENTS == "comments are not imported: this blog has no comments"
    # None of the comments' words reached a post.
    bodies = " ".join(db.session.execute(db.select(Post.body_markdown)).scalars())
    assert "Nice work" not in bodies and "Buy now" not in bodies


def test_custom_fields_known_are_used_and_the_others_named(appctx):
    report = _import(make_user(Role.ADMIN))
    # Yoast's description is the excerpt of a post that has none; WordPress's own fields are not listed.
    assert _post("a-classic-post").custom_excerpt == "Samples, a caption and a gallery."
    assert _post("hello-lab").custom_excerpt == "Our new lab, in pictures."  # its own excerpt wins
    assert "“Hello from the lab” (WordPress id 1): the custom field mood, which this site has no place for" \
        in report.skipped
    assert not any("_thumbnail_id" in line or "_oembed" in line for line in report.skipped)


def test_private_and_pending_posts_become_drafts_and_the_report_says_so(appctx):
    report = import_wordpress(_wxr(_item(1, "Private", status="private", slug="private", gmt="2019-07-01 12:00:00"),
                                   _item(2, "Pending", status="pending", slug="pending")),
                              by=make_user(Role.ADMIN))
    assert _post("private").status == "draft" and _post("pending").status == "draft"
    assert report.changed == ["“Private” (WordPress id 1): private in WordPress, imported as a draft (only editors "
                              "see it)", "“Pending” (WordPress id 2): pending review in WordPress, imported as a draft"]


def test_a_draft_keeps_its_time_in_the_wordpress_sites_own_zone(appctx):
    # This site is in Europe/London; the old one was in New York (UTC-4 in summer), as its published
    # post shows. A draft has no GMT date: its local date is read with New York's offset.
    data = _wxr(_item(1, "Published", slug="published", local="2019-07-01 08:00:00", gmt="2019-07-01 12:00:00"),
                _item(2, "Draft", status="draft", slug="draft", local="2019-07-02 09:30:00",
                      gmt="0000-00-00 00:00:00"))
    assert parse_wxr(data, timezone="Europe/London").items[1].date_gmt == datetime(2019, 7, 2, 13, 30, tzinfo=UTC)
    import_wordpress(data, by=make_user(Role.ADMIN))
    assert _post("draft").created_at == datetime(2019, 7, 2, 13, 30, tzinfo=UTC)
    assert _post("published").published_at == datetime(2019, 7, 1, 12, 0, tzinfo=UTC)
    # With no dated item to learn the offset from, the site's own zone is used (BST: UTC+1).
    alone = parse_wxr(_wxr(_item(2, "Draft", status="draft", local="2019-07-02 09:30:00")), timezone="Europe/London")
    assert alone.items[0].date_gmt == datetime(2019, 7, 2, 8, 30, tzinfo=UTC)


def test_a_page_never_takes_an_address_the_site_uses(client, appctx):
    report = import_wordpress(_wxr(_item(1, "Events", post_type="page", slug="events", gmt="2019-01-01 09:00:00")),
                              by=make_user(Role.ADMIN))
    db.session.commit()
    page = db.session.execute(db.select(Post).where(Post.kind == "page")).scalar_one()
    assert page.slug == "events-2"
    assert report.changed == ["“Events” (WordPress id 1): its address “events” is taken on this site, so it is "
                              "“events-2”"]
    assert client.get("/events-2").status_code == 200
    assert "Events words." not in client.get("/events/").get_data(as_text=True)  # the events list is still there


def test_the_site_xml_fixture_still_parses_every_comment_and_menu(appctx):
    export = parse_wxr(SITE_XML.read_bytes())
    assert [m.name for m in export.menus] == ["Footer", "Main Menu"]
    assert sum(i.comments + i.unapproved_comments for i in export.items) == 5


def test_a_password_protected_post_is_not_published(appctx):
    protected = _item(1, "Members only", slug="members", gmt="2019-07-01 12:00:00").replace(
        b"<wp:post_type>", b"<wp:post_password>secret</wp:post_password><wp:post_type>")
    report = import_wordpress(_wxr(protected), by=make_user(Role.ADMIN))
    assert _post("members").status == "draft" and _post("members").published_at is None
    assert report.changed == ["“Members only” (WordPress id 1): password-protected in WordPress, imported as a "
                              "draft (this site has no passwords on posts: publish it if everyone may read it)"]


def test_media_library_files_no_post_shows_are_counted(appctx):
    attachment = (b"<item><title>poster</title><wp:post_id>9</wp:post_id><wp:status>inherit</wp:status>"
                  b"<wp:post_type>attachment</wp:post_type><wp:attachment_url>https://ny.example.org/wp-content/"
                  b"uploads/poster.pdf</wp:attachment_url></item>")
    report = import_wordpress(_wxr(attachment, _item(1, "Plain", slug="plain", gmt="2019-07-01 12:00:00")),
                              by=make_user(Role.ADMIN))
    assert report.skipped == ["1 file of WordPress's media library that no imported post or page shows "
                              "(poster.pdf): photos are imported where they are used"]
    # The fixture's attachments are all shown by its posts, found or not: no such line.
    assert not any("media library" in line for line in _import(make_user(Role.ADMIN, email="b@b.org")).skipped)
