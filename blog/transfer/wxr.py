"""A WordPress eXtended RSS (WXR 1.2) file of the site, as WordPress's importer reads it.

Posts and pages become items of ``wp:post_type`` post and page with their rendered
HTML (photos as ``<figure><img>`` with absolute addresses), tags become
``post_tag`` terms, people become ``wp:author`` entries (their slug is the login),
and photos become attachments whose ``wp:attachment_url`` the importer downloads
from this site. WordPress keeps one author per post: the first credited person.
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from blog.accounts.models import User
from blog.core.time import UTC, utcnow
from blog.core.urls import absolutise_urls, site_url
from blog.extensions import db
from blog.media.models import Photo
from blog.media.services import file_url
from blog.posts.models import Post, PostKind, PostStatus, Tag
from blog.posts.services import post_url

WXR_VERSION = "1.2"
NS = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}
WP_STATUS = {
    PostStatus.PUBLISHED.value: "publish",
    PostStatus.SCHEDULED.value: "future",
    PostStatus.DRAFT.value: "draft",
    # Taken down after publication: WordPress's "private" keeps it, and its date, out of public view.
    PostStatus.UNPUBLISHED.value: "private",
}
NO_DATE = "0000-00-00 00:00:00"  # what WordPress writes for a draft never published
_SOURCES = re.compile(r"</?picture>|<source\b[^>]*>")
_RESPONSIVE_ATTRS = re.compile(r'\s(?:srcset|sizes|loading|decoding)="[^"]*"')


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _add(parent, tag: str, text: str | int | None = None, *, cdata: bool = False, **attrs):
    prefix, _, name = tag.rpartition(":")
    element = etree.SubElement(parent, _q(prefix, name) if prefix else name, attrs)
    if text is not None:
        element.text = etree.CDATA(str(text)) if cdata else str(text)
    return element


def wordpress_html(body_html: str) -> str:
    """Stored HTML as WordPress shows it: ``<picture>`` reduced to its ``<img>`` (WordPress makes
    its own sizes), addresses absolute on this site."""
    return absolutise_urls(_RESPONSIVE_ATTRS.sub("", _SOURCES.sub("", body_html or "")))


def _wp_dates(moment: datetime | None, zone: ZoneInfo) -> tuple[str, str]:
    if moment is None:
        return NO_DATE, NO_DATE
    fmt = "%Y-%m-%d %H:%M:%S"
    return moment.astimezone(zone).strftime(fmt), moment.astimezone(UTC).strftime(fmt)


def _largest_jpeg(photo: Photo) -> dict | None:
    variants = photo.variant_list("jpeg") or sorted((photo.variants or {}).values(), key=lambda v: v["width"])
    return variants[-1] if variants else None


def build_wxr(*, settings, exported_at: datetime | None = None) -> bytes:
    """The WXR document as UTF-8 bytes."""
    zone = ZoneInfo(settings.timezone or "UTC")
    rss = etree.Element("rss", {"version": "2.0"}, nsmap=NS)
    channel = _add(rss, "channel")
    _add(channel, "title", settings.site_name)
    _add(channel, "link", site_url())
    _add(channel, "description", settings.tagline or settings.description or "")
    _add(channel, "pubDate", (exported_at or utcnow()).strftime("%a, %d %b %Y %H:%M:%S +0000"))
    _add(channel, "language", settings.language or "en")
    _add(channel, "wp:wxr_version", WXR_VERSION)
    _add(channel, "wp:base_site_url", site_url())
    _add(channel, "wp:base_blog_url", site_url())

    people = db.session.execute(db.select(User).order_by(User.id)).scalars().all()
    for person in people:
        author = _add(channel, "wp:author")
        _add(author, "wp:author_id", person.id)
        _add(author, "wp:author_login", person.slug, cdata=True)
        _add(author, "wp:author_email", person.email or "", cdata=True)
        _add(author, "wp:author_display_name", person.display_name, cdata=True)

    for tag in db.session.execute(db.select(Tag).order_by(Tag.id)).scalars():
        term = _add(channel, "wp:tag")
        _add(term, "wp:term_id", tag.id)
        _add(term, "wp:tag_slug", tag.slug, cdata=True)
        _add(term, "wp:tag_name", tag.name, cdata=True)
        if tag.description:
            _add(term, "wp:tag_description", tag.description, cdata=True)
    _add(channel, "generator", "research-group-blog export")

    posts = db.session.execute(db.select(Post).order_by(Post.id)).scalars().all()
    first_post_id = max((p.id for p in posts), default=0)
    attachment_ids: dict[int, int] = {}
    photos = db.session.execute(db.select(Photo).order_by(Photo.id)).scalars().all()
    for photo in photos:
        attachment_ids[photo.id] = first_post_id + photo.id  # one id space for posts and attachments
    slugs = {p.id: p.slug for p in people}

    for post in posts:
        item = _add(channel, "item")
        link = post_url(post, external=True)
        _add(item, "title", post.title)
        _add(item, "link", link)
        if post.published_at:
            _add(item, "pubDate", post.published_at.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"))
        creator = post.authors[0].slug if post.credits else slugs.get(post.created_by_id, "")
        _add(item, "dc:creator", creator, cdata=True)
        _add(item, "guid", f"urn:uuid:{post.uid}", isPermaLink="false")
        _add(item, "description", "")
        _add(item, "content:encoded", wordpress_html(post.body_html), cdata=True)
        _add(item, "excerpt:encoded", post.custom_excerpt or "", cdata=True)
        _add(item, "wp:post_id", post.id)
        local, gmt = _wp_dates(post.published_at, zone)
        shown_date = local if post.published_at else _wp_dates(post.created_at, zone)[0]  # a draft's: creation
        _add(item, "wp:post_date", shown_date, cdata=True)
        _add(item, "wp:post_date_gmt", gmt, cdata=True)
        modified_local, modified_gmt = _wp_dates(post.updated_at, zone)
        _add(item, "wp:post_modified", modified_local, cdata=True)
        _add(item, "wp:post_modified_gmt", modified_gmt, cdata=True)
        _add(item, "wp:comment_status", "closed", cdata=True)
        _add(item, "wp:ping_status", "closed", cdata=True)
        _add(item, "wp:post_name", post.slug, cdata=True)
        _add(item, "wp:status", WP_STATUS.get(post.status, "draft"), cdata=True)
        _add(item, "wp:post_parent", 0)
        _add(item, "wp:menu_order", 0)
        _add(item, "wp:post_type", "page" if post.kind == PostKind.PAGE.value else "post", cdata=True)
        _add(item, "wp:post_password", "", cdata=True)
        _add(item, "wp:is_sticky", 0)
        for tag in post.tags:
            _add(item, "category", tag.name, cdata=True, domain="post_tag", nicename=tag.slug)
        if post.feature_photo_id in attachment_ids:
            meta = _add(item, "wp:postmeta")
            _add(meta, "wp:meta_key", "_thumbnail_id", cdata=True)
            _add(meta, "wp:meta_value", attachment_ids[post.feature_photo_id], cdata=True)

    for photo in photos:
        largest = _largest_jpeg(photo)
        if largest is None:
            continue
        url = file_url(largest["name"], external=True)
        item = _add(channel, "item")
        _add(item, "title", photo.original_name or photo.key)
        _add(item, "link", url)
        _add(item, "dc:creator", slugs.get(photo.uploaded_by_id, ""), cdata=True)
        _add(item, "guid", url, isPermaLink="false")
        _add(item, "description", "")
        _add(item, "content:encoded", "", cdata=True)
        _add(item, "excerpt:encoded", photo.caption_html or "", cdata=True)
        _add(item, "wp:post_id", attachment_ids[photo.id])
        local, gmt = _wp_dates(photo.created_at, zone)
        _add(item, "wp:post_date", local, cdata=True)
        _add(item, "wp:post_date_gmt", gmt, cdata=True)
        _add(item, "wp:comment_status", "closed", cdata=True)
        _add(item, "wp:ping_status", "closed", cdata=True)
        _add(item, "wp:post_name", photo.key, cdata=True)
        _add(item, "wp:status", "inherit", cdata=True)
        _add(item, "wp:post_parent", 0)
        _add(item, "wp:menu_order", 0)
        _add(item, "wp:post_type", "attachment", cdata=True)
        _add(item, "wp:post_password", "", cdata=True)
        _add(item, "wp:is_sticky", 0)
        _add(item, "wp:attachment_url", url, cdata=True)
        for key, value in (("_wp_attached_file", largest["name"]), ("_wp_attachment_image_alt", photo.alt_text)):
            meta = _add(item, "wp:postmeta")
            _add(meta, "wp:meta_key", key, cdata=True)
            _add(meta, "wp:meta_value", value, cdata=True)

    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
