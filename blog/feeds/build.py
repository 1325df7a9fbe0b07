"""Building the feeds: RSS 2.0 and Atom 1.0 (feedgen), JSON Feed 1.1 (by hand), events as Atom.

Every feed holds a fixed number of the newest items, so its cost does not grow
with the archive; RSS, Atom and JSON Feed link to numbered archive pages (RFC 5005 paged and
archived feeds, see ``blog.feeds.views``), so the whole back catalogue is reachable. Each entry carries its licence (Atom ``<rights>``, RSS channel
``<copyright>``, JSON Feed ``_citable``), its language, its DOI when it has one, and its
authors with their ORCID iD as ``uri``. Ids never change when a title or slug does: posts and events
are identified by ``urn:uuid:<uid>``. Content is the post's stored, sanitised
HTML with every site-relative address made absolute (feed readers have no base).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from feedgen.feed import FeedGenerator
from lxml import etree
from markupsafe import escape

from blog.core.time import isoformat_z, utcnow
from blog.events import services as events
from blog.events.models import Event
from blog.media.services import shared_image
from blog.posts.models import Post
from blog.posts.services import post_url
from blog.scholarly import services as scholarly
from blog.site.services import get_settings
from blog.core.urls import absolute_url, absolutise_urls

ATOM = "{http://www.w3.org/2005/Atom}"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 feed history
FH = "{" + FH_NS + "}"
FEED_ITEMS = 20
EVENT_FEED_ITEMS = 50
@dataclass
class Enclosure:
    url: str
    length: int
    mime_type: str


def post_enclosure(post: Post) -> Enclosure | None:
    """The post's feature photo (a JPEG variant) as an RSS enclosure / Atom ``rel="enclosure"`` link."""
    if post.feature_photo is None:
        return None
    image = shared_image(post.feature_photo)
    return Enclosure(image.url, image.length, image.mime_type)


@dataclass
class FeedInfo:
    title: str
    subtitle: str
    html_url: str  # the page this feed follows
    self_url: str  # the feed's own absolute address
    # RFC 5005 paging (section 3): the newest page, the oldest, and the neighbouring pages (None at
    # either end); archived feeds (section 4): the subscription document and the neighbouring archive
    # documents. See ``blog.feeds.views.paged_feed`` for how pages are numbered.
    first_url: str | None = None
    last_url: str | None = None
    next_url: str | None = None  # older posts
    previous_url: str | None = None  # newer posts
    current_url: str | None = None  # the subscription document (on archive documents)
    prev_archive_url: str | None = None  # the next older archive document
    next_archive_url: str | None = None  # the next newer archive document
    archive: bool = False  # an archive document: <fh:archive/>

    def paging_links(self) -> list[tuple[str, str]]:
        """``(rel, href)`` of every RFC 5005 link this page has, in a fixed order."""
        links = (("first", self.first_url), ("last", self.last_url), ("next", self.next_url),
                 ("previous", self.previous_url), ("current", self.current_url),
                 ("prev-archive", self.prev_archive_url), ("next-archive", self.next_archive_url))
        return [(rel, href) for rel, href in links if href]


def _s(moment):
    """To the second: feeds and HTTP dates have that resolution."""
    return moment.replace(microsecond=0)


def _entry_id(uid: str) -> str:
    return f"urn:uuid:{uid}"


