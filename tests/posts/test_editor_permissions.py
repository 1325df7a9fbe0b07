"""Every editing route, for every role, on a post that is not the actor's own."""
import pytest

from blog.accounts.models import Role
from blog.extensions import db
from blog.posts import services
from blog.posts.models import Post
from tests.factories import login, make_post, make_user

ROLES_ALLOWED_ON_OTHERS_POSTS = {Role.CONTRIBUTOR: False, Role.AUTHOR: False, Role.EDITOR: True, Role.ADMIN: True}


def _routes(post_id: int, revision_id: int, tag_id: int):
    form = {"title": "Changed by someone", "body": "x", "authors": "1", "base_version": "999", "action": "save"}
    return [
        ("get", f"/editor/posts/{post_id}", None),
        ("post", f"/editor/posts/{post_id}", form),
        ("get", f"/editor/posts/{post_id}/preview", None),
        ("post", f"/editor/posts/{post_id}/preview-link", {}),
        ("get", f"/editor/posts/{post_id}/revisions", None),
        ("get", f"/editor/posts/{post_id}/revisions/{revision_id}", None),
        ("post", f"/editor/posts/{post_id}/revisions/{revision_id}/restore", {}),
        ("post", f"/editor/tags/{tag_id}", {"name": "Renamed", "description": ""}),
        ("get", "/editor/tags", None),
        ("post", f"/editor/posts/{post_id}/delete", {}),  # last: it removes the post
    ]


@pytest.mark.parametrize("role", list(Role))
def test_editing_routes_enforce_roles(client, appctx, role):
    owner = make_user(Role.AUTHOR)
    post = make_post(owner, tags=["Events"])
    revision = services.revisions_of(post)[0]
    routes = _routes(post.id, revision.id, post.tags[0].id)
    login(client, make_user(role))
    allowed = ROLES_ALLOWED_ON_OTHERS_POSTS[role]
    for method, path, data in routes:
        response = getattr(client, method)(path, data=data)
        if allowed:
            assert response.status_code in (200, 302, 409), (role, path, response.status_code)
        else:
            assert response.status_code == 403, (role, path, response.status_code)
    db.session.expire_all()
    assert (db.session.get(Post, post.id) is None) is allowed


@pytest.mark.parametrize("role", list(Role))
def test_everyone_signed_in_may_write_a_draft_but_contributors_cannot_publish(client, appctx, role):
    actor = make_user(role)
    login(client, actor)
    assert client.get("/editor/posts/new").status_code == 200
    response = client.post("/editor/posts/new", data={
        "title": f"By a {role.value}", "body": "Text", "authors": str(actor.id), "action": "publish"})
    post = db.session.execute(db.select(Post).where(Post.title == f"By a {role.value}")).scalar_one_or_none()
    if role == Role.CONTRIBUTOR:
        assert response.status_code == 403
        assert b"does not allow you to publish" in response.data
        assert post is None  # nothing half-saved
        draft = client.post("/editor/posts/new", data={
            "title": "Contributor draft", "body": "Text", "authors": str(actor.id), "action": "save"})
        assert draft.status_code == 302
    else:
        assert response.status_code == 302 and post.status == "published"


def test_stale_save_gets_the_conflict_page_with_both_texts(client, appctx):
    editor = make_user(Role.EDITOR)
    post = make_post(editor, body="Original text")
    login(client, editor)
    base = post.version
    form = {"title": post.title, "authors": str(editor.id), "action": "save", "base_version": str(base)}
    assert client.post(f"/editor/posts/{post.id}", data={**form, "body": "First save"}).status_code == 302
    conflict = client.post(f"/editor/posts/{post.id}", data={**form, "body": "Second save"})
    assert conflict.status_code == 409
    assert b"First save" in conflict.data and b"Second save" in conflict.data
    db.session.refresh(post)
    assert post.body_markdown == "First save"


def test_bad_publish_time_is_a_form_error_and_loses_nothing(client, appctx):
    author = make_user(Role.AUTHOR)
    login(client, author)
    response = client.post("/editor/posts/new", data={
        "title": "Timed", "body": "Keep me", "authors": str(author.id), "action": "publish",
        "publish_at": "31/31/2026 99:99"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "is not a date and time" in html and "Keep me" in html


def test_scheduling_from_the_editor_uses_the_site_time_zone(client, appctx):
    from datetime import datetime

    from blog.core.time import UTC

    author = make_user(Role.AUTHOR)
    login(client, author)
    client.post("/editor/posts/new", data={
        "title": "Summer post", "body": "x", "authors": str(author.id), "action": "publish",
        "publish_at": "2099-07-01T09:00"})
    post = db.session.execute(db.select(Post).where(Post.title == "Summer post")).scalar_one()
    assert post.status == "scheduled"
    assert post.published_at == datetime(2099, 7, 1, 8, 0, tzinfo=UTC)  # 09:00 BST


def test_revision_history_diff_and_restore_pages(client, appctx):
    editor = make_user(Role.EDITOR)
    post = make_post(editor, body="line one")
    services.save_post(post, services.PostInput(title=post.title, body_markdown="line two"), by=editor,
                       base_version=post.version)
    db.session.commit()
    login(client, editor)
    old, new = services.revisions_of(post)[-1], services.revisions_of(post)[0]
    page = client.get(f"/editor/posts/{post.id}/revisions?a={old.id}&b={new.id}").get_data(as_text=True)
    assert "<del>- line one</del>" in page and "<ins>+ line two</ins>" in page
    client.post(f"/editor/posts/{post.id}/revisions/{old.id}/restore")
    db.session.refresh(post)
    assert post.body_markdown == "line one"
