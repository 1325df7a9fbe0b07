"""Every role × every editing route × own and others' objects: allowed or refused, and a refusal changes nothing.

The routes come from ``app.url_map`` (every rule accepting POST in the editor, media,
embeds, events and site blueprints), so a new editing route fails
``test_every_editing_route_is_in_the_table`` until it is given a row here.

Shared objects (photos, snapshots) have a third ownership: the actor's own object
shown in someone else's published content. The rule (issue 14, item 3): changing
it needs the right to edit every published item that shows it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import pytest

from blog.accounts.models import Role, User
from blog.embeds import services as embeds
from blog.embeds.models import SocialPost
from blog.events import services as events
from blog.events.models import Event
from blog.extensions import db
from blog.media import services as media
from blog.media.models import Photo
from blog.posts import services as posts
from blog.posts.models import Post, Tag
from blog.site.models import MenuItem
from blog.site.services import get_settings, mark_as_demo
from tests.factories import login, make_post, make_user
from tests.media.images import photo as photo_bytes

BLUEPRINTS = ("editor", "media", "embeds", "events", "site", "transfer")
OWN, OTHERS, OWN_IN_OTHERS = "own", "others'", "own, shown in others' published content"
AT_LEAST = {role: {r for r in Role if r.at_least(role)} for role in Role}


@dataclass
class World:
    actor: User
    other: User  # an author, owner of "others'" objects
    editor: User


def _photo(owner: User) -> Photo:
    stored = media.store_photo(photo_bytes(320, 200), "p.jpg", by=owner)
    stored.alt_text = "A described photo"
    db.session.flush()
    return stored


def _post(world: World, owner: User, body: str) -> Post:
    """Published unless ``owner`` is a contributor (who only has drafts)."""
    post = posts.create_post(posts.PostInput(title=f"Post by {owner.display_name}", body_markdown=body),
                             by=owner)
    if owner.can(Role.AUTHOR):
        posts.publish_post(post, by=owner)
    db.session.flush()
    return post


def _event(owner: User, *, published: bool, photo: Photo | None = None) -> Event:
    event = events.create_event(events.EventInput(title=f"Event by {owner.display_name}"), by=owner)
    if photo is not None:
        event.photo = photo
    if published:
        events.publish_event(event, by=owner)
    db.session.flush()
    return event


def _snapshot(creator: User, shown_by: User, world: World) -> SocialPost:
    snapshot = embeds.create_snapshot(embeds.SnapshotInput(handle="ada", text="Hello there"), by=world.editor)
    snapshot.created_by_id = creator.id
    _post(world, shown_by, f"Quoted:\n\n[[social:{snapshot.key}]]\n")
    return snapshot


# --- fingerprints: what a refused request must leave as it was --------------------------------

def _row(model, ident, *columns):
    def fingerprint():
        db.session.expire_all()
        row = db.session.get(model, ident)
        return None if row is None else tuple(getattr(row, c) for c in columns)
    return fingerprint


def _count(model):
    return lambda: db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


POST_COLUMNS = ("title", "body_markdown", "status", "preview_token", "version")
PHOTO_COLUMNS = ("alt_text", "caption_markdown", "credit", "content_hash")
SNAPSHOT_COLUMNS = ("text", "version")


# --- the table ------------------------------------------------------------------------------

@dataclass
class Case:
    """``setup(world, ownership) -> (url, data, fingerprint)``; ``allowed(role, ownership) -> bool``."""

    setup: Callable
    allowed: Callable
    ownerships: tuple = (OWN, OTHERS)
    json: bool = False


def _post_case(suffix: str, data: Callable = lambda post: {}, json: bool = False,
               own_allowed: Callable = lambda role: True):
    def setup(world, ownership):
        owner = world.actor if ownership == OWN else world.other
        post = _post(world, owner, "Body")
        return f"/editor/posts/{post.id}{suffix(post) if callable(suffix) else suffix}", data(post), \
            _row(Post, post.id, *POST_COLUMNS)
    return Case(setup, lambda role, own: role in AT_LEAST[Role.EDITOR] or (own == OWN and own_allowed(role)),
                json=json)


def _restore_suffix(post):
    return f"/revisions/{posts.revisions_of(post)[0].id}/restore"


def _creation(url, model, data, minimum, json=False):
    return Case(lambda world, _: (url, data(world), _count(model)), lambda role, _: role in AT_LEAST[minimum],
                ownerships=(OWN,), json=json)


def _tag_case():
    def setup(world, _):
        post = make_post(world.other, tags=["Workshops"])
        tag = post.tags[0]
        return f"/editor/tags/{tag.id}", {"name": "Renamed", "description": ""}, _row(Tag, tag.id, "name")
    return Case(setup, lambda role, _: role in AT_LEAST[Role.EDITOR], ownerships=(OTHERS,))


def _event_case(suffix: str):
    def setup(world, ownership):
        owner = world.actor if ownership == OWN else world.other
        event = _event(owner, published=ownership != OWN)
        data = {"title": "Changed", "precision": "tba", "timezone": "Europe/London", "status": "announced"}
        return f"/events/editor/{event.id}{suffix}", data, _row(Event, event.id, "title", "sequence")
    return Case(setup, lambda role, own: own == OWN or role in AT_LEAST[Role.EDITOR])


def _shared_photo(world, ownership) -> Photo:
    """Own: the actor's photo in the actor's own post (a draft for contributors).
    Others': another author's photo in their published post. Own in others': the actor's
    photo as the photo of another author's published event."""
    if ownership == OWN:
        photo = _photo(world.actor)
        _post(world, world.actor, f"[[photo:{photo.key}]]")
    elif ownership == OTHERS:
        photo = _photo(world.other)
        _post(world, world.other, f"A gallery\n\n[[gallery:{photo.key},zzzz]]\n")
    else:
        photo = _photo(world.actor)
        _event(world.other, published=True, photo=photo)
    return photo


