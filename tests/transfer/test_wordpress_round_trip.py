"""Leaving for WordPress and coming back: the WXR of an export, imported by our own WordPress
importer into a new empty site (with the export's photo files as the media folder), keeps posts,
pages, photos, pull quotes, social posts and the menu.

What a WXR cannot carry, and so does not come back: co-authors (WordPress keeps one author per
post), a photo's credit (WordPress has no field for it: it is shown in the caption and dropped on
the way back), photos no post shows (our importer brings in only photos in use), social posts'
avatars, counts and reply threads (the embed code holds the text, name, handle and date only), and
events (WordPress has no events; an event card in a post becomes a paragraph linking to the event's page
on the old site, and comes back as that link).
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta

import re

import lxml.etree
import lxml.html
from flask import current_app
from defusedxml import ElementTree

from blog.accounts.models import Role
from blog.core.time import UTC, utcnow
from blog.embeds.models import SocialPost
from blog.events.models import Event
from blog.extensions import db
from blog.media.models import Photo
from blog.posts import services as posts
from blog.posts.models import Post, PostStatus, Tag
from blog.site import services as site
from blog.transfer.wordpress import parse_wxr
from blog.transfer.wordpress_import import import_wordpress
from tests.conftest import empty_database
from tests.factories import make_user
from tests.transfer.helpers import export_bytes
from tests.transfer.site import rich_site


def _text(html: str) -> str:
    return " ".join(lxml.html.fromstring(f"<div>{html}</div>").text_content().split()) if html else ""


def _posts() -> dict:
    found = {}
    for post in db.session.execute(db.select(Post)).scalars():
        author = post.authors[0] if post.credits else None
        found[post.slug] = {"kind": post.kind, "title": post.title, "status": post.status,
                            # WXR dates are to the second
                            "published_at": post.published_at and post.published_at.replace(microsecond=0), "tags": sorted(t.name for t in post.tags),
                            "excerpt": post.custom_excerpt,
                            "feature_photo": (db.session.get(Photo, post.feature_photo_id).alt_text
                                              if post.feature_photo_id else None),
                            "author": (author.display_name, author.email) if author else None}
    return found


def _photos_in_posts() -> set:
    keys = {k for p in db.session.execute(db.select(Post)).scalars()
            for k in re.findall(r"\[\[(?:photo|gallery):([^\]]+)\]\]", p.body_markdown)}
    keys = {k for group in keys for k in group.split(",")}
    return {(p.alt_text, _text(p.caption_html)) for p in db.session.execute(
        db.select(Photo).where(Photo.key.in_(keys))).scalars()}


def _menu() -> list:
    shape = []
    for item in site.menu_items():
        target = item.url
        if item.post_id:
            target = db.session.get(Post, item.post_id).slug
        elif item.tag_id:
            target = db.session.get(Tag, item.tag_id).name
        shape.append((item.kind, item.label, target))
    return shape


def _site_with_everything() -> None:
    created = rich_site()
    admin = created["admin"]
    draft = posts.create_post(posts.PostInput(title="A draft", body_markdown="Not yet.", tag_names=["Drafts"],
                                              custom_excerpt="Coming soon"), by=admin)
    event = db.session.execute(db.select(Event).where(Event.published_at.is_not(None)).order_by(Event.id)) \
        .scalars().first()
    gallery = [p.key for p in db.session.execute(db.select(Photo).order_by(Photo.id).limit(2)).scalars()]
    with current_app.test_request_context():  # the event card links with url_for
        later = posts.create_post(posts.PostInput(title="Scheduled",
                                                  body_markdown=f"Soon.\n\n[[event:{event.id}]]\n\n"
                                                                f"[[gallery:{','.join(gallery)}]]\n"), by=admin)
    posts.publish_post(later, by=admin, at=(utcnow() + timedelta(days=30)).replace(microsecond=0))
    assert later.status == PostStatus.SCHEDULED.value and draft.status == PostStatus.DRAFT.value
    site.clear_menu(by=admin)
    site.add_menu_item(by=admin, kind="posts", label="News")
    site.add_menu_item(by=admin, kind="page", label="Join", page_id=created["page"].id)
    site.add_menu_item(by=admin, kind="link", label="Department", url="https://www.example.ac.uk/dept")
    db.session.commit()


def _member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def test_a_site_comes_back_from_its_wxr(make_app, tmp_path):
    with make_app(MEDIA_ROOT=str(tmp_path / "old-media")).app_context():
        _site_with_everything()
        data = export_bytes()
        before_posts, before_photos = _posts(), _photos_in_posts()
        assert before_posts["join-the-group"]["feature_photo"] and len(before_photos) == 2
        assert {p["status"] for p in before_posts.values()} == {"published", "scheduled", "draft"}
        gallery_keys = re.findall(r"\[\[gallery:([^\]]+)\]\]", "".join(
            p.body_markdown for p in db.session.execute(db.select(Post)).scalars()))[0].split(",")
        before_gallery = {(p.alt_text, _text(p.caption_html)) for p in db.session.execute(
            db.select(Photo).where(Photo.key.in_(gallery_keys))).scalars()}
        assert len(before_gallery) == 2
        before_social = {(s.display_name, s.handle, s.text) for s in db.session.execute(db.select(SocialPost)).scalars()}
        db.session.remove()
        empty_database()
    media_dir = tmp_path / "media-dir"
    media_dir.mkdir()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("media/photos/"):
                (media_dir / name.rsplit("/", 1)[1]).write_bytes(archive.read(name))
    wxr = _member(data, "wordpress.xml")
    with make_app(MEDIA_ROOT=str(tmp_path / "new-media")).app_context():
        admin = make_user(Role.ADMIN, email="new.admin@example.org")
        report = import_wordpress(wxr, by=admin, media_dir=media_dir)
        db.session.commit()
        after = _posts()
        for slug, post in before_posts.items():
            assert slug in after, slug
            assert after[slug] == post, (slug, after[slug], post)
        assert _photos_in_posts() == before_photos
        assert report.pull_quotes == 1
        writeup = db.session.execute(db.select(Post).where(Post.slug == "safer-screens-a-netguard-workshop")) \
            .scalar_one()
        assert "> Hope is not a soft extra in this work." in writeup.body_markdown
        assert "— Dr Amara Okafor, closing plenary" in writeup.body_markdown
        # Events have no place in WordPress: a card comes back as a link to the event's old address.
        scheduled = db.session.execute(db.select(Post).where(Post.title == "Scheduled")).scalar_one()
        assert re.search(r"\*\*Coming up:\*\* \[[^\]]+\]\(http://blog\.test/events/[a-z0-9-]+\) — ",
                         scheduled.body_markdown), scheduled.body_markdown
        [keys] = re.findall(r"\[\[gallery:([^\]]+)\]\]", scheduled.body_markdown)
        assert {(p.alt_text, _text(p.caption_html)) for p in db.session.execute(
            db.select(Photo).where(Photo.key.in_(keys.split(",")))).scalars()} == before_gallery
        after_social = {(s.display_name, s.handle, s.text) for s in db.session.execute(db.select(SocialPost)).scalars()}
        assert after_social == before_social
        assert [(kind, label) for kind, label, _ in _menu()] == [("posts", "News"), ("page", "Join"),
                                                                 ("link", "Department")]
        assert _menu()[1][2] == "join-the-group" and _menu()[2][2] == "https://www.example.ac.uk/dept"


def test_a_hostile_title_does_not_break_the_wxr(appctx):
    admin = make_user(Role.ADMIN)
    # (no NUL: PostgreSQL text cannot hold it, so no row has one)
    hostile = "Ends ]]> here \x07\x0b\x1b and <b>& \ufffe too"
    post = posts.create_post(posts.PostInput(title="ok", body_markdown=f"Body with ]]> and {hostile}",
                                             custom_excerpt="]]>"), by=admin)
    post.title = hostile  # past the form's checks, as an old row might be
    posts.publish_post(post, by=admin, at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC))
    db.session.commit()
    wxr = _member(export_bytes(), "wordpress.xml")
    wxr.decode("utf-8")
    assert wxr.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    ElementTree.fromstring(wxr)
    lxml.etree.fromstring(wxr, lxml.etree.XMLParser(resolve_entities=False, no_network=True))
    [item] = [i for i in parse_wxr(wxr).items if i.post_type == "post"]
    assert item.title == "Ends ]]> here  and <b>& \ufffe too".replace("\ufffe", "")
    assert "Body with ]]&gt; and" in item.content and item.excerpt == "]]>"
