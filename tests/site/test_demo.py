"""The demo is marked in the database: removed in one step (CLI or site settings), or never created."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from blog.accounts.models import Role, User
from blog.core.time import utcnow
from blog.demo import ADMIN_EMAIL, NEW_SITE_ABOUT, create_demo_content, remove_demo_content
from blog.embeds.models import SocialPost
from blog.events import services as events
from blog.events.models import Event
from blog.events.services import EventInput
from blog.extensions import db
from blog.media.models import Photo
from blog.newsletter import services as newsletter
from blog.newsletter.models import Delivery, Subscriber
from blog.posts.models import Post, Tag
from blog.site.models import DemoObject
from blog.site.services import get_settings, menu_items
from tests.factories import login, make_post, make_user


def _group_content(admin):
    """What a group adds beside the demo: a person, a post with a demo tag and one of its own, an
    event, a subscriber, and a digest queued to everyone (demo subscribers included)."""
    member = make_user(Role.AUTHOR, email="r.member@university.ac.uk", name="Dr Real Member")
    own_post = make_post(member, title="Our first real post", tags=["Events", "Our Findings"])
    own_event = events.create_event(EventInput(title="Our seminar", precision="month", year=utcnow().year + 1,
                                               month=2, timezone="Europe/London"), by=member)
    db.session.add(Subscriber(email="friend@university.ac.uk", name="Friend", status="subscribed",
                              receives="both", consent_at=utcnow(), consent_method="form"))
    db.session.flush()
    newsletter.queue_mailing(newsletter.compose_digest(since=utcnow() - timedelta(days=3650)), by=admin)
    db.session.commit()
    return member, own_post, own_event


def _names(model, column):
    return sorted(db.session.execute(db.select(column)).scalars())


def test_removing_the_demo_takes_every_demo_object_and_nothing_of_the_group(appctx):
    with appctx.test_request_context():  # composing the digest builds links
        _remove_beside_group_content(appctx)


def _remove_beside_group_content(appctx):
    created = create_demo_content()
    db.session.commit()
    admin = created["admin"]
    photo_files = [Path(appctx.config["MEDIA_ROOT"]) / "photos" / name
                   for photo in db.session.execute(db.select(Photo)).scalars() for name in photo.file_names]
    member, own_post, own_event = _group_content(admin)
    assert db.session.query(Delivery).count() == 2  # the demo reader who takes posts, and the group's friend

    removed, files = remove_demo_content(by=admin)
    db.session.commit()
    from blog.media.services import delete_files
    delete_files(files)
    db.session.expire_all()

    assert removed["posts"] == 1 and removed["people"] == 2 and removed["subscribers"] == 2
    assert removed["events"] == 3 and removed["photos"] == 3 and removed["quotes"] == 4
    assert _names(User, User.email) == sorted([ADMIN_EMAIL, "r.member@university.ac.uk"])
    # The About page stays (it is the site's, and in its menu), with a new site's text again.
    assert _names(Post, Post.title) == ["About", "Our first real post"]
    about = db.session.execute(db.select(Post).where(Post.slug == "about")).scalar_one()
    assert about.kind == "page" and about.body_markdown == NEW_SITE_ABOUT
    assert _names(Event, Event.title) == ["Our seminar"]
    assert _names(Subscriber, Subscriber.email) == ["friend@university.ac.uk"]
    assert db.session.query(Photo).count() == 0 and db.session.query(SocialPost).count() == 0
    assert [d.subscriber.email for d in db.session.execute(db.select(Delivery)).scalars()] == \
        ["friend@university.ac.uk"]
    # "Events" is still used by the group's post; the demo's other tags are gone.
    assert _names(Tag, Tag.name) == ["Events", "Our Findings"]
    assert photo_files and not any(path.exists() for path in photo_files)
    assert db.session.query(DemoObject).count() == 0
    settings = get_settings()
    assert settings.site_name == "Research Group Blog" and settings.footer_text == ""


def test_a_demo_photo_the_group_uses_is_kept_and_settings_they_changed_stay(appctx):
    created = create_demo_content()
    admin = created["admin"]
    photo = db.session.execute(db.select(Photo)).scalars().first()
    make_post(admin, title="Reusing the selfie", body=f"[[photo:{photo.key}]]")
    get_settings().site_name = "onlineSAFE"
    db.session.commit()
    remove_demo_content(by=admin)
    db.session.commit()
    assert db.session.query(Photo).count() == 1
    assert get_settings().site_name == "onlineSAFE"
    assert get_settings().tagline == ""


def client_about_ok(app) -> bool:
    return app.test_client().get("/about").status_code == 200


def _post_count() -> int:
    return db.session.query(Post).filter(Post.kind == "post").count()


def test_cli_removes_the_demo_and_make_run_does_not_bring_it_back(runner, appctx):
    assert "password:" in runner.invoke(args=["demo", "--only-new-site"]).output
    assert _post_count() == 1
    result = runner.invoke(args=["demo", "--remove"])
    assert result.exit_code == 0, result.output
    assert "Demo content removed: 1 posts, 3 events" in result.output
    db.session.expire_all()
    assert _post_count() == 0 and db.session.query(User).count() == 1
    again = runner.invoke(args=["demo", "--only-new-site"])
    assert again.exit_code == 0 and "no demo added" in again.output
    assert _post_count() == 0


def test_init_creates_only_the_admin_and_prints_the_login(runner, appctx):
    result = runner.invoke(args=["init", "--email", "lead@university.ac.uk"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.output).group(1)
    assert "lead@university.ac.uk" in result.output
    admin = db.session.execute(db.select(User)).scalar_one()
    assert admin.email == "lead@university.ac.uk" and admin.role == Role.ADMIN.value
    assert _post_count() == db.session.query(Event).count() == 0
    assert db.session.query(Subscriber).count() == 0
    # A new site has its About page and the default menu.
    assert [(item.kind, item.label) for item in menu_items()] == [
        ("posts", "Posts"), ("events", "Events"), ("page", "About")]
    assert db.session.get(Post, menu_items()[2].post_id).slug == "about"
    assert client_about_ok(appctx)
    client = appctx.test_client()
    assert client.post("/login", data={"email": "lead@university.ac.uk", "password": password}).status_code == 302
    # make run after init: no demo appears.
    assert "no demo added" in runner.invoke(args=["demo", "--only-new-site"]).output
    assert _post_count() == 0


def test_settings_button_confirms_then_removes_the_demo(client, appctx):
    created = create_demo_content()
    db.session.commit()
    admin = created["admin"]
    login(client, admin, created["password"])
    settings_page = client.get("/admin/settings").get_data(as_text=True)
    assert 'href="/admin/settings/remove-demo"' in settings_page
    confirmation = client.get("/admin/settings/remove-demo")
    assert confirmation.status_code == 200 and "Remove the demo content</button>" in confirmation.get_data(as_text=True)
    assert _post_count() == 1  # looking at the confirmation removes nothing
    response = client.post("/admin/settings/remove-demo")
    assert response.status_code == 302 and response.location.endswith("/admin/settings")
    db.session.expire_all()
    assert _post_count() == 0 and db.session.query(Subscriber).count() == 0
    assert "/admin/settings/remove-demo" not in client.get("/admin/settings").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.EDITOR, Role.AUTHOR])
def test_only_admins_remove_the_demo(client, appctx, role):
    create_demo_content()
    db.session.commit()
    login(client, make_user(role))
    assert client.post("/admin/settings/remove-demo").status_code == 403
    assert _post_count() == 1