def _photo_case(suffix, data, minimum_for_own=Role.CONTRIBUTOR):
    def setup(world, ownership):
        photo = _shared_photo(world, ownership)
        return f"/media/photos/{photo.key}{suffix}", data(), _row(Photo, photo.id, *PHOTO_COLUMNS)

    def allowed(role, ownership):
        return role in AT_LEAST[Role.EDITOR] or (ownership == OWN and role in AT_LEAST[minimum_for_own])
    return Case(setup, allowed, ownerships=(OWN, OTHERS, OWN_IN_OTHERS))


def _unused_photo_delete():
    def setup(world, ownership):
        photo = _photo(world.actor if ownership == OWN else world.other)
        return f"/media/photos/{photo.key}/delete", {}, _row(Photo, photo.id, *PHOTO_COLUMNS)
    return Case(setup, lambda role, own: own == OWN or role in AT_LEAST[Role.EDITOR])


def _snapshot_case(suffix):
    def setup(world, ownership):
        creator = world.actor if ownership in (OWN, OWN_IN_OTHERS) else world.other
        shown_by = world.actor if ownership == OWN else world.other
        snapshot = _snapshot(creator, shown_by, world)
        url_suffix = suffix(snapshot) if callable(suffix) else suffix
        data = {"platform": "x", "handle": "ada", "display_name": "Ada", "text": "Rewritten",
                "base_version": str(snapshot.version)}
        return f"/embeds/{snapshot.id}{url_suffix}", data, _row(SocialPost, snapshot.id, *SNAPSHOT_COLUMNS)

    def allowed(role, ownership):
        return role in AT_LEAST[Role.EDITOR] or (ownership == OWN and role == Role.AUTHOR)
    return Case(setup, allowed, ownerships=(OWN, OTHERS, OWN_IN_OTHERS))


def _unused_snapshot_delete():
    def setup(world, ownership):
        snapshot = embeds.create_snapshot(embeds.SnapshotInput(handle="ada", text="Hi"), by=world.editor)
        snapshot.created_by_id = (world.actor if ownership == OWN else world.other).id
        return f"/embeds/{snapshot.id}/delete", {}, _row(SocialPost, snapshot.id, *SNAPSHOT_COLUMNS)
    return Case(setup, lambda role, _: role in AT_LEAST[Role.EDITOR])


def _settings_case():
    data = {"site_name": "Renamed site", "timezone": "Europe/London", "language": "en"}
    return Case(lambda world, _: ("/admin/settings", data, lambda: (db.session.expire_all(),
                                                                     get_settings().site_name)[1]),
                lambda role, _: role == Role.ADMIN, ownerships=(OTHERS,))


