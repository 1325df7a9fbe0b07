"""Feed addresses: posts (RSS, Atom, JSON Feed; all, per tag, per author; paged with ``?page=N``),
events (Atom, iCalendar).

Every feed answers conditional requests (ETag and Last-Modified from the content
stamp, so a 304 costs one indexed read), is kept in the page store, and carries Cache-Control.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from blog.core.cache import cached_page
from blog.events import services as events
from blog.feeds import build
from blog.feeds.ical import calendar_for
from blog.posts import services as posts
from blog.site.services import content_stamp, get_settings
from blog.core.urls import absolute_url

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

RSS = "application/rss+xml"
ATOM = "application/atom+xml"
JSON_FEED = "application/feed+json"
ICAL = "text/calendar"
CALENDAR_ITEMS = 200  # the newest by start; icalendar costs about 1 ms an event


def _respond(body: bytes, mimetype: str):
    content_type = mimetype if mimetype == ICAL else f"{mimetype}; charset=utf-8"
    return current_app.response_class(body, content_type=content_type)


def _render(kind: str, info: build.FeedInfo, *conditions, endpoint: str, **values):
    """The feed's newest posts (the subscription document), or with ``?page=N`` one of its archive
    pages, in RSS, Atom or JSON Feed: see ``paged_feed``.

    :raise 404: for a page that is not a number, or not a complete archive page.
    """
    page = request.args.get("page")
    if page is not None and not (page.isdigit() and page == str(int(page))):
        abort(404)
    items = paged_feed(info, *conditions, number=int(page) if page else None,
                       url=lambda **extra: absolute_url(endpoint, kind=kind, **values, **extra))
    if kind == "rss":
        return _respond(build.posts_rss(info, items), RSS)
    if kind == "atom":
        return _respond(build.posts_atom(info, items), ATOM)
    return _respond(build.posts_json(info, items), JSON_FEED)


def paged_feed(info: build.FeedInfo, *conditions, number: int | None, url) -> list:
    """The posts of one page of a feed, and its RFC 5005 links set on ``info``.

    The feed is both an RFC 5005 *paged* feed (section 3: ``first``, ``last``, ``next`` to older,
    ``previous`` to newer) and an *archived* feed (section 4: ``prev-archive``, ``next-archive``,
    ``current``, and ``<fh:archive/>`` on archive documents), so a client that knows either walks
    the whole back catalogue, and the W3C validator knows every relation used.

    Pages are numbered from the oldest post: page 1 holds the ``FEED_ITEMS`` oldest posts, page 2
    the next ones, and so on, and only *complete* pages are archive pages. A complete page's
    address and content therefore never change when posts are published (they go after it), so
    a harvester that has read ``?page=7`` never needs it again, and a proxy could keep it for ever.
    Counting from the newest (``?page=2`` = the second newest 20) would move every post to another
    page with each new one; a cursor of the newest item would name stable pages too, but gives no
    ``last`` address and no way to jump to a page. The price: posts published with a date in the
    past, or deleted, shift the pages after them once; entries keep their ``id``, so harvesters
    that de-duplicate by id (Rogue Scholar does, by ``guid``/``id``) lose nothing.

    The subscription document (the feed's address without ``?page``, unchanged and cached like
    any page) holds the newest ``FEED_ITEMS`` posts, so it overlaps the newest archive page: the
    newest posts not on a complete page are only there. ``next`` and ``prev-archive`` from it lead
    to the newest complete page, and ``last`` is page 1.

    :raise 404: when ``number`` is not a complete archive page.
    """
    per_page = build.FEED_ITEMS
    total = posts.count_listed_posts(*conditions)
    complete = total // per_page
    head = url()
    info.first_url = head
    info.last_url = url(page=1) if complete else head
    if number is None:
        if complete:
            info.next_url = info.prev_archive_url = url(page=complete)
        return posts.page_of_posts(*conditions, per_page=per_page).items
    if not 1 <= number <= complete:
        abort(404)
    info.self_url = url(page=number)
    info.archive = True
    info.current_url = head
    if number > 1:
        info.next_url = info.prev_archive_url = url(page=number - 1)
    if number < complete:
        info.previous_url = info.next_archive_url = url(page=number + 1)
    else:
        info.previous_url = head
    return posts.numbered_page_of_posts(*conditions, number=number, per_page=per_page, total=total)


FORMATS = ("rss", "atom", "json")


def _site_info(endpoint: str, **values) -> build.FeedInfo:
    settings = get_settings()
    return build.FeedInfo(title=settings.site_name, subtitle=settings.tagline or settings.description,
                          html_url=absolute_url("posts.home"), self_url=absolute_url(endpoint, **values))


@bp.get("/posts.<any(rss, atom, json):kind>")
@cached_page(content_stamp)
def posts_feed(kind: str):
    return _render(kind, _site_info("feeds.posts_feed", kind=kind), endpoint="feeds.posts_feed")


@bp.get("/tags/<slug>.<any(rss, atom, json):kind>")
@cached_page(content_stamp)
def tag_feed(slug: str, kind: str):
    tag = posts.tag_by_slug(slug)
    settings = get_settings()
    info = build.FeedInfo(title=f"{settings.site_name}: {tag.name}",
                          subtitle=tag.description or f"Write-ups tagged “{tag.name}”",
                          html_url=absolute_url("posts.tag", slug=tag.slug),
                          self_url=absolute_url("feeds.tag_feed", slug=tag.slug, kind=kind))
    return _render(kind, info, posts.tag_condition(tag), endpoint="feeds.tag_feed", slug=tag.slug)


@bp.get("/authors/<slug>.<any(rss, atom, json):kind>")
@cached_page(content_stamp)
def author_feed(slug: str, kind: str):
    person = posts.author_by_slug(slug)
    settings = get_settings()
    info = build.FeedInfo(title=f"{settings.site_name}: {person.display_name}",
                          subtitle=f"Write-ups by {person.display_name}",
                          html_url=absolute_url("people.person", slug=person.slug),
                          self_url=absolute_url("feeds.author_feed", slug=person.slug, kind=kind))
    return _render(kind, info, posts.author_condition(person), endpoint="feeds.author_feed",
                   slug=person.slug)


@bp.get("/events.atom")
@cached_page(content_stamp)
def events_atom():
    settings = get_settings()
    info = build.FeedInfo(title=f"{settings.site_name}: events",
                          subtitle=f"Events of {settings.site_name}: announcements and their updates",
                          html_url=absolute_url("events.index"), self_url=absolute_url("feeds.events_atom"))
    return _respond(build.events_atom(info, events.recently_updated_events(limit=build.EVENT_FEED_ITEMS)), ATOM)


@bp.get("/events.ics")
@cached_page(content_stamp)
def events_ics():
    name = f"{get_settings().site_name}: events"
    return _respond(calendar_for(events.calendar_events(limit=CALENDAR_ITEMS), name=name), ICAL)


@bp.get("/tags/<slug>/events.ics")
@cached_page(content_stamp)
def tag_events_ics(slug: str):
    tag = posts.tag_by_slug(slug)
    name = f"{get_settings().site_name}: {tag.name} events"
    return _respond(calendar_for(events.calendar_events(tag=tag, limit=CALENDAR_ITEMS), name=name), ICAL)
