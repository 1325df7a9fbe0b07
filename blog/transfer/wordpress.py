"""Reading a WordPress export (WXR 1.1 or 1.2, as Tools → Export writes it) safely.

A WXR file is RSS 2.0 with WordPress's namespaces: the channel names the site
(``<link>``, ``<wp:base_site_url>``), its authors (``<wp:author>``), categories and
tags; each ``<item>`` is a post, a page, an attachment or something we do not
import, with ``<content:encoded>`` (the post's HTML), ``<excerpt:encoded>``,
``<wp:post_id>``, ``<wp:post_date_gmt>``, ``<wp:status>``, ``<wp:post_type>``,
``<category domain="category|post_tag">`` and ``<wp:postmeta>`` pairs.

The file is refused whole before anything is imported when it is larger than the
limit, is not text in its declared encoding, declares entities (entity expansion,
external entities), or is not a WXR of a version we read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import BinaryIO
from xml.etree.ElementTree import ParseError
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from blog.core.text import strip_control_bytes

from blog.core.time import UTC

READABLE_VERSIONS = ("1.1", "1.2")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
_WP_NAMESPACE = re.compile(r"^http://wordpress\.org/export/(\d+\.\d+)/(excerpt/)?$")


class WxrError(Exception):
    """The file cannot be imported; ``message`` says why, for the person who gave it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class WpAuthor:
    login: str
    email: str
    display_name: str


@dataclass
class WpItem:
    wp_id: int
    post_type: str
    title: str
    link: str
    slug: str
    status: str
    content: str
    excerpt: str
    author_login: str
    date_gmt: datetime | None
    parent_id: int
    attachment_url: str
    menu_order: int = 0
    password: str = ""  # a password-protected post's password (``wp:post_password``)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    menus: list[str] = field(default_factory=list)  # slugs of the nav_menu terms a menu item belongs to
    meta: dict[str, str] = field(default_factory=dict)
    comments: int = 0  # approved comments, pingbacks and trackbacks
    unapproved_comments: int = 0  # pending, spam or trashed


@dataclass
class WpTerm:
    """A category, tag or navigation menu of the channel (``wp:category``, ``wp:tag``, ``wp:term``)."""

    term_id: int
    taxonomy: str  # "category", "post_tag", "nav_menu", ...
    slug: str
    name: str


@dataclass
class WxrExport:
    version: str
    site_url: str  # the site's address, identifying it across imports
    authors: dict[str, WpAuthor]
    items: list[WpItem]
    terms: list[WpTerm] = field(default_factory=list)  # in the channel's order

    def term(self, term_id: int, taxonomy: str) -> WpTerm | None:
        return next((t for t in self.terms if t.term_id == term_id and t.taxonomy == taxonomy), None)

    @property
    def menus(self) -> list[WpTerm]:
        """The navigation menus: declared in the channel, else (older exports) named by their items."""
        declared = [t for t in self.terms if t.taxonomy == "nav_menu"]
        named = dict.fromkeys(slug for item in self.items for slug in item.menus)
        return declared + [WpTerm(0, "nav_menu", slug, slug) for slug in named
                           if slug not in {t.slug for t in declared}]


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit`` bytes of ``stream``; a larger file is refused unread beyond that."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise WxrError(f"The file is larger than {limit / 1024 ** 2:.0f} MB, the most this site imports at once. "
                       "Nothing was imported; export the WordPress site in parts (Tools → Export by date or "
                       "by author) and import each.")
    return data


def _check_encoding(data: bytes) -> None:
    declared = _DECLARED_ENCODING.match(data)
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        data.decode(encoding)
    except LookupError:
        raise WxrError(f"The file says it is written in “{encoding}”, an encoding this site does not know. "
                       "Nothing was imported.") from None
    except UnicodeDecodeError as error:
        raise WxrError(f"The file is not valid {encoding} text (byte {error.start}, value "
                       f"0x{data[error.start]:02x}): it may have been re-saved in another encoding or cut short. "
                       "Nothing was imported; export it again from WordPress.") from None


def _local_names(root) -> str:
    """Give each element a short ``prefix:name`` tag whatever the WXR version; returns the version."""
    version = ""
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith("{"):
            continue
        uri, name = element.tag[1:].split("}", 1)
        wordpress = _WP_NAMESPACE.match(uri)
        if wordpress:
            version = version or wordpress.group(1)
            element.tag = f"{'excerpt' if wordpress.group(2) else 'wp'}:{name}"
        elif uri in _NAMESPACES:
            element.tag = f"{_NAMESPACES[uri]}:{name}"
    return version


def _text(element, name: str) -> str:
    child = element.find(name)
    return (child.text or "").strip() if child is not None else ""