def _demo_removal_case():
    """Only an admin removes the demo; the marked demo post stays for everyone else."""
    def setup(world, _):
        post = make_post(world.other)
        mark_as_demo(post)
        return "/admin/settings/remove-demo", {}, _row(Post, post.id, *POST_COLUMNS)
    return Case(setup, lambda role, _: role == Role.ADMIN, ownerships=(OTHERS,))


def _export_case():
    """Only an admin downloads the export (it holds subscribers' addresses); it changes nothing."""
    return Case(lambda world, _: ("/admin/settings/export", {}, _count(Post)),
                lambda role, _: role == Role.ADMIN, ownerships=(OTHERS,))


def _wordpress_import_case():
    """Only an admin imports a WordPress site (it creates people and publishes posts)."""
    from tests.transfer.test_wordpress_import import SITE_XML
    return Case(lambda world, _: ("/admin/import/wordpress",
                                  {"export": (io.BytesIO(SITE_XML.read_bytes()), "export.xml")}, _count(Post)),
                lambda role, _: role == Role.ADMIN, ownerships=(OTHERS,))


def _menu_add_case():
    """Only an admin changes the menu (it is in every page's header)."""
    return Case(lambda world, _: ("/admin/settings/menu/add",
                                  {"kind": "link", "label": "Elsewhere", "url": "https://example.org/"},
                                  _count(MenuItem)),
                lambda role, _: role == Role.ADMIN, ownerships=(OTHERS,))


def _menu_change_case():
    def setup(world, _):
        item = MenuItem(kind="posts", label="Posts", position=0, url="")
        db.session.add(item)
        db.session.flush()
        return f"/admin/settings/menu/{item.id}", {"action": "remove"}, _row(MenuItem, item.id, "label")
    return Case(setup, lambda role, _: role == Role.ADMIN, ownerships=(OTHERS,))


def _upload_data(world):
    return {"file": (io.BytesIO(photo_bytes(200, 100)), "new.jpg")}


TABLE: dict[str, Case] = {
    "editor.edit": _post_case("", lambda post: {"title": "Changed", "body": "x", "action": "save",
                                                "base_version": str(post.version)}),
    "editor.autosave": _post_case("/autosave", lambda post: {"title": "Changed", "body": "x"}, json=True),
    # Own posts are published for authors, and only editors delete what has been published.
    "editor.delete": _post_case("/delete", own_allowed=lambda role: role == Role.CONTRIBUTOR),
    "editor.preview_link": _post_case("/preview-link"),
    "editor.restore": _post_case(_restore_suffix),
    "editor.new": _creation("/editor/posts/new", Post, lambda w: {"title": "New", "body": "x", "action": "save",
                                                                    "authors": str(w.actor.id)}, Role.CONTRIBUTOR),
    "editor.autosave_new": _creation("/editor/posts/new/autosave", Post, lambda w: {"title": "New", "body": "x"},
                                     Role.CONTRIBUTOR, json=True),
    "editor.live_preview": _creation("/editor/preview", Post, lambda w: {"body": "x"}, Role.CONTRIBUTOR, json=True),
    "editor.paste": _creation("/editor/paste", Post, lambda w: {"html": "<p>x</p>"}, Role.CONTRIBUTOR, json=True),
    "editor.update_tag": _tag_case(),
    "editor.create_event": _creation("/editor/events", Event, lambda w: {"title": "New", "precision": "tba"},
                                     Role.CONTRIBUTOR, json=True),
    "media.upload": _creation("/media/upload", Photo, _upload_data, Role.CONTRIBUTOR),
    "media.update": _photo_case("/details", lambda: {"alt_text": "Changed", "caption": "Rewritten", "credit": ""}),
    "media.replace": _photo_case("/replace", lambda: {"file": (io.BytesIO(photo_bytes(300, 300)), "r.jpg")}),
    "media.delete": _unused_photo_delete(),
    "embeds.new": _creation("/embeds/new", SocialPost, lambda w: {"platform": "x", "handle": "ada",
                                                                   "display_name": "Ada", "text": "Hi"}, Role.AUTHOR),
    "embeds.api_create": _creation("/embeds/api/snapshots", SocialPost, lambda w: {
        "social-platform": "x", "social-handle": "ada", "social-display_name": "Ada", "social-text": "Hi"}, Role.AUTHOR),
    "embeds.api_parse": _creation("/embeds/api/parse", SocialPost,
                                  lambda w: {"text": "https://x.com/ada/status/1"}, Role.AUTHOR),
    "embeds.edit": _snapshot_case(""),
    "embeds.restore": _snapshot_case(lambda s: f"/history/{embeds.revisions_of(s)[-1].id}/restore"),
    "embeds.delete": _unused_snapshot_delete(),
    "events.new": _creation("/events/editor/new", Event, lambda w: {"title": "New", "precision": "tba",
                                                                     "timezone": "Europe/London"}, Role.CONTRIBUTOR),
    "events.edit": _event_case(""),
    "events.delete": _event_case("/delete"),
    "site.settings": _settings_case(),
    "site.remove_demo": _demo_removal_case(),
    "site.export": _export_case(),
    "transfer.wordpress": _wordpress_import_case(),
    "site.menu_add": _menu_add_case(),
    "site.menu_change": _menu_change_case(),
}

