"""Feed addresses: posts (RSS, Atom, JSON Feed; all, per tag, per author), events (Atom, iCalendar).

Every feed answers conditional requests (ETag and Last-Modified from the content
stamp, so a 304 costs one indexed read), is kept in the page store, and carries Cache-Control.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from blog.core.cache import cached_page
from blog.errors import ValidationFailed
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
    """The feed's newest posts; Atom and JSON Feed also answer ``?before=``/``?after=`` with older or
    newer pages and link them (RFC 5005 paged feeds: ``first``, ``next``, ``previous``).

    :raise 404: for a malformed page cursor.
    """
    if kind == "rss":
        page = posts.page_of_posts(*conditions, per_page=build.FEED_ITEMS)
        return _respond(build.posts_rss(info, page.items), RSS)
    before, after = request.args.get("before"), request.args.get("after")
    try:
        page = posts.page_of_posts(*conditions, per_page=build.FEED_ITEMS, before=before, after=after)
    except ValidationFailed:
        abort(404)
    info.first_url = absolute_url(endpoint, kind=kind, **values)
    if before or after:
        info.self_url = absolute_url(endpoint, kind=kind, **values, **({"before": before} if before
                                                                       else {"after": after}))
    if page.older:
        info.next_url = absolute_url(endpoint, kind=kind, **values, before=page.older)
    if page.newer:
        info.previous_url = absolute_url(endpoint, kind=kind, **values, after=page.newer)
    if kind == "atom":
        return _respond(build.posts_atom(info, page.items), ATOM)
    return _respond(build.posts_json(info, page.items), JSON_FEED)


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
