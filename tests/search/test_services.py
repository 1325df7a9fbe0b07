"""The search service on the test database (SQLite, or PostgreSQL with TEST_DATABASE_URL): tiers,
order, what is never found, the index following the content in its own transaction, snippets."""
from __future__ import annotations

from datetime import timedelta

import pytest

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.errors import ValidationFailed
from blog.events import services as events
from blog.extensions import db
from blog.people import services as people
from blog.posts import services as posts
from blog.search import indexing, services
from blog.search.models import SearchDocument
from tests.factories import make_user
from tests.people.test_services import GOOD_BIB


def titles(page) -> list[str]:
    return [result.title for result in page.results]


def documents(kind: str = "post") -> int:
    return db.session.execute(db.select(db.func.count()).select_from(SearchDocument)
                              .where(SearchDocument.kind == kind)).scalar_one()


def post(author, title, *, body="Some text.", excerpt=None, days_ago=1, published=True):
    made = posts.create_post(posts.PostInput(title=title, body_markdown=body, custom_excerpt=excerpt), by=author)
    if published:
        posts.publish_post(made, by=author, at=utcnow() - timedelta(days=days_ago))
    db.session.commit()
    return made


FILLER = "A long first paragraph about other things. " * 10  # longer than an automatic excerpt


def test_title_hits_then_excerpt_hits_then_body_hits_newest_first_within_each(appctx):
    author = make_user(Role.AUTHOR)
    post(author, "Old glacier survey", days_ago=9)
    post(author, "Body mention", body=FILLER + "We walked to the glacier at dawn.", days_ago=1)
    post(author, "Excerpt mention", excerpt="A morning on the glacier.", days_ago=5)
    post(author, "New glacier survey", days_ago=7)
    post(author, "Older body mention", body=FILLER + "The glacier again.", days_ago=8)
    post(author, "Early mention", body="The glacier, first thing.", days_ago=3)  # automatic excerpt
    post(author, "Unrelated", body="Moraines and rivers.", days_ago=2)
    page = services.search("Glacier")
    assert titles(page) == ["New glacier survey", "Old glacier survey", "Early mention", "Excerpt mention",
                            "Body mention", "Older body mention"]
    assert [r.tier for r in page.results] == ["title", "title", "excerpt", "excerpt", "body", "body"]
    assert page.next_cursor is None
    with appctx.test_request_context():
        assert services.search("moraines").results[0].url == "/posts/unrelated"


def test_every_word_must_be_found_and_words_are_stemmed_alike_on_both_databases(appctx):
    author = make_user(Role.AUTHOR)
    post(author, "Running the field station", body="Sensors and cables.")
    post(author, "Field notes", body="Nothing about that.")
    assert titles(services.search("field sensors")) == ["Running the field station"]
    assert titles(services.search("runs")) == ["Running the field station"]  # run, running, runs
    assert titles(services.search("field")) == ["Field notes", "Running the field station"]
    assert services.search("   ").results == [] and services.search("<>!").results == []


def test_drafts_unpublished_deleted_and_not_yet_scheduled_posts_are_never_found(appctx):
    author = make_user(Role.EDITOR)
    draft = post(author, "Draft about lichens", published=False)
    shown = post(author, "Published about lichens")
    assert titles(services.search("lichens")) == ["Published about lichens"]
    posts.unpublish_post(shown, by=author)
    db.session.commit()
    assert services.search("lichens").results == []
    posts.publish_post(draft, by=author)
    db.session.commit()
    assert titles(services.search("lichens")) == ["Draft about lichens"]
    posts.delete_post(draft, by=author)
    db.session.commit()
    assert services.search("lichens").results == [] and documents() == 0
    later = posts.create_post(posts.PostInput(title="Scheduled lichens", body_markdown="x"), by=author)
    posts.publish_post(later, by=author, at=utcnow() + timedelta(days=2))
    db.session.commit()
    assert services.search("lichens").results == []
    assert titles(services.search("lichens", now=utcnow() + timedelta(days=3))) == ["Scheduled lichens"]