# --- people and publications (blog.people) ---------------------------------------------------

from blog.people.models import Publication  # noqa: E402  (kept beside its rows for merging)

BLUEPRINTS += ("people",)
PEOPLE_BIB = b"@article{matrix2020, author={Lovelace, Ada}, title={A matrix}, journal={J}, year={2020}}"


def _byline_person_case(suffix: str, data: Callable):
    """Another person's page (a byline-only co-author): only admins edit it or invite them."""
    def setup(world, _):
        from blog.people import services as people

        person = people.add_byline_person("Ada Guest", by=world.editor)
        return f"/admin/people/{person.id}{suffix}", data(), _row(User, person.id, "display_name", "email")
    return Case(setup, lambda role, _: role == Role.ADMIN, ownerships=(OTHERS,))


def _publication_delete_case():
    def setup(world, _):
        from blog.people import services as people

        publication = people.import_bibtex(PEOPLE_BIB.decode(), by=world.editor)[0]
        return f"/admin/publications/{publication.id}/delete", {}, _row(Publication, publication.id, "key")
    return Case(setup, lambda role, _: role in AT_LEAST[Role.EDITOR], ownerships=(OTHERS,))


TABLE.update({
    "people.admin_group": _creation("/admin/people/group", User, lambda w: {"display_name": "New Guest"}, Role.ADMIN),
    "people.admin_person": _byline_person_case("/page", lambda: {"display_name": "Renamed", "listed": "y"}),
    "people.admin_invite": _byline_person_case("/invite-to-sign-in",
                                               lambda: {"email": "guest@example.org", "role": "author"}),
    "people.admin_publications": _creation("/admin/publications", Publication,
                                           lambda w: {"bib-file": (io.BytesIO(PEOPLE_BIB), "p.bib")}, Role.EDITOR),
    "people.admin_delete_publication": _publication_delete_case(),
    "people.create_co_author": _creation("/editor/co-authors", User, lambda w: {"display_name": "Co Author"},
                                         Role.AUTHOR, json=True),
})

ROWS = [(endpoint, ownership, role) for endpoint, case in sorted(TABLE.items())
        for ownership in case.ownerships for role in Role]


def test_every_editing_route_is_in_the_table(app):
    editing = {rule.endpoint for rule in app.url_map.iter_rules()
               if rule.endpoint.split(".")[0] in BLUEPRINTS and "POST" in rule.methods}
    assert editing == set(TABLE)


@pytest.mark.parametrize("endpoint, ownership, role", ROWS, ids=[f"{e}-{o}-{r.value}" for e, o, r in ROWS])
def test_role_route_and_ownership(client, appctx, endpoint, ownership, role):
    case = TABLE[endpoint]
    world = World(actor=make_user(role), other=make_user(Role.AUTHOR), editor=make_user(Role.EDITOR))
    url, data, fingerprint = case.setup(world, ownership)
    db.session.commit()
    before = fingerprint()
    login(client, world.actor)
    if case.json:
        response = client.post(url, json=data, headers={"Accept": "application/json"})
    else:
        response = client.post(url, data=data, content_type="multipart/form-data")
    status = response.status_code
    if case.allowed(role, ownership):
        assert status not in (401, 403, 404) and status < 500, (status, response.get_data(as_text=True)[:300])
    else:
        assert status in (403, 404), (status, response.get_data(as_text=True)[:300])
        assert fingerprint() == before
