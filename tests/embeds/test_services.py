"""Snapshots: creating, editing with history, permissions, and the cards posts show."""
from datetime import datetime

import pytest
from bs4 import BeautifulSoup

from blog.accounts.models import Role
from blog.core.markdown import render_markdown
from blog.core.time import UTC
from blog.embeds import services
from blog.embeds.cards import render_directive
from blog.embeds.oembed import fetch_oembed
from blog.embeds.services import SnapshotInput
from blog.errors import EditConflict, NotAllowed, ValidationFailed
from blog.extensions import db
from tests.embeds import samples
from tests.factories import make_post, make_user


def question(**overrides) -> SnapshotInput:
    values = dict(platform="x", display_name="netGUARD", handle="@netguard_lab",
                  text="Do we need peer support circles for low-risk clients? #netGUARD",
                  posted_label="19h", like_count=1, counts_read_at=datetime(2025, 3, 13, 12, tzinfo=UTC),
                  key="netguard-question")
    values.update(overrides)
    return SnapshotInput(**values)


def reply(key: str, text: str, parent: str = "netguard-question") -> SnapshotInput:
    return SnapshotInput(platform="x", display_name="Dr Rosa Lind", handle="rosalind_phd", text=text,
                         posted_at=datetime(2025, 3, 13, 1, 22, tzinfo=UTC), in_reply_to_key=parent, key=key)


def cards(html: str):
    return BeautifulSoup(html, "html.parser").select("figure.social-post")


def test_create_keeps_the_snapshot_and_renders_safe_text(appctx):
    author = make_user(Role.AUTHOR)
    post = services.create_snapshot(question(), by=author)
    assert post.key == "netguard-question" and post.handle == "netguard_lab" and post.version == 1
    assert 'href="https://x.com/hashtag/netGUARD"' in post.text_html
    assert post.counts_read_at == datetime(2025, 3, 13, 12, tzinfo=UTC)
    assert [r.reason for r in services.revisions_of(post)] == ["create"]


def test_generated_keys_are_short_readable_and_unique(appctx):
    author = make_user(Role.AUTHOR)
    first = services.create_snapshot(question(key=""), by=author)
    second = services.create_snapshot(question(key=""), by=author)
    assert first.key.startswith("netguard-lab-") and len(first.key) == len("netguard-lab-") + 4
    assert first.key != second.key
    with pytest.raises(ValidationFailed):
        services.create_snapshot(question(key=first.key), by=author)
    with pytest.raises(ValidationFailed):
        services.create_snapshot(question(key="Bad Key!"), by=author)


@pytest.mark.parametrize("overrides,field", [
    ({"text": "  "}, "text"),
    ({"display_name": "", "handle": ""}, "display_name"),
    ({"handle": "two words"}, "handle"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"like_count": -1}, "like_count"),
    ({"platform": "myspace"}, "platform"),
    ({"posted_at": datetime(2025, 3, 1)}, "posted_at"),
])
def test_bad_input_is_refused_with_the_field_named(appctx, overrides, field):
    author = make_user(Role.AUTHOR)
    with pytest.raises(ValidationFailed) as error:
        services.create_snapshot(question(**overrides), by=author)
    assert error.value.field == field


def test_contributors_cannot_quote_and_only_editors_delete(appctx):
    contributor, author = make_user(Role.CONTRIBUTOR), make_user(Role.AUTHOR)
    with pytest.raises(NotAllowed):
        services.create_snapshot(question(), by=contributor)
    post = services.create_snapshot(question(), by=author)
    with pytest.raises(NotAllowed):
        services.delete_snapshot(post, by=author)
    services.delete_snapshot(post, by=make_user(Role.EDITOR))
    assert services.snapshot_by_key("netguard-question") is None


def test_a_reply_cannot_loop_back_to_itself(appctx):
    author = make_user(Role.AUTHOR)
    parent = services.create_snapshot(question(), by=author)
    child = services.create_snapshot(reply("lind-1", "@netguard_lab yes"), by=author)
    with pytest.raises(ValidationFailed):
        services.update_snapshot(parent, question(in_reply_to_key=child.key), by=author)


def test_single_card_has_byline_quote_time_counts_and_link(appctx):
    author = make_user(Role.AUTHOR)
    services.create_snapshot(question(url="https://x.com/netguard_lab/status/123"), by=author)
    html = render_markdown("Before.\n\n[[social:netguard-question]]\n\nAfter.")
    soup = BeautifulSoup(html, "html.parser")
    card = soup.select_one("figure.social-post.social-x")
    assert card.select_one(".social-avatar")["data-initials"] == "N"
    assert card.select_one(".social-avatar").get_text() == ""  # no stray letters in excerpts and feeds
    assert card.select_one(".social-avatar")["aria-hidden"] == "true"
    assert card.select_one(".social-name").get_text() == "netGUARD"
    assert card.select_one(".social-handle").get_text() == "@netguard_lab"
    assert card.select_one("blockquote")["cite"] == "https://x.com/netguard_lab/status/123"
    assert card.select_one(".social-when").get_text() == "19h"
    link = card.select_one("a.social-link")
    assert link["href"] == "https://x.com/netguard_lab/status/123" and link["rel"] == ["nofollow", "noopener"]
    assert "X (Twitter)" in link.get_text()
    assert card.select_one(".social-counts").get_text(" ", strip=True) == "1 like (as of 13 March 2025 )"
    assert card.select_one(".social-counts time")["datetime"] == "2025-03-13"
    assert "<script" not in html and "<img" not in html and "<p>[[social" not in html