def _raw(element, name: str) -> str:
    child = element.find(name)
    return (child.text or "") if child is not None else ""


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _naive(element, name: str) -> datetime | None:
    value = _text(element, name)
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _offsets(elements) -> list[tuple[datetime, timedelta]]:
    """The WordPress site's own UTC offset, as its dated items show it (local ``post_date`` minus
    ``post_date_gmt``), by local time: WXR names no time zone, but every published item carries both."""
    found = []
    for element in elements:
        local, gmt = _naive(element, "wp:post_date"), _naive(element, "wp:post_date_gmt")
        if local and gmt and abs(local - gmt) <= timedelta(hours=14):
            found.append((local, local - gmt))
    return sorted(found)


def _date(item, offsets: list[tuple[datetime, timedelta]], timezone: str) -> datetime | None:
    """The moment of publication: ``post_date_gmt``; else (a draft has none) ``post_date`` in the
    WordPress site's time zone, as the export's nearest dated item shows it (summer time included),
    or, in an export with no dated item, in this site's zone."""
    gmt = _naive(item, "wp:post_date_gmt")
    if gmt is not None:
        return gmt.replace(tzinfo=UTC)
    local = _naive(item, "wp:post_date")
    if local is None:
        return None
    if offsets:
        offset = min(offsets, key=lambda pair: abs(pair[0] - local))[1]
        return (local - offset).replace(tzinfo=UTC)
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def parse_wxr(data: bytes, *, timezone: str = "UTC") -> WxrExport:
    """The export's authors and items.

    :raise WxrError: for a file that is not well-formed WXR 1.1/1.2 text, or declares entities.
    """
    _check_encoding(data)
    data = strip_control_bytes(data)
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise WxrError("The file declares XML entities (which can expand into gigabytes or read files from "
                       "the server). WordPress never writes them: this is not an untouched WordPress export. "
                       "Nothing was imported.") from None
    except ParseError as error:
        raise WxrError(f"The file is not well-formed XML ({error}). Nothing was imported.") from None
    version = _local_names(root)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None or not version:
        raise WxrError("This is not a WordPress export (WXR): it has no RSS channel in WordPress's "
                       "namespace. Nothing was imported.")
    wxr_version = _text(channel, "wp:wxr_version") or version
    if wxr_version not in READABLE_VERSIONS:
        raise WxrError(f"This is a WXR {wxr_version} file; this site reads WXR 1.1 and 1.2 (WordPress 3.1 "
                       "and later). Nothing was imported.")
    authors = {}
    for element in channel.findall("wp:author"):
        login = _text(element, "wp:author_login")
        authors[login] = WpAuthor(login, _text(element, "wp:author_email"),
                                  _text(element, "wp:author_display_name") or login)
    terms = []
    for element in channel:
        taxonomy, prefix = {"wp:category": ("category", "category_nicename"), "wp:tag": ("post_tag", "tag_slug"),
                            "wp:term": ("", "term_slug")}.get(element.tag, (None, ""))
        if taxonomy is None:
            continue
        name = _text(element, "wp:cat_name" if taxonomy == "category" else
                     "wp:tag_name" if taxonomy == "post_tag" else "wp:term_name")
        terms.append(WpTerm(_int(_text(element, "wp:term_id")), taxonomy or _text(element, "wp:term_taxonomy"),
                            _text(element, f"wp:{prefix}"), name))
    offsets = _offsets(channel.findall("item"))
    items = []
    for element in channel.findall("item"):
        item = WpItem(
            wp_id=_int(_text(element, "wp:post_id")), post_type=_text(element, "wp:post_type"),
            title=_text(element, "title"), link=_text(element, "link"), slug=_text(element, "wp:post_name"),
            status=_text(element, "wp:status"), content=_raw(element, "content:encoded"),
            excerpt=_text(element, "excerpt:encoded"), author_login=_text(element, "dc:creator"),
            date_gmt=_date(element, offsets, timezone), parent_id=_int(_text(element, "wp:post_parent")),
            attachment_url=_text(element, "wp:attachment_url"), menu_order=_int(_text(element, "wp:menu_order")),
            password=_raw(element, "wp:post_password"),
        )
        for category in element.findall("category"):
            name = (category.text or "").strip()
            if name and category.get("domain") in ("category", "post_tag"):
                (item.tags if category.get("domain") == "post_tag" else item.categories).append(name)
            elif category.get("domain") == "nav_menu":
                item.menus.append(category.get("nicename") or name)
        for comment in element.findall("wp:comment"):
            if _text(comment, "wp:comment_approved") == "1":
                item.comments += 1
            else:
                item.unapproved_comments += 1
        for meta in element.findall("wp:postmeta"):
            item.meta[_text(meta, "wp:meta_key")] = _raw(meta, "wp:meta_value")
        items.append(item)
    site_url = _text(channel, "wp:base_blog_url") or _text(channel, "link") or _text(channel, "wp:base_site_url")
    return WxrExport(wxr_version, site_url.rstrip("/"), authors, items, terms)
