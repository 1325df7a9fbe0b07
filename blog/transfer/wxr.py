"""A WordPress eXtended RSS (WXR 1.2) file of the site, as WordPress's importer reads it.

Posts and pages become items of ``wp:post_type`` post and page whose content is Gutenberg
block markup made from the rendered HTML: photos are ``wp:image`` blocks (``wp-image-ID``
names the attachment; alt text and caption in the figure), galleries ``wp:gallery``, pull
quotes ``wp:pullquote``, event cards a paragraph with a link to the event, social-post snapshots ``wp:quote`` blockquotes in their platform's
embed layout (text, "— Name (@handle)", a dated link to the post), everything else stays
HTML (classic parts, which WordPress shows as they are). Tags become ``post_tag`` terms,
people ``wp:author`` entries (their slug is the login), photos attachments whose
``wp:attachment_url`` the importer downloads from this site, and the site's menu a
``nav_menu`` term with its ``nav_menu_item`` items. WordPress keeps one author per post:
the first credited person.

Text is made safe for XML 1.0 (control characters removed) and ``]]>`` never ends a CDATA
section early (such text is written escaped instead).
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import json
from html import escape

import lxml.html
from lxml import etree

from blog.accounts.models import User
from blog.core.time import UTC, utcnow
from blog.core.urls import absolutise_urls, site_url
from blog.embeds.models import SocialPost
from blog.extensions import db
from blog.media.models import Photo
from blog.media.services import file_url
from blog.posts.models import Post, PostKind, PostStatus, Tag
from blog.posts.services import post_url
from blog.site.models import MenuItem, MenuKind

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


# What XML 1.0 cannot hold: C0 controls but tab, newline and return; surrogates; U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value) -> str:
    return _NOT_XML.sub("", str(value))


def _add(parent, tag: str, text: str | int | None = None, *, cdata: bool = False, **attrs):
    prefix, _, name = tag.rpartition(":")
    element = etree.SubElement(parent, _q(prefix, name) if prefix else name,
                               {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        text = xml_text(text)
        # A CDATA section cannot hold "]]>": such text is written escaped, which readers take the same.
        element.text = etree.CDATA(text) if cdata and "]]>" not in text else text
    return element


def wordpress_html(body_html: str) -> str:
    """Stored HTML as WordPress shows it: ``<picture>`` reduced to its ``<img>`` (WordPress makes
    its own sizes), addresses absolute on this site."""
    return absolutise_urls(_RESPONSIVE_ATTRS.sub("", _SOURCES.sub("", body_html or "")))


_SOCIAL_DIRECTIVE = re.compile(r"\[\[social:([^\]]+)\]\]")
_DATE_SHOWN = "%B %-d, %Y"  # as X's and Bluesky's embed code show it: "March 13, 2025"


def _block(name: str, html: str, attrs: dict | None = None) -> str:
    opening = f"<!-- wp:{name} {json.dumps(attrs, ensure_ascii=False)} -->" if attrs else f"<!-- wp:{name} -->"
    return f"{opening}\n{html}\n<!-- /wp:{name} -->"


def _inner(element) -> str:
    return (escape(element.text or "", quote=False)
            + "".join(lxml.html.tostring(child, encoding="unicode") for child in element))


class _Blocks:
    """A post's rendered HTML as WordPress block markup."""

    def __init__(self, attachment_ids: dict[int, int], photos: dict[str, Photo]):
        self.attachment_ids = attachment_ids
        self.photos = photos

    def image(self, figure) -> str:
        photo = self.photos.get(figure.get("data-photo") or "")
        image = next(figure.iter("img"), None)
        if photo is None or image is None or photo.id not in self.attachment_ids:
            return lxml.html.tostring(figure, encoding="unicode")
        wp_id = self.attachment_ids[photo.id]
        largest = _largest_jpeg(photo)
        src = file_url(largest["name"], external=True) if largest else absolutise_urls(image.get("src") or "")
        caption = next(figure.iter("figcaption"), None)
        html = (f'<figure class="wp-block-image size-full"><img src="{escape(src)}" alt="{escape(photo.alt_text)}" '
                f'class="wp-image-{wp_id}"/>')
        if caption is not None and (caption.text_content() or "").strip():
            html += f'<figcaption class="wp-element-caption">{_inner(caption)}</figcaption>'
        return _block("image", html + "</figure>", {"id": wp_id, "sizeSlug": "full", "linkDestination": "none"})

    def gallery(self, element) -> str:
        images = [self.image(f) for f in element.iter("figure") if "photo" in (f.get("class") or "").split()]
        return _block("gallery", '<figure class="wp-block-gallery has-nested-images columns-default is-cropped">\n'
                      + "\n".join(images) + "\n</figure>", {"linkTo": "none"})

    @staticmethod
    def pullquote(figure) -> str:
        quote = next(figure.iter("blockquote"), None)
        words = _inner(quote).strip() if quote is not None else ""
        caption = next(figure.iter("figcaption"), None)
        cite = re.sub(r"^\s*[—–-]\s*", "", caption.text_content()) if caption is not None else ""
        cite_html = f"<cite>{escape(cite.strip())}</cite>" if cite.strip() else ""
        return _block("pullquote", f'<figure class="wp-block-pullquote"><blockquote>{words}{cite_html}'
                      "</blockquote></figure>")

    @staticmethod
    def social(post: SocialPost) -> str:
        """The platform's embed layout (X and Bluesky share it), which WordPress shows as a quote and
        which importers that read embed code (ours) turn back into a snapshot."""
        kind = {"x": "twitter-tweet", "bluesky": "bluesky-embed"}.get(post.platform, "")
        words = post.text_html or "".join(f"<p>{escape(p)}</p>" for p in (post.text or "").split("\n\n"))
        who = escape(post.display_name or post.handle or "")
        handle = f" (@{escape(post.handle.lstrip('@'))})" if post.handle else ""
        shown = post.posted_at.strftime(_DATE_SHOWN) if post.posted_at else (post.url or "")
        link = f' <a href="{escape(post.url)}">{escape(shown)}</a>' if post.url else ""
        classes = "wp-block-quote" + (f" {kind}" if kind else "")
        attrs = {"className": kind} if kind else None
        return _block("quote", f'<blockquote class="{classes}">{words}&mdash; {who}{handle}{link}</blockquote>', attrs)

    @staticmethod
    def event(card) -> str:
        """An event card: WordPress has no events, so a paragraph with the label, a link to the
        event's page on this site and its date line."""
        label, title, when = (next((p for p in card.iter("p") if name in (p.get("class") or "")), None)
                              for name in ("event-card-label", "event-card-title", "event-card-when"))
        link = next(title.iter("a"), None) if title is not None else None
        if link is None:
            return lxml.html.tostring(card, encoding="unicode", with_tail=False)
        words = f"<strong>{escape(label.text_content().strip())}:</strong> " if label is not None else ""
        words += lxml.html.tostring(link, encoding="unicode", with_tail=False)
        if when is not None and when.text_content().strip():
            words += f" — {escape(when.text_content().strip())}"
        return _block("paragraph", f"<p>{words}</p>")

    def convert(self, body_html: str, body_markdown: str) -> str:
        root = lxml.html.fragment_fromstring(wordpress_html(body_html) or "<p></p>", create_parent="div")
        social_keys = [[k.strip() for k in match.group(1).split(",")]
                       for match in _SOCIAL_DIRECTIVE.finditer(body_markdown or "")]
        social_by_key = {}
        wanted = [k for keys in social_keys for k in keys]
        if wanted:
            social_by_key = {p.key: p for p in db.session.execute(
                db.select(SocialPost).where(SocialPost.key.in_(wanted))).scalars()}
        blocks = [escape(root.text.strip(), quote=False)] if (root.text or "").strip() else []
        for element in root:
            classes = (element.get("class") or "").split()
            if element.tag == "figure" and "photo" in classes:
                blocks.append(self.image(element))
            elif element.tag in ("div", "figure") and "gallery" in " ".join(classes):
                blocks.append(self.gallery(element))
            elif element.tag == "figure" and "pullquote" in classes:
                blocks.append(self.pullquote(element))
            elif ("social-post" in classes or "social-thread" in classes) and social_keys:
                posts = [social_by_key[k] for k in social_keys.pop(0) if k in social_by_key]
                blocks.extend(self.social(p) for p in posts)
            elif element.tag == "aside" and "event-card" in classes:
                blocks.append(self.event(element))
            elif element.tag == "p":
                blocks.append(_block("paragraph", lxml.html.tostring(element, encoding="unicode", with_tail=False)))
            elif element.tag in ("h2", "h3", "h4", "h5", "h6"):
                html = lxml.html.tostring(element, encoding="unicode", with_tail=False)
                blocks.append(_block("heading", html.replace(f"<{element.tag}", f'<{element.tag} class="wp-block-heading"', 1),
                                     {"level": int(element.tag[1])}))
            else:  # lists, tables, code, event cards...: HTML as it is (a classic block in WordPress)
                blocks.append(lxml.html.tostring(element, encoding="unicode", with_tail=False))
        return "\n\n".join(blocks)


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
    blocks = _Blocks(attachment_ids, {p.key: p for p in photos})

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
        _add(item, "content:encoded", blocks.convert(post.body_html, post.body_markdown), cdata=True)
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
        _add(item, "excerpt:encoded", _caption_text(photo), cdata=True)
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
            if not value:
                continue
            meta = _add(item, "wp:postmeta")
            _add(meta, "wp:meta_key", key, cdata=True)
            _add(meta, "wp:meta_value", value, cdata=True)

    _menu(channel, first_id=max(attachment_ids.values(), default=first_post_id), zone=zone,
          creator=people[0].slug if people else "")
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _caption_text(photo: Photo) -> str:
    """The caption as WordPress's media library keeps it (HTML, without our paragraph)."""
    html = (photo.caption_html or "").strip()
    return re.sub(r"^<p>(.*)</p>$", r"\1", html, flags=re.S)


