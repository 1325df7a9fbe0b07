"""The "where is this used" service and the shared-object rule, at the service layer."""
from __future__ import annotations

import pytest

from blog.accounts.models import Role
from blog.core import usage
from blog.embeds import services as embeds
from blog.errors import NotAllowed, ValidationFailed
from blog.events import services as events
from blog.extensions import db
from blog.media import services as media
from tests.factories import make_post, make_user, make_page
from tests.media.images import photo as photo_bytes


def _photo(owner):
    stored = media.store_photo(photo_bytes(320, 200), "p.jpg", by=owner)
    stored.alt_text = "Described"
    db.session.flush()
    return stored


def _published_event(owner, **fields):
    event = events.create_event(events.EventInput(title="Summer school", **fields), by=owner)
    events.publish_event(event, by=owner)
    return event


def test_every_kind_of_use_is_found_including_through_a_snapshot(appctx):
    admin, author = make_user(Role.ADMIN), make_user(Role.AUTHOR)
    photos = {name: _photo(author) for name in ("body", "feature", "event", "description", "about", "avatar")}
    make_post(author, title="Body use", body=f"[[gallery:{photos['body'].key},zzzz]]")
    featured = make_post(author, title="Feature use", published=False)
    media.set_feature_photo(featured, photos["feature"].key, by=author)
    event = _published_event(author)
    event.photo = photos["event"]
    _published_event(author, description_markdown=f"[[photo:{photos['description'].key}]]")
    make_page(admin, body=f"[[photo:{photos['about'].key}]]")
    snapshot = embeds.create_snapshot(embeds.SnapshotInput(handle="ada", text="Hi",
                                                           avatar_photo_key=photos["avatar"].key), by=author)
    make_post(author, title="Quote use", body=f"[[social:{snapshot.key}]]")
    db.session.flush()

    def found(name):
        return [(u.kind, u.title, u.published) for u in usage.usages("photo", photos[name])]

    assert found("body") == [("post", "Body use", True)]
    assert found("feature") == [("post", "Feature use", False)]
    assert found("event") == [("event", "Summer school", True)]
    assert found("description") == [("event", "Summer school", True)]
    assert found("about") == [("post", "About", True)]
    assert found("avatar") == [("snapshot", f"quote {snapshot.key}", False), ("post", "Quote use", True)]


def test_a_photo_a_published_event_uses_cannot_be_deleted_even_by_its_uploader(appctx):
    contributor = make_user(Role.CONTRIBUTOR)
    photo = _photo(contributor)
    _published_event(make_user(Role.EDITOR)).photo = photo
    db.session.flush()
    with pytest.raises(ValidationFailed, match="used in 1 event"):
        media.delete_photo(photo, by=contributor)


def test_a_contributor_cannot_change_their_photo_once_an_editor_published_it(appctx):
    contributor, editor = make_user(Role.CONTRIBUTOR), make_user(Role.EDITOR)
    photo = _photo(contributor)
    make_post(editor, title="Editor's post", body=f"[[photo:{photo.key}]]")
    with pytest.raises(NotAllowed, match="Editor's post"):
        media.update_photo(photo, by=contributor, caption="Rewritten")
    with pytest.raises(NotAllowed):
        media.replace_photo(photo, photo_bytes(300, 300), "r.jpg", by=contributor)
    media.update_photo(photo, by=editor, caption="Fine")
    assert photo.caption_markdown == "Fine"


def test_a_snapshot_shown_as_the_parent_of_a_reply_in_anothers_post_is_theirs_too(appctx):
    author, other = make_user(Role.AUTHOR), make_user(Role.AUTHOR)
    parent = embeds.create_snapshot(embeds.SnapshotInput(handle="ada", text="Question"), by=author)
    reply = embeds.create_snapshot(embeds.SnapshotInput(handle="bob", text="Answer", in_reply_to_key=parent.key),
                                   by=author)
    make_post(other, title="Other's post", body=f"[[social:{reply.key}]]")
    data = embeds.input_from_data(embeds.snapshot_data(parent))
    data.text = "Rewritten question"
    with pytest.raises(NotAllowed, match="Other's post"):
        embeds.update_snapshot(parent, data, by=author)
    embeds.update_snapshot(parent, data, by=make_user(Role.EDITOR))
    assert parent.text == "Rewritten question"