def _post_generator(info: FeedInfo, items: list[Post], *, self_type: str, enclosures: bool) -> FeedGenerator:
    settings = get_settings()
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)  # RSS <author> needs an e-mail: names go in dc:creator
    feed.id(info.self_url)
    feed.title(info.title)
    feed.subtitle(info.subtitle or info.title)
    # feedgen's RSS <link> is the last link given: self first, then the page.
    feed.link(href=info.self_url, rel="self", type=self_type)
    for rel, href in info.paging_links():
        feed.link(href=href, rel=rel, type=self_type)
    feed.link(href=info.html_url, rel="alternate", type="text/html")  # last: RSS's <link>
    feed.language(settings.language or "en")
    feed.rights(scholarly.rights_statement(scholarly.site_licence(settings)))  # Atom <rights>, RSS <copyright>
    feed.author({"name": settings.site_name, "uri": absolute_url("posts.home")})
    feed.generator("Research group blog")
    feed.updated(_s(max((p.updated_at for p in items), default=settings.content_changed_at or utcnow())))
    for post in items:
        entry = feed.add_entry(order="append")
        url = post_url(post, external=True)
        entry.id(_entry_id(post.uid))
        entry.guid(_entry_id(post.uid), permalink=False)
        entry.title(post.title)
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(_s(post.published_at))
        entry.updated(_s(max(post.updated_at, post.published_at)))
        entry.summary(post.excerpt or post.title)  # RSS <description>, Atom <summary>
        entry.content(absolutise_urls(post.body_html, page_url=url), type="html")
        entry.rights(scholarly.rights_statement(scholarly.post_licence(post, settings)))
        if post.doi:
            entry.dc.dc_identifier(scholarly.doi_url(post.doi))
        for author in post.authors:
            entry.author({"name": author.display_name, "uri": _author_uri(author)})
            entry.dc.dc_creator(author.display_name)
        for tag in post.tags:
            entry.category(term=tag.name, label=tag.name, scheme=absolute_url("posts.tag", slug=tag.slug))
        enclosure = post_enclosure(post) if enclosures else None
        if enclosure is not None:
            entry.enclosure(enclosure.url, str(enclosure.length), enclosure.mime_type)
    return feed


def _author_uri(author) -> str:
    """An author's ORCID iD when known (what scholarly aggregators match on), else their page."""
    return scholarly.orcid_url(author) or absolute_url("people.person", slug=author.slug)


def posts_rss(info: FeedInfo, items: list[Post]) -> bytes:
    """RSS 2.0 with the paging links as ``atom:link`` elements in the channel (as WordPress and the
    RFC 5005 examples for RSS do; feedgen writes only the ``self`` one) and ``<fh:archive/>``."""
    document = _post_generator(info, items, self_type="application/rss+xml", enclosures=True).rss_str(pretty=False)
    root = etree.fromstring(document)
    channel = root.find("channel")
    self_link = channel.find(f"{ATOM}link[@rel='self']")
    at = list(channel).index(self_link) + 1
    for offset, (rel, href) in enumerate(info.paging_links()):
        link = etree.Element(f"{ATOM}link", href=href, rel=rel, type="application/rss+xml")
        channel.insert(at + offset, link)
    if info.archive:
        channel.insert(at + len(info.paging_links()), etree.Element(f"{FH}archive", nsmap={"fh": FH_NS}))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def posts_atom(info: FeedInfo, items: list[Post]) -> bytes:
    feed = _post_generator(info, items, self_type="application/atom+xml", enclosures=False)
    return _add_atom_entry_links(feed.atom_str(pretty=False), items, archive=info.archive)


def _add_atom_entry_links(document: bytes, items: list[Post], *, archive: bool = False) -> bytes:
    """Add each entry's ``<link rel="enclosure">`` and its DOI as ``<link rel="related">``.

    feedgen 1.0.0 writes an Atom entry's links without their ``rel``, ``type``
    and ``length`` (it reads them back from the element it has just created), so
    an enclosure would come out as a second "alternate" link, which the W3C
    validator rejects. The links are added here instead.
    """
    root = etree.fromstring(document)
    if archive:  # RFC 5005 section 4: before the entries, like the feed's other metadata
        first_entry = root.find(f"{ATOM}entry")
        marker = etree.Element(f"{FH}archive", nsmap={"fh": FH_NS})
        if first_entry is None:
            root.append(marker)
        else:
            first_entry.addprevious(marker)
    by_id = {_entry_id(post.uid): post for post in items}
    for entry in root.iter(f"{ATOM}entry"):
        post = by_id.get(entry.findtext(f"{ATOM}id"))
        enclosure = post_enclosure(post) if post is not None else None
        if enclosure is not None:
            etree.SubElement(entry, f"{ATOM}link", rel="enclosure", href=enclosure.url,
                             type=enclosure.mime_type, length=str(enclosure.length))
        if post is not None and post.doi:
            etree.SubElement(entry, f"{ATOM}link", rel="related", href=scholarly.doi_url(post.doi))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def posts_json(info: FeedInfo, items: list[Post]) -> bytes:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    settings = get_settings()
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "home_page_url": info.html_url,
        "feed_url": info.self_url,
        "description": info.subtitle or info.title,
        "language": settings.language or "en",
        "authors": [{"name": settings.site_name, "url": absolute_url("posts.home")}],
        "items": [],
    }
    if info.next_url:
        feed["next_url"] = info.next_url
    if info.first_url:
        # JSON Feed has only ``next_url``: the other RFC 5005 relations go in an extension object.
        feed["_rfc5005"] = {"about": "https://www.rfc-editor.org/rfc/rfc5005",
                            **{rel.replace("-", "_"): href for rel, href in info.paging_links()},
                            "archive": info.archive}
    for post in items:
        item = {
            "id": _entry_id(post.uid),
            "url": post_url(post, external=True),
            "title": post.title,
            "content_html": absolutise_urls(post.body_html, page_url=post_url(post, external=True)),
            "summary": post.excerpt,
            "date_published": isoformat_z(post.published_at),
            "date_modified": isoformat_z(max(post.updated_at, post.published_at)),
            "authors": [{"name": a.display_name, "url": _author_uri(a)} for a in post.authors],
            "tags": [t.name for t in post.tags],
            "language": scholarly.post_language(post, settings),
            "_citable": _citable_extension(post, settings),
        }
        if post.doi:
            item["external_url"] = scholarly.doi_url(post.doi)
        enclosure = post_enclosure(post)
        if enclosure is not None:
            item["image"] = enclosure.url
            item["attachments"] = [{"url": enclosure.url, "mime_type": enclosure.mime_type,
                                    "size_in_bytes": enclosure.length}]
        feed["items"].append(item)
    return json.dumps(feed, ensure_ascii=False).encode()


