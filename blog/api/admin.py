"""The Admin API: scripts act as the person whose personal token they send, within its scopes.

Every request needs ``Authorization: Bearer <token>`` (no cookie is read or set here, so the
blueprint is exempt from CSRF: a browser cannot make another site's page send that header).
Requests are rate-limited per token (``API_RATE_LIMITS``). What a token may do is what its
owner's role allows in the web editor, because the same services decide (``blog.posts.services``,
``blog.events.services``, ``blog.media.services``, ``blog.newsletter.services``); a scope only
narrows what the token may try. Views parse, call a service, commit once, then send mail.
"""
from __future__ import annotations

import dataclasses
import hashlib
import http
from functools import wraps

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from blog.accounts.models import Role
from blog.accounts.services import require_role
from blog.api import schemas
from blog.api import services
from blog.api.services import Scope
from blog.core import mail
from blog.core.time import is_valid_zone, to_local, utcnow
from blog.errors import ValidationFailed
from blog.core.urls import absolute_url
from blog.events import services as events
from blog.events.models import Event, Precision
from blog.extensions import csrf, db, limiter
from blog.media import services as media
from blog.newsletter import consent
from blog.newsletter import services as newsletter
from blog.newsletter.models import Subscriber
from blog.posts import services as posts
from blog.posts.models import Post
from blog.site.services import get_settings

class _Parser(FlaskParser):
    """webargs' Flask parser, plus ``multipart``: form fields and files of one multipart request."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req, schema):
        """Each field once: a repeated one is a list, which a field expecting one value refuses
        (webargs' proxy would quietly take the first)."""
        fields = CombinedMultiDict([req.form, req.files])
        return {name: values[0] if len(values) == 1 else values
                for name, values in fields.lists()}


class AdminBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}


bp = AdminBlueprint("api_admin", __name__, url_prefix="/api/v1/admin",
               description="Admin API: for scripts, with a personal token (`Authorization: Bearer ...`).")
csrf.exempt(bp)

BEARER_CHALLENGE = 'Bearer realm="api"'


def _token_key() -> str:
    """Rate-limit bucket: the token (by a hash of its secret), else the client address."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return "api-token:" + hashlib.sha256(secret.strip().encode()).hexdigest()[:32]
    return "api-address:" + (request.remote_addr or "unknown")


limiter.limit(lambda: current_app.config["API_RATE_LIMITS"], key_func=_token_key)(bp)


@bp.before_request
def authenticate():
    """The token from the Authorization header, or a 401 problem."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401, message="Send a personal API token: Authorization: Bearer <token> (make one on your "
                           "profile page).", headers={"WWW-Authenticate": BEARER_CHALLENGE})
    token = services.token_for_secret(secret.strip())
    if token is None:
        abort(401, message="This token is not valid: it was revoked, mistyped, or its owner's account is "
                           "closed.", headers={"WWW-Authenticate": BEARER_CHALLENGE + ', error="invalid_token"'})
    db.session.commit()  # its "last used" time, even if the request then fails
    g.api_token = token


def user():
    return g.api_token.user


def requires(*scopes: str):
    """Refuse (403) a token that has none of ``scopes``; documented in the OpenAPI document."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not g.api_token.scope_set & set(scopes):
                abort(403, message=f"This token does not have the scope {' or '.join(scopes)}; make a token "
                                   "with it on your profile page.",
                      type="urn:blog:problem:insufficient-scope", title="Insufficient scope")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def existing(model, argument: str, what: str):
    """404 for an id no row has, before the body is read: an unknown address is a 404 whatever was sent."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            _load(model, kwargs[argument], what)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def documented(*scopes: str, statuses=(401, 403, 429)):
    """The security requirement and the usual error answers, in the OpenAPI document."""

    def decorator(view):
        for status in statuses:
            # The component flask-smorest registered for the status (its name varies across Python versions).
            view = bp.alt_response(status, response=http.HTTPStatus(status).name)(view)
        return bp.doc(security=[{"bearerAuth": list(scopes)}])(view)

    return decorator


# --- what each item looks like -------------------------------------------------------------------

def admin_post(post: Post) -> dict:
    return {
        "id": post.id, "slug": post.slug, "title": post.title, "status": post.status, "version": post.version,
        "body_markdown": post.body_markdown, "excerpt": post.excerpt, "published_at": post.published_at,
        "updated_at": post.updated_at, "tags": [t.name for t in post.tags], "authors": [u.slug for u in post.authors],
        "url": posts.post_url(post, external=True) if post.is_visible(utcnow()) else None,
        "editor_url": absolute_url("editor.edit", post_id=post.id),
    }


