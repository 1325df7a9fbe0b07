"""The Admin API: every role × every endpoint (the services' role rules, as in the web editor),
every endpoint × a token without its scope, and what the answers look like."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import pytest

from blog.accounts.models import Role, User
from blog.api.services import SCOPES, Scope
from blog.events import services as events
from blog.events.models import Event
from blog.extensions import db
from blog.newsletter.models import ConsentEvent, Subscriber
from blog.posts import services as posts
from blog.posts.models import Post
from tests.api.helpers import bearer, make_token
from tests.factories import make_post, make_user
from tests.media.images import photo as photo_bytes

ALL = set(Role)
AUTHORS_UP = {Role.AUTHOR, Role.EDITOR, Role.ADMIN}
EDITORS_UP = {Role.EDITOR, Role.ADMIN}


@dataclass
class World:
    actor: User
    other: User  # an author: owner of "others'" posts and events


def _own_draft(world: World) -> Post:
    return make_post(world.actor, title="My draft", published=False)


def _others_post(world: World, *, published: bool = True) -> Post:
    return make_post(world.other, title="Their post", published=published)


def _event(owner: User, *, published: bool = False) -> Event:
    event = events.create_event(events.EventInput(title=f"Event of {owner.display_name}"), by=owner)
    if published:
        events.publish_event(event, by=owner)
    db.session.commit()
    return event


@dataclass
class Case:
    """One endpoint on one kind of object: how to call it, who may, and what a refusal must leave alone."""

    name: str
    route: str  # "METHOD rule", as in the app's URL map
    scope: str
    allowed: set
    call: Callable  # (client, headers, world) -> (response, check_unchanged or None)
    success: int = 200


def _patch_post(make):
    def call(client, headers, world):
        post = make(world)
        before = (post.version, post.title)
        response = client.patch(f"/api/v1/admin/posts/{post.id}", headers=headers,
                                json={"version": post.version, "title": "Changed by a script"})
        return response, lambda: (db.session.get(Post, post.id).version, db.session.get(Post, post.id).title) == before
    return call


def _publish_post(make):
    def call(client, headers, world):
        post = make(world)
        response = client.post(f"/api/v1/admin/posts/{post.id}/publish", headers=headers, json={})
        return response, lambda: db.session.get(Post, post.id).status == "draft"
    return call


def _get_post(make):
    def call(client, headers, world):
        post = make(world)
        return client.get(f"/api/v1/admin/posts/{post.id}", headers=headers), None
    return call


def _create_post(tags):
    def call(client, headers, world):
        response = client.post("/api/v1/admin/posts", headers=headers,
                               json={"title": "From a script", "body_markdown": "Hello *world*.", "tags": tags})
        return response, lambda: db.session.execute(db.select(Post).where(Post.title == "From a script")).first() is None
    return call


def _patch_event(owner_is_actor: bool, published: bool):
    def call(client, headers, world):
        event = _event(world.actor if owner_is_actor else world.other, published=published)
        sequence = event.sequence
        response = client.patch(f"/api/v1/admin/events/{event.id}", headers=headers,
                                json={"venue_name": "Room 101", "sequence": sequence})
        return response, lambda: db.session.get(Event, event.id).venue_name == ""
    return call


def _publish_event(owner_is_actor: bool):
    def call(client, headers, world):
        event = _event(world.actor if owner_is_actor else world.other)
        response = client.post(f"/api/v1/admin/events/{event.id}/publish", headers=headers)
        return response, lambda: db.session.get(Event, event.id).published_at is None
    return call


def _get_event(owner_is_actor: bool):
    def call(client, headers, world):
        event = _event(world.actor if owner_is_actor else world.other)
        return client.get(f"/api/v1/admin/events/{event.id}", headers=headers), None
    return call


def _create_event(status):
    def call(client, headers, world):
        body = {"title": "Seminar from a script", "precision": "day", "start_date": "2031-05-04",
                "timezone": "Europe/London", "tags": []}
        if status:
            body["status"] = status
        response = client.post("/api/v1/admin/events", headers=headers, json=body)
        return response, lambda: db.session.execute(db.select(Event).where(Event.title.like("Seminar%"))).first() is None
    return call


def _upload_photo(client, headers, world):
    data = {"file": (io.BytesIO(photo_bytes(320, 200)), "p.jpg"), "alt_text": "A described photo"}
    return client.post("/api/v1/admin/photos", headers=headers, data=data, content_type="multipart/form-data"), None


def _add_subscriber(client, headers, world):
    response = client.post("/api/v1/admin/subscribers", headers=headers,
                           json={"email": "new.reader@example.org", "consent_note": "asked at the workshop"})
    return response, lambda: db.session.execute(db.select(Subscriber)).first() is None


CASES = [
    Case("me", "GET /api/v1/admin/me", Scope.READ, ALL, lambda c, h, w: (c.get("/api/v1/admin/me", headers=h), None)),
    Case("read own draft post", "GET /api/v1/admin/posts/<int:post_id>", Scope.READ, ALL, _get_post(_own_draft)),
    Case("read others' draft post", "GET /api/v1/admin/posts/<int:post_id>", Scope.READ, EDITORS_UP, _get_post(lambda w: _others_post(w, published=False))),
    Case("create post", "POST /api/v1/admin/posts", Scope.POSTS_WRITE, ALL, _create_post([]), 201),
    Case("create post with a new tag", "POST /api/v1/admin/posts", Scope.POSTS_WRITE, AUTHORS_UP, _create_post(["Brand new tag"]), 201),
    Case("update own draft", "PATCH /api/v1/admin/posts/<int:post_id>", Scope.POSTS_WRITE, ALL, _patch_post(_own_draft)),
    Case("update others' published post", "PATCH /api/v1/admin/posts/<int:post_id>", Scope.POSTS_WRITE, EDITORS_UP, _patch_post(_others_post)),
    Case("publish own draft", "POST /api/v1/admin/posts/<int:post_id>/publish", Scope.POSTS_WRITE, AUTHORS_UP, _publish_post(_own_draft)),
    Case("publish others' draft", "POST /api/v1/admin/posts/<int:post_id>/publish", Scope.POSTS_WRITE, EDITORS_UP,
         _publish_post(lambda w: _others_post(w, published=False))),
    Case("read own event", "GET /api/v1/admin/events/<int:event_id>", Scope.READ, ALL, _get_event(True)),
    Case("read others' event", "GET /api/v1/admin/events/<int:event_id>", Scope.READ, EDITORS_UP, _get_event(False)),
    Case("create event", "POST /api/v1/admin/events", Scope.EVENTS_WRITE, ALL, _create_event(None), 201),
    Case("create confirmed event", "POST /api/v1/admin/events", Scope.EVENTS_WRITE, AUTHORS_UP, _create_event("confirmed"), 201),
    Case("update own unpublished event", "PATCH /api/v1/admin/events/<int:event_id>", Scope.EVENTS_WRITE, ALL, _patch_event(True, False)),
    Case("update others' published event", "PATCH /api/v1/admin/events/<int:event_id>", Scope.EVENTS_WRITE, EDITORS_UP, _patch_event(False, True)),
    Case("publish own event", "POST /api/v1/admin/events/<int:event_id>/publish", Scope.EVENTS_WRITE, AUTHORS_UP, _publish_event(True)),
    Case("publish others' event", "POST /api/v1/admin/events/<int:event_id>/publish", Scope.EVENTS_WRITE, EDITORS_UP, _publish_event(False)),
    Case("upload photo", "POST /api/v1/admin/photos", Scope.POSTS_WRITE, ALL, _upload_photo, 201),
    Case("add subscriber", "POST /api/v1/admin/subscribers", Scope.NEWSLETTER_WRITE, EDITORS_UP, _add_subscriber, 202),
]


def test_every_admin_route_is_in_the_table(app):
    """A new Admin API route fails here until it has rows in ``CASES``."""
    routes = {f"{method} {rule.rule}" for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api_admin.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {case.route for case in CASES}


@pytest.fixture
def world_for(appctx):
    def build(role: Role) -> World:
        return World(actor=make_user(role, name=f"Actor {role.value}"), other=make_user(Role.AUTHOR, name="Other"))
    return build


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_role_and_endpoint(client, world_for, case, role):
    world = world_for(role)
    secret = make_token(world.actor)
    response, unchanged = case.call(client, bearer(secret), world)
    db.session.expire_all()
    if role in case.allowed:
        assert response.status_code == case.success, response.get_json()
        assert response.mimetype == "application/json"
    else:
        assert response.status_code == 403, response.get_json()
        problem = response.get_json()
        assert response.mimetype == "application/problem+json"
        assert problem["type"] == "urn:blog:problem:not-allowed" and problem["status"] == 403
        if unchanged is not None:
            assert unchanged()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_token_without_the_scope_is_refused(client, world_for, case):
    world = world_for(Role.ADMIN)
    sufficient = {case.scope} | ({Scope.POSTS_WRITE} if case.scope == Scope.READ and "post" in case.name else set()) \
        | ({Scope.EVENTS_WRITE} if case.scope == Scope.READ and "event" in case.name else set()) \
        | ({Scope.EVENTS_WRITE} if case.name == "upload photo" else set())
    others = [s for s in SCOPES if s not in sufficient]
    secret = make_token(world.actor, *others)
    response, unchanged = case.call(client, bearer(secret), world)
    if case.name == "me":  # any token may ask who it is
        assert response.status_code == 200
        return
    assert response.status_code == 403
    assert response.get_json()["type"] == "urn:blog:problem:insufficient-scope"
    db.session.expire_all()
    if unchanged is not None:
        assert unchanged()
    # the same request with the scope succeeds
    allowed = make_token(world.actor, case.scope, name="with scope")
    assert case.call(client, bearer(allowed), world)[0].status_code == case.success


def test_post_lifecycle_through_the_api(client, appctx):
    author = make_user(Role.AUTHOR, name="Ada Okafor")
    headers = bearer(make_token(author, Scope.POSTS_WRITE))
    created = client.post("/api/v1/admin/posts", headers=headers,
                          json={"title": "Script news", "body_markdown": "First *version*.", "tags": ["Workshops"]})
    assert created.status_code == 201
    post = created.get_json()
    assert created.headers["Location"] == f"http://blog.test/api/v1/admin/posts/{post['id']}"
    assert post["status"] == "draft" and post["url"] is None and post["authors"] == ["ada-okafor"]
    assert client.get("/api/v1/posts/script-news").status_code == 404  # drafts are not public
    updated = client.patch(f"/api/v1/admin/posts/{post['id']}", headers=headers,
                           json={"version": post["version"], "body_markdown": "Second *version*."})
    assert updated.status_code == 200 and updated.get_json()["version"] == post["version"] + 1
    stale = client.patch(f"/api/v1/admin/posts/{post['id']}", headers=headers,
                         json={"version": post["version"], "title": "Lost update"})
    assert stale.status_code == 409 and stale.get_json()["type"] == "urn:blog:problem:edit-conflict"
    published = client.post(f"/api/v1/admin/posts/{post['id']}/publish", headers=headers, json={})
    assert published.get_json()["status"] == "published"
    public = client.get("/api/v1/posts/script-news").get_json()
    assert "<em>version</em>" in public["html"] and public["title"] == "Script news"
    revisions = posts.revisions_of(db.session.get(Post, post["id"]))
    assert [r.reason for r in revisions] == ["publish", "save", "create"]


def test_scheduling_needs_a_time_zone_and_a_future_time_schedules(client, appctx):
    author = make_user(Role.AUTHOR)
    headers = bearer(make_token(author, Scope.POSTS_WRITE))
    post = make_post(author, published=False)
    response = client.post(f"/api/v1/admin/posts/{post.id}/publish", headers=headers,
                           json={"published_at": "2099-01-01T09:00:00+01:00"})
    assert response.get_json()["status"] == "scheduled"
    assert response.get_json()["published_at"] == "2099-01-01T08:00:00+00:00"


def test_validation_problems_name_the_fields(client, appctx):
    headers = bearer(make_token(make_user(Role.EDITOR)))
    response = client.post("/api/v1/admin/posts", headers=headers, json={"body_markdown": 3, "colour": "red"})
    assert response.status_code == 422
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert set(problem["errors"]) == {"title", "body_markdown", "colour"}
    not_json = client.post("/api/v1/admin/posts", headers=headers, data="title=x",
                           content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 422
    bad_zone = client.post("/api/v1/admin/events", headers=headers, json={"title": "x", "timezone": "Mars/Olympus"})
    assert bad_zone.status_code == 422 and bad_zone.get_json()["errors"] == {"timezone": [
        "Unknown time zone 'Mars/Olympus'; use a name such as Europe/London."]}


def test_event_patch_keeps_what_is_left_out_and_records_news(client, appctx):
    editor = make_user(Role.EDITOR)
    headers = bearer(make_token(editor, Scope.EVENTS_WRITE))
    created = client.post("/api/v1/admin/events", headers=headers, json={
        "title": "Autumn workshop", "precision": "time", "start": "2031-10-02T14:00:00", "end": "2031-10-02T17:00:00",
        "timezone": "Europe/Berlin", "venue_name": "Hall A", "tags": ["Workshops"]}).get_json()
    assert created["when"] and not created["published"]
    event_id = created["id"]
    assert client.post(f"/api/v1/admin/events/{event_id}/publish", headers=headers).get_json()["published"]
    changed = client.patch(f"/api/v1/admin/events/{event_id}", headers=headers, json={"venue_name": "Hall B"})
    assert changed.status_code == 200
    event = db.session.get(Event, event_id)
    db.session.refresh(event)
    assert event.venue_name == "Hall B" and event.timezone == "Europe/Berlin"
    assert event.starts_at.isoformat() == "2031-10-02T12:00:00+00:00"
    assert [t.name for t in event.tags] == ["Workshops"]
    assert "Hall B" in event.changes[0].summary or "venue" in event.changes[0].summary.lower()
    public = client.get("/api/v1/events?status=upcoming").get_json()["items"]
    assert public[0]["venue"]["name"] == "Hall B"


def test_photo_upload_uses_the_media_checks(client, appctx):
    headers = bearer(make_token(make_user(Role.CONTRIBUTOR), Scope.POSTS_WRITE))
    not_a_photo = client.post("/api/v1/admin/photos", headers=headers, content_type="multipart/form-data",
                              data={"file": (io.BytesIO(b"GIF89a not really"), "x.gif")})
    assert not_a_photo.status_code == 422 and not_a_photo.mimetype == "application/problem+json"
    missing = client.post("/api/v1/admin/photos", headers=headers, content_type="multipart/form-data", data={})
    assert missing.status_code == 422 and "file" in missing.get_json()["errors"]
    uploaded = client.post("/api/v1/admin/photos", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(photo_bytes(640, 480)), "room.jpg"), "alt_text": "A room"})
    photo = uploaded.get_json()
    assert uploaded.status_code == 201 and photo["directive"] == f"[[photo:{photo['key']}]]"
    assert photo["width"] == 640 and photo["alt_text"] == "A room"


def test_photo_upload_over_the_size_limit_is_a_413_problem(make_app):
    app = make_app(MAX_CONTENT_LENGTH=50_000)
    client = app.test_client()
    with app.app_context():
        headers = bearer(make_token(make_user(Role.AUTHOR), Scope.POSTS_WRITE))
        response = client.post("/api/v1/admin/photos", headers=headers, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(b"x" * 80_000), "big.jpg")})
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_subscriber_double_opt_in_and_duplicates(client, appctx, app):
    from pathlib import Path

    headers = bearer(make_token(make_user(Role.EDITOR, name="Eda Editor"), Scope.NEWSLETTER_WRITE))
    first = client.post("/api/v1/admin/subscribers", headers=headers,
                        json={"email": "Reader@Example.org", "name": "Rea", "receives": "digest",
                              "tags": ["Workshops"], "consent_note": "signed up at the March workshop"})
    assert first.status_code == 202 and first.get_json()["confirmation_sent"] is True
    subscriber = db.session.execute(db.select(Subscriber)).scalar_one()
    assert subscriber.email == "reader@example.org" and subscriber.status == "pending"
    log = db.session.execute(db.select(ConsentEvent).order_by(ConsentEvent.id)).scalars().all()
    assert [(e.action, e.source) for e in log] == [("requested", "api"), ("api-request", "api")]
    assert log[0].consent_text and "March workshop" in log[1].detail and "Eda Editor" in log[1].detail
    mails = list(Path(app.config["MAIL_FOLDER"]).glob("*"))
    assert len(mails) == 1 and "reader@example.org" in mails[0].read_text()
    again = client.post("/api/v1/admin/subscribers", headers=headers, json={"email": "reader@example.org"})
    assert again.status_code == 202 and again.get_json()["confirmation_sent"] is False
    subscriber.status = "subscribed"
    db.session.commit()
    duplicate = client.post("/api/v1/admin/subscribers", headers=headers, json={"email": "reader@example.org"})
    assert duplicate.status_code == 409 and duplicate.get_json()["type"] == "urn:blog:problem:already-subscribed"
    bad = client.post("/api/v1/admin/subscribers", headers=headers, json={"email": "not an address"})
    assert bad.status_code == 422 and "email" in bad.get_json()["errors"]


def test_two_tag_names_with_one_slug_make_one_tag(client, appctx):
    """Found by schemathesis: "Maths" and "maths" made the save insert the same tag twice (a 500)."""
    headers = bearer(make_token(make_user(Role.AUTHOR), Scope.POSTS_WRITE))
    response = client.post("/api/v1/admin/posts", headers=headers, json={"title": "T", "tags": ["Maths", "maths"]})
    assert response.status_code == 201 and response.get_json()["tags"] == ["Maths"]


def test_a_repeated_multipart_field_is_refused(client, appctx):
    """Found by schemathesis: a second alt_text was silently dropped."""
    headers = bearer(make_token(make_user(Role.AUTHOR), Scope.POSTS_WRITE))
    data = {"file": (io.BytesIO(photo_bytes(64, 64)), "p.jpg"), "alt_text": ["one", "two"]}
    response = client.post("/api/v1/admin/photos", headers=headers, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "alt_text" in response.get_json()["errors"]


def test_nul_characters_are_refused_in_bodies_and_find_nothing_in_queries(client, appctx):
    """Found by schemathesis on PostgreSQL, which cannot store (or even compare) a NUL character."""
    headers = bearer(make_token(make_user(Role.AUTHOR), Scope.POSTS_WRITE))
    response = client.post("/api/v1/admin/posts", headers=headers, json={"title": "T", "body_markdown": "a\x00b"})
    assert response.status_code == 422 and "body_markdown" in response.get_json()["errors"]
    response = client.post("/api/v1/admin/posts", headers=headers, json={"title": "T", "tags": ["x\x00"]})
    assert response.status_code == 422 and "tags" in response.get_json()["errors"]
    assert client.get("/api/v1/posts?tag=%00&author=%00").get_json()["items"] == []
    assert client.get("/api/v1/events?tag=%00").get_json()["items"] == []
    assert client.get("/api/v1/posts/a%00b").status_code == 404