def _citable_extension(post: Post, settings) -> dict:
    """JSON Feed has no licence field: an extension object (``_`` + name, with ``about``) carries it."""
    licence = scholarly.post_licence(post, settings)
    extension = {"about": "https://spdx.org/licenses/", "license": licence.spdx, "license_url": licence.url}
    if post.doi:
        extension["doi"] = post.doi
    return extension


def event_entry_title(event: Event) -> str:
    change = events.last_change(event)
    return f"{event.title}: {change.summary}" if change else event.title


def event_entry_html(event: Event) -> str:
    """The entry body: what is known, the latest update first, then the description."""
    parts = []
    change = events.last_change(event)
    if change:
        parts.append(f"<p><strong>Updated {escape(change.changed_at.strftime('%-d %B %Y'))}: "
                     f"{escape(change.summary)}.</strong></p>")
    parts.append(f"<p>{escape(events.display_line(event))}</p>")
    if event.summary:
        parts.append(f"<p>{escape(event.summary)}</p>")
    if event.description_html:
        parts.append(absolutise_urls(event.description_html, page_url=events.event_url(event)))
    if event.is_dated:
        parts.append(f'<p><a href="{escape(events.event_ics_url(event))}">Add to calendar</a></p>')
    if len(event.changes) > 1:
        history = "".join(f"<li>{escape(c.changed_at.strftime('%-d %B %Y'))}: {escape(c.summary)}</li>"
                          for c in event.changes)
        parts.append(f"<p>Updates:</p><ul>{history}</ul>")
    return "\n".join(parts)


def events_atom(info: FeedInfo, items: list[Event]) -> bytes:
    """Announcements and their updates: an entry's ``updated`` moves whenever its event changes."""
    settings = get_settings()
    feed = FeedGenerator()
    feed.id(info.self_url)
    feed.title(info.title)
    feed.subtitle(info.subtitle)
    feed.link(href=info.self_url, rel="self", type="application/atom+xml")
    feed.link(href=info.html_url, rel="alternate", type="text/html")
    feed.language(settings.language or "en")
    feed.author({"name": settings.site_name, "uri": absolute_url("posts.home")})
    feed.generator("Research group blog")
    feed.updated(_s(max((e.updated_at for e in items), default=settings.content_changed_at or utcnow())))
    for event in items:
        entry = feed.add_entry(order="append")
        entry.id(_entry_id(event.uid))
        entry.title(event_entry_title(event))
        entry.link(href=events.event_url(event), rel="alternate", type="text/html")
        entry.published(_s(event.published_at))
        entry.updated(_s(max(event.updated_at, event.published_at)))
        entry.summary(events.display_line(event))
        entry.content(event_entry_html(event), type="html")
        for tag in event.tags:
            entry.category(term=tag.name, label=tag.name, scheme=absolute_url("posts.tag", slug=tag.slug))
    return feed.atom_str(pretty=False)