def test_time_and_date_only_are_marked_up_as_time(appctx):
    author = make_user(Role.AUTHOR)
    services.create_snapshot(reply("lind-1", "@netguard_lab yes", parent=""), by=author)
    services.create_snapshot(question(key="dated", posted_label="", posted_date_only=True,
                                      posted_at=datetime(2025, 3, 12, tzinfo=UTC)), by=author)
    timed = BeautifulSoup(str(render_directive("lind-1")), "html.parser").select_one(".social-meta time")
    assert timed["datetime"] == "2025-03-13T01:22:00Z" and timed.get_text() == "13 March 2025, 01:22"
    dated = BeautifulSoup(str(render_directive("dated")), "html.parser").select_one(".social-meta time")
    assert dated["datetime"] == "2025-03-12" and dated.get_text() == "12 March 2025"


def test_a_reply_shows_its_parent_above_it(appctx):
    author = make_user(Role.AUTHOR)
    services.create_snapshot(question(), by=author)
    services.create_snapshot(reply("lind-1", "@netguard_lab Yes, if resources allow."), by=author)
    found = cards(str(render_directive("lind-1")))
    assert [c["class"][-1] for c in found] == ["social-context", "social-reply"]
    assert "Do we need" in found[0].get_text() and "Replying to @netguard_lab" in found[1].get_text()


def test_a_conversation_shows_the_shared_question_once(appctx):
    author = make_user(Role.AUTHOR)
    services.create_snapshot(question(), by=author)
    services.create_snapshot(reply("lind-1", "@netguard_lab First answer."), by=author)
    services.create_snapshot(reply("lind-2", "@netguard_lab Second answer."), by=author)
    html = render_markdown("[[social:lind-1,lind-2]]")
    found = cards(html)
    assert len(found) == 3 and html.count("Do we need peer support") == 1
    assert [c["class"][-1] for c in found] == ["social-context", "social-reply", "social-reply"]
    # Naming the question first shows it as a post, still once.
    again = cards(render_markdown("[[social:netguard-question,lind-1,lind-2]]"))
    assert [c["class"][-1] for c in again] == ["social-post", "social-reply", "social-reply"]
    # Separate directives each show their context (why the conversation syntax exists).
    assert render_markdown("[[social:lind-1]]\n\n[[social:lind-2]]").count("Do we need peer support") == 2


def test_unknown_or_malformed_keys_leave_the_text(appctx):
    make_user(Role.AUTHOR)
    assert "[[social:nope]]" in render_markdown("[[social:nope]]")
    assert render_directive("UPPER;drop") is None and render_directive("") is None


def test_editing_a_snapshot_updates_every_post_showing_it_or_a_reply_to_it(appctx):
    author = make_user(Role.AUTHOR)
    parent = services.create_snapshot(question(), by=author)
    services.create_snapshot(reply("lind-1", "@netguard_lab First answer."), by=author)
    services.create_snapshot(reply("lind-2", "@netguard_lab Second answer."), by=author)
    direct = make_post(author, title="One", body="[[social:netguard-question]]")
    thread = make_post(author, title="Two", body="Intro.\n\n[[social:lind-1,lind-2]]")
    other = make_post(author, title="Three", body="No quotes.")
    services.update_snapshot(parent, question(text="Do we need circles at all? #netGUARD"), by=author,
                             base_version=1)
    db.session.commit()
    for post in (direct, thread):
        db.session.refresh(post)
        assert "Do we need circles at all?" in post.body_html
    assert "circles" not in db.session.get(type(other), other.id).body_html
    assert [r.reason for r in services.revisions_of(parent)] == ["save", "create"]
    assert services.posts_showing(parent) == [direct]
    with pytest.raises(EditConflict):
        services.update_snapshot(parent, question(), by=author, base_version=1)


def test_history_keeps_every_version_and_restore_brings_one_back(appctx):
    author = make_user(Role.AUTHOR)
    post = services.create_snapshot(question(), by=author)
    services.update_snapshot(post, question(text="Edited text"), by=author)
    first, = [r for r in services.revisions_of(post) if r.reason == "create"]
    assert first.data["text"].startswith("Do we need") and first.data["in_reply_to_key"] == ""
    changed = services.changed_fields(first.data, services.revisions_of(post)[0].data)
    assert changed == ["text"]
    services.restore_revision(post, first, by=author)
    assert post.text.startswith("Do we need") and post.version == 3