def test_the_index_changes_in_the_content_transaction_and_a_rollback_takes_it_back(appctx):
    author = make_user(Role.AUTHOR)
    made = posts.create_post(posts.PostInput(title="Tundra flowers", body_markdown="x"), by=author)
    posts.publish_post(made, by=author, at=utcnow() - timedelta(minutes=1))
    assert titles(services.search("tundra")) == ["Tundra flowers"]  # flushed, not committed: same transaction
    db.session.rollback()
    assert services.search("tundra").results == [] and documents() == 0
    kept = post(author, "Tundra flowers")
    posts.save_post(kept, posts.PostInput(title="Taiga flowers", body_markdown="x"), by=author,
                    base_version=kept.version)
    db.session.flush()
    assert titles(services.search("taiga")) == ["Taiga flowers"] and services.search("tundra").results == []
    db.session.rollback()
    assert titles(services.search("tundra")) == ["Tundra flowers"] and services.search("taiga").results == []


def test_snippets_are_escaped_and_mark_the_words_found(appctx):
    author = make_user(Role.AUTHOR)
    post(author, "<script>alert(1)</script> Permafrost & ice",
         body=FILLER + "Then <b>permafrost</b> thaws, said <i>everyone</i>. " + "More. " * 40)
    post(author, "Other", body="We measured the permafrost depth <img src=x onerror=alert(1)>.")
    first, second = services.search("permafrost").results
    assert str(first.title_html) == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Permafrost</mark> &amp; ice"
    assert "<mark>permafrost</mark>" in second.snippet and "<img" not in second.snippet
    assert "onerror" not in str(second.snippet) or "&lt;img" in str(second.snippet)
    body_hit = services.search("thaws").results[0]
    assert "<mark>thaws</mark>" in body_hit.snippet and body_hit.snippet.startswith("… ")
    assert len(body_hit.snippet.striptags()) < 260


def test_events_people_and_publications_are_found_and_kinds_narrow_the_search(appctx):
    admin = make_user(Role.ADMIN, name="Grace Hopper")
    event = events.create_event(events.EventInput(title="Analytical engines seminar", summary="Talks."), by=admin)
    hidden = events.create_event(events.EventInput(title="Draft engines evening"), by=admin)
    events.publish_event(event, by=admin)
    people.import_bibtex(GOOD_BIB, by=admin)
    ada = people.add_byline_person("Ada Lovelace", "Analytical Society", by=admin)
    db.session.commit()
    found = services.search("analytical")
    assert {(r.kind, r.title) for r in found.results} == {
        ("event", "Analytical engines seminar"), ("publication", "Sketch of the Analytical Engine"),
        ("person", "Ada Lovelace")}
    assert [r.kind for r in found.results][-1] == "person"  # the affiliation is the person's excerpt
    assert titles(services.search("analytical", kinds=["event"])) == ["Analytical engines seminar"]
    assert "Draft engines evening" not in titles(services.search("engines"))
    events.unpublish_event(event, by=admin)
    ada.active = False
    db.session.commit()
    assert {r.kind for r in services.search("analytical").results} == {"publication"}
    assert hidden.id  # never published: never indexed
    with appctx.test_request_context():
        pub = services.search("sketch").results[0]
        assert pub.url == "/publications/#lovelace1843"


def test_photos_are_found_by_alt_text_and_caption_only_when_asked(appctx):
    from blog.media import services as media
    from tests.media.test_services import photo

    author = make_user(Role.AUTHOR)
    first = media.store_photo(photo(), "a.jpg", by=author)
    second = media.store_photo(photo(), "b.jpg", by=author)
    media.update_photo(first, by=author, alt_text="Ice core drill", caption="At the station")
    media.update_photo(second, by=author, alt_text="Tents", caption="The drill camp")
    db.session.commit()
    assert services.search("drill").results == []  # photos are not public results
    assert [r.slug for r in services.search("drill", kinds=["photo"]).results] == [first.key, second.key]
    assert [r.slug for r in services.search("dri", kinds=["photo"], prefix=True).results] == [first.key, second.key]
    assert media.library("dri") == [first, second]