def admin_event(event: Event) -> dict:
    return {
        "id": event.id, "slug": event.slug, "title": event.title, "status": event.status,
        "precision": event.precision, "when": events.display_when(event), "sequence": event.sequence,
        "published": event.is_published, "url": events.event_url(event) if event.is_published else None,
        "editor_url": absolute_url("events.edit", event_id=event.id),
    }


def _load(model, object_id: int, what: str):
    found = db.session.get(model, object_id)
    if found is None:
        abort(404, message=f"There is no {what} with this id.")
    return found


# --- who am I --------------------------------------------------------------------------------------

@bp.route("/me")
@documented(statuses=(401, 429))
@bp.response(200, schemas.MeSchema)
def me():
    """The token's owner, role and scopes"""
    person = user()
    return {"name": person.display_name, "slug": person.slug, "role": person.role,
            "token": g.api_token.name, "scopes": sorted(g.api_token.scope_set)}


# --- posts -------------------------------------------------------------------------------------------

@bp.route("/posts", methods=["POST"])
@documented(Scope.POSTS_WRITE, statuses=(401, 403, 422, 429))
@requires(Scope.POSTS_WRITE)
@bp.arguments(schemas.PostCreateSchema)
@bp.response(201, schemas.AdminPostSchema)
def create_post(data):
    """Create a draft post from Markdown (scope `posts:write`)

    Credited to the token's owner. Contributors may use existing tags only.
    """
    post = posts.create_post(posts.PostInput(
        title=data["title"], body_markdown=data.get("body_markdown", ""), slug=data.get("slug"),
        custom_excerpt=data.get("excerpt"), tag_names=data.get("tags")), by=user())
    db.session.commit()
    return admin_post(post), 201, {"Location": absolute_url("api_admin.post", post_id=post.id)}


# One rule per address with all its methods: werkzeug answers 405, not 404, for an id past
# LARGEST_ID when another rule has the same address (tests/core/test_request_limits.py).
@bp.route("/posts/<int:post_id>", endpoint="post")
class PostView(MethodView):
    @documented(Scope.READ, statuses=(401, 403, 404, 429))
    @requires(Scope.READ, Scope.POSTS_WRITE)
    @existing(Post, "post_id", "post")
    @bp.response(200, schemas.AdminPostSchema)
    def get(self, post_id: int):
        """A post you may edit, drafts included (scope `read` or `posts:write`)"""
        post = _load(Post, post_id, "post")
        posts.require_edit(post, user())
        return admin_post(post)

    @documented(Scope.POSTS_WRITE, statuses=(401, 403, 404, 409, 422, 429))
    @requires(Scope.POSTS_WRITE)
    @existing(Post, "post_id", "post")
    @bp.arguments(schemas.PostUpdateSchema)
    @bp.response(200, schemas.AdminPostSchema)
    def patch(self, data, post_id: int):
        """Change a post (scope `posts:write`); fields left out stay as they are

        `version` is the post's version the change starts from: if someone saved the post since,
        nothing is changed and the answer is 409.
        """
        post = _load(Post, post_id, "post")
        posts.save_post(post, posts.PostInput(
            title=data.get("title", post.title), body_markdown=data.get("body_markdown", post.body_markdown),
            slug=data.get("slug"), custom_excerpt=data.get("excerpt"), tag_names=data.get("tags")),
            by=user(), base_version=data["version"])
        db.session.commit()
        return admin_post(post)


@bp.route("/posts/<int:post_id>/publish", methods=["POST"])
@documented(Scope.POSTS_WRITE, statuses=(401, 403, 404, 422, 429))
@requires(Scope.POSTS_WRITE)
@existing(Post, "post_id", "post")
@bp.arguments(schemas.PublishSchema)
@bp.response(200, schemas.AdminPostSchema)
def publish_post(data, post_id: int):
    """Publish a post now, or schedule it (scope `posts:write`; authors and above)

    Every photo in it needs alt text first, as in the editor.
    """
    post = _load(Post, post_id, "post")
    posts.publish_post(post, by=user(), at=data.get("published_at"))
    db.session.commit()
    return admin_post(post)


