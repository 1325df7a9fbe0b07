"""The writing page's services and JSON helpers without a browser: link search, events made from the
post editor, and pasting a whole write-up (photos, quote cards, pull quote, title)."""
from __future__ import annotations

import base64
from datetime import date

import pytest

from blog.accounts.models import Role
from blog.editor import services as editing
from blog.editor.paste import paste_to_markdown
from blog.embeds.models import SocialPost
from blog.errors import ValidationFailed
from blog.events.models import Event, EventStatus
from blog.extensions import db
from blog.media.models import Photo
from tests.editor import seed_post as seed
from tests.factories import login, make_post, make_user
from tests.media.images import photo


def count(model) -> int:
    return db.session.execute(db.select(db.func.count(model.id))).scalar_one()


def test_link_targets_find_published_posts_events_and_tags_names_starting_with_the_query_first(appctx):
    author = make_user(Role.AUTHOR)
    make_post(author, title="Workshop on safer screens", tags=["Screens"])
    make_post(author, title="Safer screens: the report")
    make_post(author, title="Safer screens draft", published=False)
    editing.create_event_for_post(title="Safer Screens day", precision="tba", when="", venue="", city="",
                                  by=author, timezone="Europe/London", today=date(2026, 1, 1))
    found = editing.link_targets("screens")
    assert [(t.kind, t.label) for t in found] == [
        ("tag", "Screens"),
        ("post", "Safer screens: the report"), ("post", "Workshop on safer screens"),  # newest first
        ("event", "Safer Screens day"),
    ]
    assert [t.label for t in editing.link_targets("safer")][:2] == ["Safer screens: the report", "Safer Screens day"]
    assert editing.link_targets("  ") == []


def test_event_from_the_post_editor_past_day_is_held_and_published_for_an_author(appctx):
    author = make_user(Role.AUTHOR)
    event = editing.create_event_for_post(title=seed.EVENT_TITLE, precision="day", when=seed.EVENT_DAY,
                                          venue=seed.EVENT_VENUE, city="", by=author,
                                          timezone="Europe/London", today=date(2026, 11, 30))
    assert event.status == EventStatus.HELD.value and event.is_published
    assert event.start_date == date(2014, 11, 20) and event.venue_name == seed.EVENT_VENUE
    coming = editing.create_event_for_post(title="Next one", precision="month", when="2027-05", venue="",
                                           city="Leeds", by=author, timezone="Europe/London",
                                           today=date(2026, 11, 30))
    assert coming.status == EventStatus.ANNOUNCED.value and coming.start_date == date(2027, 5, 1)
    contributor = make_user(Role.CONTRIBUTOR)
    draft = editing.create_event_for_post(title="Proposed", precision="tba", when="", venue="", city="",
                                          by=contributor, timezone="Europe/London", today=date(2026, 11, 30))
    assert not draft.is_published  # an author or editor confirms a contributor's event
    for bad in ({"precision": "day", "when": "20/11/2014"}, {"precision": "week", "when": ""},
                {"precision": "month", "when": "May"}):
        with pytest.raises(ValidationFailed):
            editing.create_event_for_post(title="X", venue="", city="", by=author, timezone="Europe/London",
                                          today=date(2026, 11, 30), **bad)


def picture_html(alt: str, caption: str, style: str = "MsoCaption") -> str:
    data = base64.b64encode(photo(900, 600)).decode()
    return (f'<p class=MsoNormal><img src="data:image/jpeg;base64,{data}" alt="{alt}"></p>'
            f'<p class={style}>{caption}</p>')