MENU_SLUG = "main-menu"


def _menu(channel, *, first_id: int, zone: ZoneInfo, creator: str) -> None:
    """The site's menu as WordPress writes a menu: a ``nav_menu`` term and one ``nav_menu_item``
    per entry, with its target in ``_menu_item_*`` fields. Pages and posts are ``post_type`` items
    pointing at their WordPress ids, tags ``taxonomy`` items, the posts list and the events list and
    links ``custom`` items with an address."""
    entries = db.session.execute(db.select(MenuItem).order_by(MenuItem.position, MenuItem.id)).scalars().all()
    if not entries:
        return
    term = etree.Element(_q("wp", "term"))
    _add(term, "wp:term_id", 1)
    _add(term, "wp:term_taxonomy", "nav_menu", cdata=True)
    _add(term, "wp:term_slug", MENU_SLUG, cdata=True)
    _add(term, "wp:term_name", "Main menu", cdata=True)
    channel.find("generator").addprevious(term)  # with the other terms, before the items, as WordPress writes it
    now_local, now_gmt = _wp_dates(utcnow(), zone)
    for order, entry in enumerate(entries, start=1):
        fields = {"_menu_item_menu_item_parent": "0", "_menu_item_target": "", "_menu_item_classes": "",
                  "_menu_item_xfn": ""}
        target = db.session.get(Post, entry.post_id) if entry.post_id else None
        if entry.kind in (MenuKind.PAGE.value, MenuKind.POST.value) and target is not None:
            fields.update(_menu_item_type="post_type", _menu_item_object=(
                "page" if target.kind == PostKind.PAGE.value else "post"),
                _menu_item_object_id=str(entry.post_id), _menu_item_url="")
        elif entry.kind == MenuKind.TAG.value and entry.tag_id is not None:
            fields.update(_menu_item_type="taxonomy", _menu_item_object="post_tag",
                          _menu_item_object_id=str(entry.tag_id), _menu_item_url="")
        else:
            fields.update(_menu_item_type="custom", _menu_item_object="custom", _menu_item_url=_menu_url(entry))
        fields["_menu_item_object_id"] = fields.get("_menu_item_object_id") or str(first_id + order)
        item = _add(channel, "item")
        _add(item, "title", entry.label)
        _add(item, "link", site_url())
        _add(item, "dc:creator", creator, cdata=True)
        _add(item, "guid", f"{site_url()}/?p={first_id + order}", isPermaLink="false")
        _add(item, "description", "")
        _add(item, "content:encoded", "", cdata=True)
        _add(item, "excerpt:encoded", "", cdata=True)
        _add(item, "wp:post_id", first_id + order)
        _add(item, "wp:post_date", now_local, cdata=True)
        _add(item, "wp:post_date_gmt", now_gmt, cdata=True)
        _add(item, "wp:comment_status", "closed", cdata=True)
        _add(item, "wp:ping_status", "closed", cdata=True)
        _add(item, "wp:post_name", str(first_id + order), cdata=True)
        _add(item, "wp:status", "publish", cdata=True)
        _add(item, "wp:post_parent", 0)
        _add(item, "wp:menu_order", order)
        _add(item, "wp:post_type", "nav_menu_item", cdata=True)
        _add(item, "wp:post_password", "", cdata=True)
        _add(item, "wp:is_sticky", 0)
        _add(item, "category", "Main menu", cdata=True, domain="nav_menu", nicename=MENU_SLUG)
        for key, value in fields.items():
            meta = _add(item, "wp:postmeta")
            _add(meta, "wp:meta_key", key, cdata=True)
            _add(meta, "wp:meta_value", value, cdata=True)


def _menu_url(entry: MenuItem) -> str:
    """The address of a custom menu item: a link's own, else this site's list it names."""
    if entry.kind == MenuKind.LINK.value:
        return entry.url
    if entry.kind == MenuKind.EVENTS.value:
        return site_url() + "/events"
    return site_url() + "/"