# --- events ------------------------------------------------------------------------------------------

_EVENT_FIELDS = {"title": "title", "precision": "precision", "timezone": "timezone", "summary": "summary",
                 "description_markdown": "description_markdown", "start": "start_local", "end": "end_local",
                 "start_date": "start_date", "end_date": "end_date", "year": "year", "month": "month",
                 "season": "season", "venue_name": "venue_name", "venue_address": "venue_address", "city": "city",
                 "online_url": "online_url", "registration_url": "registration_url",
                 "registration_note": "registration_note", "status": "status", "slug": "slug", "tags": "tag_names"}


def _local(moment, zone: str):
    """A start or end given with an offset, as wall-clock time in the event's zone (naive: as given)."""
    if moment is None or moment.tzinfo is None:
        return moment
    if not is_valid_zone(zone or ""):
        return moment.replace(tzinfo=None)  # the service refuses the zone, naming it
    try:
        return to_local(moment, zone).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise ValidationFailed("That date is out of range.", field="start") from None


def _event_input(data: dict, base: events.EventInput | None = None) -> events.EventInput:
    given = {_EVENT_FIELDS[k]: v for k, v in data.items() if k in _EVENT_FIELDS}
    zone = given.get("timezone") or (base.timezone if base else events.EventInput(title="").timezone)
    for name in ("start_local", "end_local"):
        if name in given:
            given[name] = _local(given[name], zone)
    if base is None:
        return events.EventInput(**given)
    return dataclasses.replace(base, **given)


def _as_input(event: Event) -> events.EventInput:
    """The event as it is, as the input that would make it (what a PATCH changes)."""
    local = (lambda moment: to_local(moment, event.timezone).replace(tzinfo=None) if moment else None)
    dated_by_period = event.precision in (Precision.MONTH.value, Precision.SEASON.value)
    return events.EventInput(
        title=event.title, precision=event.precision, timezone=event.timezone, summary=event.summary,
        description_markdown=event.description_markdown, start_local=local(event.starts_at),
        end_local=local(event.ends_at), start_date=event.start_date, end_date=event.end_date,
        year=event.start_date.year if dated_by_period and event.start_date else None,
        month=event.start_date.month if event.precision == Precision.MONTH.value and event.start_date else None,
        season=event.season, venue_name=event.venue_name, venue_address=event.venue_address, city=event.city,
        map_url=event.map_url, online_url=event.online_url, registration_url=event.registration_url,
        registration_note=event.registration_note)


@bp.route("/events", methods=["POST"])
@documented(Scope.EVENTS_WRITE, statuses=(401, 403, 422, 429))
@requires(Scope.EVENTS_WRITE)
@bp.arguments(schemas.EventCreateSchema)
@bp.response(201, schemas.AdminEventSchema)
def create_event(data):
    """Create an unpublished event (scope `events:write`)"""
    event = events.create_event(_event_input(data), by=user())
    db.session.commit()
    return admin_event(event), 201, {"Location": absolute_url("api_admin.event", event_id=event.id)}


@bp.route("/events/<int:event_id>", endpoint="event")
class EventView(MethodView):
    @documented(Scope.READ, statuses=(401, 403, 404, 429))
    @requires(Scope.READ, Scope.EVENTS_WRITE)
    @existing(Event, "event_id", "event")
    @bp.response(200, schemas.AdminEventSchema)
    def get(self, event_id: int):
        """An event you may edit, unpublished ones included (scope `read` or `events:write`)"""
        event = _load(Event, event_id, "event")
        events.require_edit_event(event, user())
        return admin_event(event)

    @documented(Scope.EVENTS_WRITE, statuses=(401, 403, 404, 409, 422, 429))
    @requires(Scope.EVENTS_WRITE)
    @existing(Event, "event_id", "event")
    @bp.arguments(schemas.EventUpdateSchema)
    @bp.response(200, schemas.AdminEventSchema)
    def patch(self, data, event_id: int):
        """Change an event (scope `events:write`); fields left out stay as they are

        A change of date, venue or status of a published event is recorded as news, as in the editor.
        """
        event = _load(Event, event_id, "event")
        events.require_edit_event(event, user())
        events.save_event(event, _event_input(data, _as_input(event)), by=user(), base_sequence=data.get("sequence"))
        db.session.commit()
        return admin_event(event)


