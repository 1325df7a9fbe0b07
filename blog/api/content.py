"""The Content API: published posts, published events, tags and people, read-only and public.

Answers carry the public pages' caching headers (ETag and Last-Modified from the content
version, 304 to a matching conditional request) and are kept in the page store like pages
(``blog.core.cache.cached_page``); a request with an ``Authorization`` header is never answered
from, nor put in, that store. Lists are paged by an opaque ``cursor``; a page's ``next`` address
is in its body and in a ``Link: <...>; rel="next"`` header.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, redirect, request
from flask_smorest import Blueprint, abort

from blog.api import cursors
from blog.api import schemas
from blog.api import services as api_services
from blog.core.cache import cached_page
from blog.core.time import UTC, utcnow
from blog.core.urls import absolute_url
from blog.errors import NotFound, ValidationFailed
from blog.events import services as events
from blog.extensions import db
from blog.media import services as media
from blog.posts import services as posts
from blog.posts.models import Post, PostKind, Tag
from blog.accounts.models import User
from blog.site.services import content_stamp

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="Content API: the group's published posts, events, tags and people. No token needed.")

PUBLIC_HEADERS = {"Access-Control-Allow-Origin": "*"}


# --- what each item looks like -------------------------------------------------------------------

def _tag(tag) -> dict:
    return {"slug": tag.slug, "name": tag.name, "url": absolute_url("posts.tag", slug=tag.slug)}


def _person(user) -> dict:
    return {"slug": user.slug, "name": user.display_name, "url": absolute_url("people.person", slug=user.slug)}


def post_data(post: Post) -> dict:
    photo = post.feature_photo
    return {
        "id": post.id, "uid": post.uid, "slug": post.slug, "title": post.title,
        "url": posts.post_url(post, external=True), "api_url": absolute_url("api.post", slug=post.slug),
        "excerpt": post.excerpt, "html": post.body_html, "published_at": post.published_at,
        "updated_at": post.updated_at, "reading_minutes": post.reading_minutes,
        "feature_image": media.photo_url(photo, external=True) if photo is not None and photo.variants else None,
        "language": post.language, "licence": post.licence, "doi": post.doi,
        "tags": [_tag(t) for t in post.tags], "authors": [_person(u) for u in post.authors],
    }


def event_data(event, now: datetime) -> dict:
    return {
        "id": event.id, "uid": event.uid, "slug": event.slug, "title": event.title,
        "url": events.event_url(event), "ics_url": events.event_ics_url(event),
        "summary": event.summary, "html": event.description_html,
        "status": event.effective_status(now).value, "precision": event.precision,
        "when": events.display_when(event), "timezone": event.timezone,
        "starts_at": event.starts_at, "ends_at": event.ends_at,
        "start_date": event.start_date, "end_date": event.end_date,
        "venue": {"name": event.venue_name, "address": event.venue_address, "city": event.city},
        "online_url": event.online_url, "registration_url": event.registration_url,
        "published_at": event.published_at, "updated_at": event.updated_at,
        "tags": [_tag(t) for t in event.tags],
    }


def author_data(user) -> dict:
    return {**_person(user), "affiliation": user.affiliation, "bio": user.bio, "orcid": user.orcid,
            "ror": user.ror}


# --- paging --------------------------------------------------------------------------------------

def _limit(args: dict) -> int:
    return args.get("limit") or min(current_app.config["API_PAGE_SIZE"], schemas.MAX_LIMIT)


def _page(items: list, next_cursor: str | None):
    """The body and headers of one page: ``next`` as an address, in the body and a Link header."""
    headers = dict(PUBLIC_HEADERS)
    next_url = None
    if next_cursor:
        values = {**request.args.to_dict(), "cursor": next_cursor}
        next_url = absolute_url(request.endpoint, **values)
        headers["Link"] = f'<{next_url}>; rel="next"'
    return {"items": items, "next": next_url}, 200, headers


def _offset_page(query, args: dict, render):
    offset, limit = cursors.offset_of(args.get("cursor")), _limit(args)
    rows = list(db.session.execute(query.offset(offset).limit(limit + 1)).scalars())
    more = len(rows) > limit
    return _page([render(row) for row in rows[:limit]], cursors.encode("o", str(offset + limit)) if more else None)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):  # within a day of year 1 or 9999: as good as the end of time
        return (datetime.min if moment.year < 5000 else datetime.max).replace(tzinfo=UTC)


NOTHING = db.false()
CACHE_HEADERS = {
    "ETag": {"description": "Weak validator from the site's content version: send it in If-None-Match.",
             "schema": {"type": "string"}},
    "Last-Modified": {"description": "When readers' content last changed.", "schema": {"type": "string"}},
}
PAGE_HEADERS = {**CACHE_HEADERS, "Link": {"description": 'The next page, as `<URL>; rel="next"`, when there is one.',
                                          "schema": {"type": "string"}}}


def _by_slug(model, slug: str):
    """The tag or person with this slug, or None (also for a slug no row can have: PostgreSQL
    refuses a NUL character even in a query)."""
    if "\x00" in slug:
        return None
    return db.session.execute(db.select(model).where(model.slug == slug)).scalar_one_or_none()


# --- routes --------------------------------------------------------------------------------------

@bp.route("/posts")
@cached_page(content_stamp)
@bp.arguments(schemas.PostQuerySchema, location="query", as_kwargs=True)
@bp.response(200, schemas.PostPageSchema, headers=PAGE_HEADERS)
@bp.alt_response(304, description="Not modified (the ETag given in If-None-Match still matches)")
def posts_list(**args):
    """Published posts, newest first

    Filters combine: `tag` and `author` take slugs (an unknown one gives an empty list),
    `published_after`/`published_before` a date-time.
    """
    conditions = []
    if args.get("tag"):
        tag = _by_slug(Tag, args["tag"])
        conditions.append(posts.tag_condition(tag) if tag is not None else NOTHING)
    if args.get("author"):
        author = _by_slug(User, args["author"])
        conditions.append(posts.author_condition(author) if author is not None else NOTHING)
    if (after := _utc(args.get("published_after"))) is not None:
        conditions.append(Post.published_at >= after)
    if (before := _utc(args.get("published_before"))) is not None:
        conditions.append(Post.published_at < before)
    raw = cursors.decode("p", args.get("cursor"))
    try:
        page = posts.page_of_posts(*conditions, per_page=_limit(args), before=raw)
    except ValidationFailed:
        abort(404, message=cursors.NO_SUCH_PAGE)
    return _page([post_data(p) for p in page.items], cursors.encode("p", page.older) if page.older else None)


@bp.route("/posts/<slug>")
@cached_page(content_stamp)
@bp.response(200, schemas.PostSchema, headers=CACHE_HEADERS)
@bp.alt_response(301, description="The post moved to a new slug: see Location")
@bp.alt_response(304, description="Not modified")
@bp.alt_response(404, schema=schemas.ProblemSchema, content_type="application/problem+json",
                 description="No published post has this slug")
def post(slug: str):
    """One published post by its slug"""
    if "\x00" in slug:
        abort(404, message="There is no published post with this slug.")
    try:
        found, moved_to = posts.visible_post_by_slug(slug, kind=PostKind.POST)
    except NotFound:
        abort(404, message="There is no published post with this slug.")
    if found is None:
        return redirect(absolute_url("api.post", slug=moved_to), 301)
    return post_data(found), 200, PUBLIC_HEADERS


@bp.route("/events")
@cached_page(content_stamp)
@bp.arguments(schemas.EventQuerySchema, location="query", as_kwargs=True)
@bp.response(200, schemas.EventPageSchema, headers=PAGE_HEADERS)
@bp.alt_response(304, description="Not modified")
def events_list(**args):
    """Published events"""
    tag = None
    if args.get("tag"):
        tag = _by_slug(Tag, args["tag"])
        if tag is None:
            return _page([], None)
    now = utcnow()
    return _offset_page(events.listing_query(args.get("status"), now=now, tag=tag), args,
                        lambda event: event_data(event, now))


@bp.route("/tags")
@cached_page(content_stamp)
@bp.arguments(schemas.PageQuerySchema, location="query", as_kwargs=True)
@bp.response(200, schemas.TagPageSchema, headers=PAGE_HEADERS)
@bp.alt_response(304, description="Not modified")
def tags(**args):
    """Tags, by name"""
    return _offset_page(api_services.tags_query(), args,
                        lambda tag: {**_tag(tag), "description": tag.description or ""})


@bp.route("/authors")
@cached_page(content_stamp)
@bp.arguments(schemas.PageQuerySchema, location="query", as_kwargs=True)
@bp.response(200, schemas.AuthorPageSchema, headers=PAGE_HEADERS)
@bp.alt_response(304, description="Not modified")
def authors(**args):
    """People: credited on a published post or listed on the people page, by name

    Each links to the person's page on the site (`/people/<slug>`). Email addresses are never shown.
    """
    return _offset_page(api_services.authors_query(), args, author_data)