def test_pasted_write_up_becomes_title_cards_photos_and_a_pull_quote(appctx):
    author = make_user(Role.AUTHOR)
    html = ("<!--StartFragment--><p class=MsoTitle>" + seed.TITLE + "</p>"
            "<p class=MsoNormal>The <i>onlinePROTECT</i> team.</p>"
            + seed.QUESTION + seed.ELLIOTT_REPLY_1 + seed.ELLIOTT_REPLY_2 + seed.ELLIOTT_WORKSHOP
            + "<p class=MsoQuote>Hope is essential.</p><p class=MsoQuote>— the closing message</p>"
            + picture_html("Two researchers", "An obligatory <i>selfie</i>")
            + '<p class=MsoNormal><img src="file:///C:/Users/me/clip_image002.jpg" alt="on my disk"></p>'
            + "<!--EndFragment-->")
    kept = paste_to_markdown(html, by=author)  # for a post with a title, the pasted one stays in the text
    assert kept.title == "" and kept.markdown.startswith(seed.TITLE + "\n\nThe *onlinePROTECT* team.")
    pasted = paste_to_markdown(html, by=author, take_title=True)
    assert pasted.title == seed.TITLE
    blocks = pasted.markdown.split("\n\n")
    assert blocks[0] == "The *onlinePROTECT* team."
    question, first, second = blocks[1].removeprefix("[[social:").removesuffix("]]").split(",")
    assert blocks[2].startswith("[[social:ianaelliott-") and "," not in blocks[2]  # not a reply: its own card
    assert blocks[3] == "> Hope is essential.\n>\n> — the closing message"  # a pull quote on the page
    photo_key = blocks[-1].removeprefix("[[photo:").removesuffix("]]")
    stored = db.session.execute(db.select(Photo).where(Photo.key == photo_key)).scalar_one()
    assert stored.alt_text == "Two researchers" and stored.caption_markdown == "An obligatory selfie"
    assert "disk" not in pasted.markdown and "MsoCaption" not in pasted.markdown
    snapshots = {s.key: s for s in db.session.execute(db.select(SocialPost)).scalars()}
    assert snapshots[first].in_reply_to.key == question and snapshots[second].in_reply_to.key == question
    assert snapshots[question].in_reply_to is None and snapshots[question].handle == "online_PROTECT"

    # The same posts pasted again are the same snapshots.
    again = paste_to_markdown("<p>Again:</p>" + seed.QUESTION + seed.ELLIOTT_REPLY_1, by=author)
    assert f"[[social:{question},{first}]]" in again.markdown
    assert count(SocialPost) == 4
    assert count(Photo) == 2  # one per paste: the photo is not deduplicated


def test_a_contributor_pasting_embed_code_gets_the_words_not_a_card(appctx):
    contributor = make_user(Role.CONTRIBUTOR)
    pasted = paste_to_markdown(seed.QUESTION, by=contributor)
    assert "[[social:" not in pasted.markdown and "Circles of Support" in pasted.markdown
    assert count(SocialPost) == 0


def test_json_helpers_link_search_and_new_event(make_app):
    app = make_app()
    client = app.test_client()
    with app.app_context():
        author = make_user(Role.AUTHOR)
        make_post(author, title="Safer Screens report")
        assert client.get("/editor/links?q=safer").status_code == 302  # signed-in people only
        login(client, author)
    answer = client.get("/editor/links?q=safer").get_json()
    assert answer == {"results": [{"kind": "post", "label": "Safer Screens report",
                                   "url": "/posts/safer-screens-report"}]}  # site-relative
    created = client.post("/editor/events", json={"title": "Workshop", "precision": "day",
                                                  "when": "2014-11-20", "venue": "Hamilton House"})
    assert created.status_code == 201 and created.get_json()["label"].startswith("Workshop (")
    refused = client.post("/editor/events", json={"title": "Workshop", "precision": "day", "when": "soon"})
    assert refused.status_code == 400 and refused.get_json()["field"] == "when"
    with app.app_context():
        assert count(Event) == 1
    plain = client.post("/editor/paste", json={"html": seed.QUESTION}).get_json()
    assert "[[social:" not in plain["markdown"]  # the textarea's paste stays a plain conversion
    whole = client.post("/editor/paste", json={"html": seed.QUESTION, "whole": True}).get_json()
    assert whole["markdown"].startswith("[[social:online-protect-")
