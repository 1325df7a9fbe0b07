"""An admin deletes any person; their posts and events go to someone they choose."""
from __future__ import annotations


import pytest

from blog.accounts import services
from blog.accounts.models import Role, User
from blog.errors import NotAllowed, ValidationFailed
from blog.events import services as events
from blog.events.models import Event
from blog.events.services import EventInput
from blog.extensions import db
from blog.posts import services as posts
from blog.posts.models import Post
from tests.factories import login, make_post, make_user


@pytest.fixture
def team(appctx):
    admin = make_user(Role.ADMIN, name="Admin")
    leaving = make_user(Role.AUTHOR, name="Leaving Person")
    staying = make_user(Role.AUTHOR, name="Staying Person")
    solo = make_post(leaving, title="Solo")
    shared = make_post(leaving, title="Shared")
    posts.save_post(shared, posts.PostInput(title="Shared", body_markdown="x",
                                            author_ids=[leaving.id, staying.id]),
                    by=leaving, base_version=shared.version)
    event = events.create_event(EventInput(title="Their event", precision="month", year=2030, month=1,
                                           timezone="Europe/London"), by=leaving)
    db.session.commit()
    return {"admin": admin, "leaving": leaving, "staying": staying, "solo": solo, "shared": shared,
            "event": event}


def _bylines():
    return {p.title: [a.display_name for a in p.authors] for p in db.session.execute(db.select(Post)).scalars()}


def test_deleting_a_person_hands_their_posts_and_events_over(team):
    services.delete_person(team["leaving"], by=team["admin"], hand_over_to=team["staying"])
    db.session.commit()
    db.session.expire_all()
    assert db.session.execute(db.select(User).where(User.display_name == "Leaving Person")).first() is None
    assert _bylines() == {"Solo": ["Staying Person"], "Shared": ["Staying Person"]}
    assert db.session.execute(db.select(Event)).scalar_one().created_by.display_name == "Staying Person"
    assert db.session.execute(db.select(Post).where(Post.title == "Solo")).scalar_one().created_by_id == \
        team["staying"].id


def test_a_hand_over_keeps_the_byline_order(team):
    services.delete_person(team["leaving"], by=team["admin"], hand_over_to=team["admin"])
    db.session.commit()
    db.session.expire_all()
    assert _bylines()["Shared"] == ["Admin", "Staying Person"]


def test_only_admins_delete_and_never_themselves(team):
    with pytest.raises(NotAllowed):
        services.delete_person(team["leaving"], by=team["staying"], hand_over_to=team["staying"])
    with pytest.raises(ValidationFailed):
        services.delete_person(team["admin"], by=team["admin"], hand_over_to=team["staying"])
    with pytest.raises(ValidationFailed):
        services.delete_person(team["leaving"], by=team["admin"], hand_over_to=team["leaving"])


def test_people_page_links_a_confirmation_that_deletes(client, team):
    login(client, team["admin"])
    leaving_id, staying_id = team["leaving"].id, team["staying"].id
    people = client.get("/admin/people").get_data(as_text=True)
    assert f'href="/admin/people/{leaving_id}/delete"' in people
    confirmation = client.get(f"/admin/people/{leaving_id}/delete").get_data(as_text=True)
    assert "Give their posts and events to" in confirmation and f'value="{leaving_id}"' not in confirmation
    response = client.post(f"/admin/people/{leaving_id}/delete", data={"hand_over_to": staying_id})
    assert response.status_code == 302 and response.location.endswith("/admin/people")
    db.session.expire_all()
    assert db.session.get(User, leaving_id) is None
    assert _bylines()["Solo"] == ["Staying Person"]
    assert "/posts/solo" in client.get(f"/people/{team['staying'].slug}").get_data(as_text=True)


def test_delete_view_refuses_non_admins_and_a_missing_heir(client, team):
    login(client, team["staying"])
    assert client.post(f"/admin/people/{team['leaving'].id}/delete",
                       data={"hand_over_to": team["staying"].id}).status_code == 403
    client.post("/logout")
    login(client, team["admin"])
    response = client.post(f"/admin/people/{team['leaving'].id}/delete", data={"hand_over_to": 999999})
    assert response.status_code == 400 and "Choose who takes over" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, team["leaving"].id) is not None