def test_pages_follow_a_cursor_across_tiers_without_counting_everything(appctx):
    author = make_user(Role.AUTHOR)
    for n in range(25):  # 12 bodies and 5 excerpts have the word, 2 posts both: 15 posts
        post(author, f"Sample {n}", body=FILLER + ("basalt" if n % 2 else "none"),
             excerpt="basalt" if n % 5 == 0 else None, days_ago=n + 1)
    everything = services.search("basalt", limit=50)
    assert len(everything.results) == 15 and everything.next_cursor is None
    pages, cursor = [], None
    while True:
        page = services.search("basalt", limit=6, cursor=cursor)
        pages.append(titles(page))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [len(p) for p in pages] == [6, 6, 3]
    assert sum(pages, []) == titles(everything)
    assert [r.tier for r in everything.results] == ["excerpt"] * 5 + ["body"] * 10
    with pytest.raises(ValidationFailed):
        services.search("basalt", cursor="x.y")


def test_reindex_rebuilds_the_same_documents(appctx):
    author = make_user(Role.AUTHOR)
    post(author, "Fjord sediments", body="Cores.")
    before = [(d.kind, d.object_id, d.title, d.body) for d in db.session.execute(
        db.select(SearchDocument).order_by(SearchDocument.id)).scalars()]
    db.session.execute(db.delete(SearchDocument))
    assert services.search("fjord").results == []
    written = indexing.rebuild(db.session)
    db.session.commit()
    after = [(d.kind, d.object_id, d.title, d.body) for d in db.session.execute(
        db.select(SearchDocument).order_by(SearchDocument.id)).scalars()]
    assert written == len(before) == len(after) and after == before
    assert titles(services.search("fjord")) == ["Fjord sediments"]


@pytest.mark.parametrize("word", ["häuser", "haus"])
def test_a_german_post_is_stemmed_as_german_on_postgresql(appctx, word):
    author = make_user(Role.AUTHOR)
    made = posts.create_post(posts.PostInput(title="Die Häuser am See", body_markdown="x", language="de"),
                             by=author)
    posts.publish_post(made, by=author)
    db.session.commit()
    document = db.session.execute(db.select(SearchDocument).where(SearchDocument.kind == "post")).scalar_one()
    assert document.language == "de"
    found = titles(services.search(word))
    if db.engine.dialect.name == "postgresql":
        assert found == ["Die Häuser am See"]  # german: häuser → haus
    else:
        assert found == (["Die Häuser am See"] if word == "häuser" else [])  # FTS5 folds accents, no German stems


def test_a_common_word_read_window_by_window_gives_the_same_pages(appctx, monkeypatch):
    """On PostgreSQL a tier with many matches is read in windows of the newest documents; with tiny
    windows (so that every step is taken) the pages are those of the one-step read."""
    author = make_user(Role.AUTHOR)
    for n in range(30):
        post(author, f"Scree {n}" if n % 3 else f"Note {n}", body=FILLER + ("scree slope" if n % 2 else "x"),
             days_ago=n + 1)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("ANALYZE search_documents"))  # the row count windows are sized by
    first_page = titles(services.search("scree", limit=7))
    expected = titles(services.search("scree", limit=50))
    monkeypatch.setattr(services._Postgres, "PROBE", 2)
    monkeypatch.setattr(services._Postgres, "WINDOW", 3)
    pages, cursor = [], None
    while True:
        page = services.search("scree", limit=7, cursor=cursor)
        pages.append(titles(page))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sum(pages, []) == expected and pages[0] == first_page
    assert len(expected) == 20 + 5  # 20 titles, then the 5 "Note" posts with it in the body