@bp.route("/events/<int:event_id>/publish", methods=["POST"])
@documented(Scope.EVENTS_WRITE, statuses=(401, 403, 404, 429))
@requires(Scope.EVENTS_WRITE)
@existing(Event, "event_id", "event")
@bp.response(200, schemas.AdminEventSchema)
def publish_event(event_id: int):
    """Publish an event (scope `events:write`; authors and above)"""
    event = _load(Event, event_id, "event")
    events.publish_event(event, by=user())
    db.session.commit()
    return admin_event(event)


# --- photos --------------------------------------------------------------------------------------------

@bp.route("/photos", methods=["POST"])
@documented(Scope.POSTS_WRITE, Scope.EVENTS_WRITE, statuses=(401, 403, 413, 422, 429))
@requires(Scope.POSTS_WRITE, Scope.EVENTS_WRITE)
@bp.arguments(schemas.PhotoUploadSchema, location="multipart")
@bp.response(201, schemas.PhotoSchema)
def upload_photo(form):
    """Upload a photo (multipart, field `file`; scope `posts:write` or `events:write`)

    The same checks and limits as the editor's upload (`MAX_UPLOAD_BYTES`, `MAX_IMAGE_PIXELS`);
    the answer's `directive` shows the photo in a post.
    """
    upload = form["file"]
    photo = media.store_photo(upload.read(), upload.filename or "photo", by=user())
    if form.get("alt_text") or form.get("caption"):
        media.update_photo(photo, by=user(), alt_text=form.get("alt_text"), caption=form.get("caption"))
    db.session.commit()
    return {"key": photo.key, "directive": f"[[photo:{photo.key}]]", "url": media.photo_url(photo, external=True),
            "width": photo.width, "height": photo.height, "alt_text": photo.alt_text}, 201


# --- newsletter ----------------------------------------------------------------------------------------

@bp.route("/subscribers", methods=["POST"])
@documented(Scope.NEWSLETTER_WRITE, statuses=(401, 403, 409, 422, 429))
@requires(Scope.NEWSLETTER_WRITE)
@bp.arguments(schemas.SubscriberCreateSchema)
@bp.response(202, schemas.SubscriberAcceptedSchema)
def add_subscriber(data):
    """Ask someone to subscribe (scope `newsletter:write`; editors and admins)

    The same double opt-in as the subscribe form: the person gets a confirmation email and is
    subscribed only once they follow its link; the request, with `consent_note` and the consent
    text of the day, goes into their consent log. An address that is already subscribed, or that
    left or bounced, is a 409 and gets no email.
    """
    person = user()
    require_role(person, Role.EDITOR, "add newsletter subscribers")
    email = newsletter.normalise_email(data["email"])
    existing = db.session.execute(db.select(Subscriber).where(Subscriber.email == email)).scalar_one_or_none()
    if existing is not None and existing.active:
        abort(409, message="This address is already subscribed.", type="urn:blog:problem:already-subscribed",
              title="Already subscribed")
    outcome = newsletter.subscribe(email, name=data.get("name", ""), receives=data.get("receives"),
                                   tags=",".join(data.get("tags") or []), source=consent.Source.API,
                                   ip=request.remote_addr)
    if outcome.subscriber is None:
        abort(409, message="This address bounced or unsubscribed earlier and cannot be added again; the "
                           "person can subscribe on the site themselves.",
              type="urn:blog:problem:address-suppressed", title="Address not added")
    consent.record(outcome.subscriber, "api-request", source=consent.Source.API, ip=request.remote_addr,
                   detail=f"added through the API by {person.display_name} (token “{g.api_token.name}”)"
                          + (f": {data['consent_note']}" if data.get("consent_note") else ""))
    db.session.commit()
    if outcome.mail == "confirm":
        site = get_settings()
        mail.send_email(outcome.subscriber.email, f"Please confirm your subscription to {site.site_name}",
                        "newsletter_confirm", to_name=outcome.subscriber.name,
                        link=newsletter.confirmation_link(outcome.subscriber, outcome.requested),
                        hours=current_app.config["NEWSLETTER_CONFIRM_HOURS"])
    sent = outcome.mail == "confirm"
    return {"status": "pending", "confirmation_sent": sent,
            "detail": "A confirmation email was sent; they are subscribed once they follow its link." if sent
            else "A confirmation email was sent to this address a few minutes ago; none was sent again."}, 202

