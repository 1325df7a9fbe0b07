"""The shared page cache: what is stored, what never is, and that every kind of change shows at once.

Every page here goes through the real view, the content version and the page
store of the app under test (the file store in the test's own instance folder,
or Redis); nothing is mocked.
"""
from __future__ import annotations

import gzip
import re
import uuid
from datetime import date, timedelta

import brotli
import pytest
from sqlalchemy import event

from blog.accounts import services as accounts
from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.embeds import services as embeds
from blog.events import services as events
from blog.events.services import EventInput
from blog.extensions import db
from blog.media import services as media
from blog.posts import services as posts
from blog.site import services as site
from tests.embeds.test_services import question
from tests.factories import make_page, make_post, make_user
from tests.media.images import photo
from tests.test_deploy import _redis_answers
from tests.conftest import require_tool

PUBLIC_PAGES = ["/", "/posts/the-write-up", "/tags/workshops", "/people/{author}", "/events/",
                "/events/the-workshop", "/feeds/posts.atom", "/feeds/posts.rss", "/feeds/posts.json",
                "/feeds/events.atom", "/feeds/events.ics", "/archive/{year}/", "/about"]


def _site():
    """A write-up with a photo, a quoted post, a tag and a linked event, as in the demo."""
    author = make_user(Role.EDITOR, name="Ada Okafor")
    picture = media.store_photo(photo(), "hall.jpg", by=author)
    media.update_photo(picture, by=author, alt_text="The hall", caption="Caption one")
    quoted = embeds.create_snapshot(question(text="First words of the quote"), by=author)
    db.session.commit()
    post = make_post(author, title="The write-up", tags=["Workshops"],
                     body=f"Intro.\n\n[[photo:{picture.key}]]\n\n[[social:{quoted.key}]]")
    event = events.create_event(EventInput(title="The workshop", precision="day",
                                           start_date=date.today() + timedelta(days=30), city="Leeds",
                                           summary="Summary one"), by=author)
    events.publish_event(event, by=author)
    events.link_post_to_event(post, event, by=author)
    about = make_page(author, body="Who we are.")
    site.ensure_default_menu(about)
    db.session.commit()
    return {"author": author, "photo": picture, "quoted": quoted, "post": post, "event": event, "about": about}


def _pages(things) -> list[str]:
    year = things["post"].published_at.year
    return [p.format(author=things["author"].slug, year=year) for p in PUBLIC_PAGES]


def _key(response) -> str:
    """The store's key for a page: its ETag without the weak marker and quotes."""
    return response.headers["ETag"].removeprefix("W/").strip('"')