def test_deleting_a_snapshot_a_post_shows_is_refused(appctx):
    author, editor = make_user(Role.AUTHOR), make_user(Role.EDITOR)
    post = services.create_snapshot(question(), by=author)
    make_post(author, body="[[social:netguard-question]]")
    with pytest.raises(ValidationFailed):
        services.delete_snapshot(post, by=editor)


def test_oembed_fetch_is_off_by_default_and_parses_a_recorded_answer_when_on(appctx, monkeypatch):
    import json

    from blog.embeds import oembed

    with pytest.raises(NotAllowed):
        fetch_oembed("https://x.com/rosalind_phd/status/1900112233445566778")
    appctx.config["ALLOW_OEMBED_FETCH"] = True
    asked = []

    def recorded(url, **limits):  # the network part is tested in tests/core/test_fetch.py
        asked.append(url)
        return json.dumps(samples.OEMBED_X).encode()

    monkeypatch.setattr(oembed, "fetch_public", recorded)
    post = fetch_oembed("https://x.com/rosalind_phd/status/1900112233445566778")
    assert post.display_name == "Dr Rosa Lind" and post.source == "oembed"
    assert asked[0].startswith("https://publish.twitter.com/oembed?url=https%3A%2F%2Fx.com%2Frosalind_phd")

    def unreachable(url, **limits):
        raise ValidationFailed("publish.twitter.com could not be reached.")

    monkeypatch.setattr(oembed, "fetch_public", unreachable)
    with pytest.raises(ValidationFailed, match="Paste the embed code"):
        fetch_oembed("https://x.com/rosalind_phd/status/1")


def test_editing_a_snapshot_moves_the_public_content_stamp(appctx):
    from blog.embeds.models import SocialPostRevision
    from blog.site.services import content_stamp

    assert SocialPostRevision.affects_public_pages is False
    author = make_user(Role.AUTHOR)
    post = services.create_snapshot(question(), by=author)
    db.session.commit()
    before = content_stamp()
    services.update_snapshot(post, question(text="Changed"), by=author)
    db.session.commit()
    assert content_stamp() != before


def test_deleting_a_parent_leaves_its_replies_standing_alone_in_posts(appctx):
    author, editor = make_user(Role.AUTHOR), make_user(Role.EDITOR)
    parent = services.create_snapshot(question(), by=author)
    services.create_snapshot(reply("lind-1", "@netguard_lab yes"), by=author)
    post = make_post(author, body="[[social:lind-1]]")
    assert "Do we need" in post.body_html
    services.delete_snapshot(parent, by=editor)
    db.session.commit()
    db.session.refresh(post)
    assert "Do we need" not in post.body_html and "@netguard_lab" in post.body_html
    assert services.snapshot_by_key("lind-1").in_reply_to is None


def test_an_avatar_photo_counts_as_used_and_replacing_it_updates_the_cards(appctx):
    from blog.media import services as media
    from tests.media.images import photo

    editor = make_user(Role.EDITOR)
    avatar = media.store_photo(photo(400, 400), "avatar.png", by=editor)
    services.create_snapshot(question(avatar_photo_key=avatar.key), by=editor)
    post = make_post(editor, body="Asked:\n\n[[social:netguard-question]]\n")
    assert avatar.variant_list("jpeg")[0]["name"] in post.body_html

    with pytest.raises(ValidationFailed, match="used in 1 post"):
        media.delete_photo(avatar, by=editor)
    media.replace_photo(avatar, photo(400, 400, color=(10, 120, 200)), "new.png", by=editor)
    db.session.commit()
    assert avatar.variant_list("jpeg")[0]["name"] in db.session.get(type(post), post.id).body_html


def test_counts_are_as_of_the_posts_own_date_or_undated_when_no_reading_day_is_given(appctx):
    author = make_user(Role.AUTHOR)
    dated = services.create_snapshot(question(key="dated", counts_read_at=None,
                                              posted_at=datetime(2025, 3, 12, 9, tzinfo=UTC)), by=author)
    assert dated.counts_read_at == datetime(2025, 3, 12, 9, tzinfo=UTC)
    undated = services.create_snapshot(question(key="undated", counts_read_at=None), by=author)
    assert undated.counts_read_at is None
    card = cards(str(render_directive("undated")))[0]
    assert card.select_one(".social-counts").get_text(" ", strip=True) == "1 like"


def test_a_quote_is_offered_as_a_parent_by_handle_day_and_first_words(appctx):
    author = make_user(Role.AUTHOR)
    post = services.create_snapshot(question(posted_at=datetime(2025, 3, 13, 1, 22, tzinfo=UTC)), by=author)
    assert services.reply_label(post, "Europe/London") == (
        "@netguard_lab, 13 March 2025: Do we need peer support circles for low-risk …")
    assert services.reply_label(post, "America/New_York").startswith("@netguard_lab, 12 March 2025: ")