def test_a_stored_page_is_served_again_and_precompressed(client, appctx):
    things = _site()
    first = client.get("/posts/the-write-up")
    assert first.status_code == 200 and b"Caption one" in first.data
    store = client.application.extensions["page_store"]
    _, version = site.content_stamp()
    assert store.get(version, _key(first)) is not None
    # A page changed behind the app's back (no write, so no new version) proves the second answer is stored.
    db.session.execute(db.update(type(things["post"])).values(body_html="<p>changed behind its back</p>"))
    db.session.commit()
    assert site.content_stamp()[1] == version
    again = client.get("/posts/the-write-up")
    assert again.data == first.data
    zipped = client.get("/posts/the-write-up", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == first.data
    squeezed = client.get("/posts/the-write-up", headers={"Accept-Encoding": "gzip, br"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed.data) == first.data
    assert len(squeezed.data) < len(zipped.data) < len(first.data)
    assert client.get("/posts/the-write-up", headers={"Accept-Encoding": "br;q=0, gzip"}).headers[
        "Content-Encoding"] == "gzip"


def test_a_304_comes_from_the_version_alone(client, appctx):
    _site()
    etag = client.get("/events/").headers["ETag"]
    answer = client.get("/events/", headers={"If-None-Match": etag})
    assert answer.status_code == 304 and answer.data == b""
    assert answer.headers["ETag"] == etag and answer.headers["Cache-Control"].startswith("public")


def _session_bytes(text: str) -> list[str]:
    """Every value a signed-in page carries that belongs to one visitor: CSRF tokens and the sign-out form."""
    return re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', text) + re.findall(r"Sign out", text)


def test_signed_in_and_flashed_requests_bypass_the_store_and_stored_pages_hold_nothing_personal(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    reader, editor = app.test_client(), app.test_client()
    with app.app_context():  # requests run outside it, so that no request sees another's signed-in user
        things = _site()
        admin_email = make_user(Role.ADMIN, email="admin-cache@example.org").email
        pages = _pages(things)
    form = editor.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert editor.post("/login", data={"email": admin_email, "password": "correct horse battery",
                                       "csrf_token": token}).status_code == 302
    for path in pages:  # signed in first: were these stored, readers would get the editor's page
        personal = editor.get(path)
        assert personal.headers["Cache-Control"] == "private, no-store", path
    secrets = _session_bytes(editor.get("/").get_data(as_text=True))
    assert secrets, "the signed-in page should carry a CSRF token and a sign-out form"
    for path in pages:
        public = reader.get(path)
        assert public.status_code == 200, path
        assert public.headers["Cache-Control"].startswith("public") and "Set-Cookie" not in public.headers
        assert not any(secret in public.get_data(as_text=True) for secret in secrets), path
    with app.app_context():
        _, version = site.content_stamp()
    stored_files = list((app.extensions["page_store"].store.root / version).iterdir())
    assert len(stored_files) == len(pages)
    for stored in stored_files:
        body = stored.read_bytes()
        assert not any(secret.encode() in body for secret in secrets), stored
        assert b"csrf_token" not in body and b"Set-Cookie" not in body

    # A visitor with a session cookie (here: a flashed message, as after subscribing) is never
    # served or stored a shared page: the flash appears, and only for them.
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "Only for this visitor")]
    flashed = visitor.get("/")
    assert b"Only for this visitor" in flashed.data
    assert flashed.headers["Cache-Control"] == "private, no-store"
    assert b"Only for this visitor" not in reader.get("/").data


def _warm(client, pages) -> dict[str, bytes]:
    bodies = {}
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        bodies[path] = answer.data
    for path in pages:  # the second round comes from the store
        assert client.get(path).data == bodies[path], path
    return bodies


def _change_post(things, later):  # every change takes the same arguments
    body = things["post"].body_markdown + "\n\nNEEDLE-post"
    data = posts.PostInput(title="The write-up", tag_names=["Workshops"], body_markdown=body)
    posts.save_post(things["post"], data,
                    by=things["author"], base_version=things["post"].version)


def _change_event(things, later):
    data = EventInput(title="The workshop", precision="day", start_date=things["event"].start_date,
                      city="NEEDLE-city", summary="Summary one")
    events.save_event(things["event"], data, by=things["author"])


def _change_caption(things, later):
    media.update_photo(things["photo"], by=things["author"], caption="NEEDLE-caption")


def _change_snapshot(things, later):
    embeds.update_snapshot(things["quoted"], question(text="NEEDLE-quote"), by=things["author"])


def _change_settings(things, later):
    site.update_settings(by=make_user(Role.ADMIN), site_name="NEEDLE-site", tagline="", description="",
                         timezone="Europe/London", footer_text="")


def _change_page(things, later):
    about = things["about"]
    posts.save_post(about, posts.PostInput(title="About", body_markdown="NEEDLE-page"), by=things["author"],
                    base_version=about.version)


def _change_menu(things, later):
    site.add_menu_item(by=make_user(Role.ADMIN), kind="link", label="NEEDLE-menu", url="https://example.org/")


def _change_tag(things, later):
    tag = things["post"].tags[0]
    posts.update_tag(tag, by=things["author"], name="NEEDLE-tag", description="")


def _change_person(things, later):
    accounts.update_profile(things["author"], by=things["author"], display_name="NEEDLE-person",
                            affiliation="", bio="")


def _schedule_post(things, later):
    scheduled = posts.create_post(posts.PostInput(title="NEEDLE-scheduled", body_markdown="Soon.",
                                                  tag_names=["Workshops"]), by=things["author"])
    posts.publish_post(scheduled, by=things["author"], at=utcnow() + timedelta(minutes=30))


def _event_soon(things, later):
    start = (utcnow() + timedelta(minutes=30)).replace(tzinfo=None)
    data = EventInput(title="The workshop", precision="time", start_local=start,
                      end_local=start + timedelta(minutes=10), timezone="UTC", city="Leeds",
                      summary="Summary one")
    events.save_event(things["event"], data, by=things["author"])


# (name, change, pages that must show the needle afterwards, whether the change needs time to pass)
CHANGES = [
    ("post", _change_post, ["/posts/the-write-up", "/feeds/posts.atom", "/feeds/posts.json"], False),
    ("event", _change_event, ["/events/", "/events/the-workshop", "/posts/the-write-up",
                              "/feeds/events.atom", "/feeds/events.ics"], False),
    ("photo caption", _change_caption, ["/posts/the-write-up", "/feeds/posts.atom"], False),
    ("social snapshot", _change_snapshot, ["/posts/the-write-up", "/feeds/posts.rss"], False),
    ("settings", _change_settings, "all", False),
    ("page", _change_page, ["/about"], False),
    ("menu", _change_menu, [p for p in PUBLIC_PAGES if not p.startswith("/feeds/")], False),
    ("tag", _change_tag, ["/posts/the-write-up", "/tags/workshops"], False),
    ("person", _change_person, ["/posts/the-write-up", "/people/{author}", "/feeds/posts.atom"], False),
    ("scheduled post coming due", _schedule_post, ["/", "/tags/workshops", "/feeds/posts.atom",
                                                   "/feeds/posts.json", "/people/{author}"], True),
    ("event taking place", _event_soon, ["/events/", "/events/the-workshop"], True),
]


@pytest.mark.parametrize("name,change,showing,needs_time", CHANGES, ids=[c[0] for c in CHANGES])
def test_every_kind_of_change_shows_on_every_page_showing_it_at_the_next_request(
        client, appctx, monkeypatch, name, change, showing, needs_time):
    things = _site()
    pages = _pages(things)
    later = utcnow() + timedelta(hours=1)
    if needs_time:  # the write happens first; its effect shows only when its time comes
        change(things, later)
        db.session.commit()
    before = _warm(client, pages)
    if needs_time:
        for module in ("blog.site.services", "blog.posts.services", "blog.events.services",
                       "blog.events.views"):
            monkeypatch.setattr(f"{module}.utcnow", lambda: later)
    else:
        change(things, later)
        db.session.commit()
    showing = pages if showing == "all" else [p.format(author=things["author"].slug, year=things["post"].published_at.year)
                                                    for p in showing]
    for path in showing:
        after = client.get(path)
        assert after.status_code == 200, path
        if needs_time:
            assert after.data != before[path], f"{name}: {path} did not change when its time came"
            if name == "scheduled post coming due":
                assert b"NEEDLE-scheduled" in after.data, path
        else:
            assert b"NEEDLE" in after.data and b"NEEDLE" not in before[path], f"{name}: {path} is stale"


def test_each_write_moves_the_version_in_its_own_transaction(appctx):
    author = make_user()
    _, first = site.content_stamp()
    make_post(author, title="Another")
    _, second = site.content_stamp()
    assert first != second
    db.session.rollback()
    _, unchanged = site.content_stamp()
    assert unchanged == second
    # A rolled-back write leaves the version alone.
    author.display_name = "Rolled back"
    db.session.flush()
    db.session.rollback()
    assert site.content_stamp()[1] == second


def test_pages_can_live_in_redis(make_app):
    require_tool(_redis_answers(), "Redis on 127.0.0.1:6379")
    prefix = f"blogtest-{uuid.uuid4().hex[:8]}"
    app = make_app(CACHE_URL="redis://127.0.0.1:6379/0", CACHE_KEY_PREFIX=prefix)
    store = app.extensions["page_store"]
    try:
        with app.app_context():
            make_post(make_user(), title="Kept in Redis")
            client = app.test_client()
            first = client.get("/")
            _, version = site.content_stamp()
            assert store.get(version, _key(first)) is not None
            assert store.store.client.exists(f"{prefix}:page:{version}:{_key(first)}")
            assert client.get("/", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"
            assert client.get("/").data == first.data
    finally:
        store.clear()


def test_the_content_version_is_the_last_write_of_its_transaction(app):
    """Every public write updates the one site_settings row. Taken just before the commit, its lock
    is never held while the transaction waits for another row: taken at the first flush, two people
    saving on PostgreSQL (a photo's caption, a post) deadlocked on it."""
    with app.app_context():
        post = make_post(make_user(Role.AUTHOR))
        db.session.commit()
        statements = []

        def record(connection, cursor, statement, parameters, context, executemany):
            statements.append(" ".join(statement.split()[:3]).lower())

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            post.title = "A first change"
            db.session.flush()
            post.excerpt = "And a second, flushed on its own"
            db.session.flush()
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    writes = [s for s in statements if s.split()[0] in ("insert", "update", "delete")]
    assert writes[-1] == "update site_settings set"
    assert sum("site_settings" in s for s in writes) == 1
