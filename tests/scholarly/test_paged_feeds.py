"""Paged feeds (RFC 5005) reach the whole back catalogue; entries carry licence, DOI and ORCID iDs."""
import json
from datetime import datetime, timedelta

import feedparser
from lxml import etree

from blog.accounts.models import Role
from blog.core.time import UTC
from blog.extensions import db
from blog.feeds import build
from blog.posts import services as posts
from tests.factories import make_post, make_user
from tests.feeds.test_feeds import ATOM_NS, _assert_validator_rules_atom

TOTAL = build.FEED_ITEMS * 2 + 3


def _archive(appctx):
    author = make_user(Role.AUTHOR, name="Dr Amara Okafor")
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    return [make_post(author, title=f"Post {n}", published_at=start + timedelta(days=n)) for n in range(TOTAL)]


def _links(root) -> dict:
    return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM_NS}link")}


FH_NS = "{http://purl.org/syndication/history/1.0}"
BASE = "http://blog.test"


def _get_ok(client, url):
    response = client.get(url.removeprefix(BASE))
    assert response.status_code == 200, url
    return response


def _titles(root) -> list[str]:
    return [entry.findtext(f"{ATOM_NS}title") for entry in root.findall(f"{ATOM_NS}entry")]


def test_atom_next_walks_numbered_archive_pages_to_the_first_post_and_back(client, appctx):
    written = _archive(appctx)  # 43 posts: complete pages 1 (oldest 20) and 2; the head holds the newest 20
    head = etree.fromstring(_get_ok(client, "/feeds/posts.atom").data)
    assert _links(head) == {"self": f"{BASE}/feeds/posts.atom", "alternate": f"{BASE}/",
                            "first": f"{BASE}/feeds/posts.atom", "last": f"{BASE}/feeds/posts.atom?page=1",
                            "next": f"{BASE}/feeds/posts.atom?page=2",
                            "prev-archive": f"{BASE}/feeds/posts.atom?page=2"}
    assert head.find(f"{FH_NS}archive") is None  # the subscription document is not an archive
    assert _titles(head) == [p.title for p in reversed(written[-build.FEED_ITEMS:])]
    url, archived, pages = _links(head)["next"], [], []
    while url:
        response = _get_ok(client, url)
        root = _assert_validator_rules_atom(response.data, url)  # self is the page's own address
        assert not feedparser.parse(response.data).bozo
        assert root.find(f"{FH_NS}archive") is not None
        links = _links(root)
        assert links["first"] == links["current"] == f"{BASE}/feeds/posts.atom"
        assert links["last"] == f"{BASE}/feeds/posts.atom?page=1"
        assert links.get("next") == links.get("prev-archive")
        archived = _titles(root) + archived
        pages.append(url)
        url = links.get("next")
    assert pages == [f"{BASE}/feeds/posts.atom?page=2", f"{BASE}/feeds/posts.atom?page=1"]
    # The archive pages hold each of the 40 oldest posts once; the head the 3 newest besides.
    assert sorted(archived) == sorted(p.title for p in written[:2 * build.FEED_ITEMS])
    assert set(archived) | set(_titles(head)) == {p.title for p in written}
    page1 = _links(etree.fromstring(_get_ok(client, pages[-1]).data))
    assert page1["previous"] == page1["next-archive"] == f"{BASE}/feeds/posts.atom?page=2"
    page2 = _links(etree.fromstring(_get_ok(client, pages[0]).data))
    assert page2["previous"] == f"{BASE}/feeds/posts.atom" and "next-archive" not in page2
    assert _titles(etree.fromstring(_get_ok(client, pages[-1]).data)) == [
        p.title for p in reversed(written[:build.FEED_ITEMS])]


def test_archive_pages_do_not_change_when_posts_are_published(client, appctx):
    written = _archive(appctx)
    before = _get_ok(client, "/feeds/posts.atom?page=2").data
    author = written[0].authors[0]
    for n in range(build.FEED_ITEMS):  # enough for a third complete page
        make_post(author, title=f"Later {n}", published_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n))
    after = _get_ok(client, "/feeds/posts.atom?page=2")
    assert _titles(etree.fromstring(after.data)) == _titles(etree.fromstring(before))
    assert _links(etree.fromstring(after.data))["previous"] == f"{BASE}/feeds/posts.atom?page=3"
    head = _links(etree.fromstring(_get_ok(client, "/feeds/posts.atom").data))
    assert head["next"] == head["prev-archive"] == f"{BASE}/feeds/posts.atom?page=3"
    assert client.get("/feeds/posts.atom?page=4").status_code == 404  # the newest posts: not a full page


def test_rss_pages_carry_atom_links_and_fh_archive(client, appctx):
    written = _archive(appctx)
    head = _get_ok(client, "/feeds/posts.rss")
    channel = etree.fromstring(head.data).find("channel")
    links = {l.get("rel"): l.get("href") for l in channel.findall(f"{ATOM_NS}link")}
    assert links == {"self": f"{BASE}/feeds/posts.rss", "first": f"{BASE}/feeds/posts.rss",
                     "last": f"{BASE}/feeds/posts.rss?page=1", "next": f"{BASE}/feeds/posts.rss?page=2",
                     "prev-archive": f"{BASE}/feeds/posts.rss?page=2"}
    assert channel.find(f"{FH_NS}archive") is None
    parsed = feedparser.parse(head.data)
    assert not parsed.bozo and parsed.version == "rss20" and len(parsed.entries) == build.FEED_ITEMS
    page = _get_ok(client, "/feeds/posts.rss?page=1")
    parsed = feedparser.parse(page.data)
    assert not parsed.bozo and parsed.version == "rss20"
    assert [e.title for e in parsed.entries] == [p.title for p in reversed(written[:build.FEED_ITEMS])]
    assert [e.id for e in parsed.entries] == [f"urn:uuid:{p.uid}" for p in reversed(written[:build.FEED_ITEMS])]
    channel = etree.fromstring(page.data).find("channel")
    assert channel.find(f"{FH_NS}archive") is not None
    links = {l.get("rel"): l.get("href") for l in channel.findall(f"{ATOM_NS}link")}
    assert links["self"] == f"{BASE}/feeds/posts.rss?page=1"
    assert links["next-archive"] == links["previous"] == f"{BASE}/feeds/posts.rss?page=2"
    assert "next" not in links and "prev-archive" not in links
    # The channel's <link> is still the site's page (RSS readers take it as the home page).
    assert channel.findtext("link") == f"{BASE}/"


def test_json_feed_next_url_walks_to_the_end(client, appctx):
    written = _archive(appctx)
    url, seen = f"{BASE}/feeds/posts.json", []
    while url:
        feed = json.loads(_get_ok(client, url).data)
        assert feed["feed_url"] == url
        assert feed["_rfc5005"]["last"] == f"{BASE}/feeds/posts.json?page=1"
        assert feed["_rfc5005"]["archive"] == ("?page=" in url)
        seen += [item["title"] for item in feed["items"]]
        url = feed.get("next_url")
    assert set(seen) == {p.title for p in written}


def test_tag_and_author_feeds_are_paged_by_their_own_posts(client, appctx):
    written = _archive(appctx)
    author = written[0].authors[0]
    for post in written[:build.FEED_ITEMS + 1]:
        posts.save_post(post, posts.PostInput(title=post.title, body_markdown="Text.", tag_names=["Old"]),
                        by=author, base_version=post.version)
    db.session.commit()
    tagged = etree.fromstring(_get_ok(client, "/feeds/tags/old.atom").data)
    assert _links(tagged)["last"] == _links(tagged)["next"] == f"{BASE}/feeds/tags/old.atom?page=1"
    page = etree.fromstring(_get_ok(client, "/feeds/tags/old.atom?page=1").data)
    assert _titles(page) == [p.title for p in reversed(written[:build.FEED_ITEMS])]
    assert client.get("/feeds/tags/old.atom?page=2").status_code == 404
    authored = _links(etree.fromstring(_get_ok(client, f"/feeds/authors/{author.slug}.atom").data))
    assert authored["last"] == f"{BASE}/feeds/authors/{author.slug}.atom?page=1"


def test_paged_feeds_are_cached_per_page_and_bad_pages_404(client, appctx):
    _archive(appctx)
    first = client.get("/feeds/posts.atom")
    next_url = _links(etree.fromstring(first.data))["next"].removeprefix(BASE)
    second = client.get(next_url)
    assert second.status_code == 200 and "public" in second.headers["Cache-Control"]
    assert second.headers["ETag"] != first.headers["ETag"]
    assert client.get(next_url, headers={"If-None-Match": second.headers["ETag"]}).status_code == 304
    for bad in ("garbage", "0", "-1", "02", "3", ""):
        assert client.get(f"/feeds/posts.atom?page={bad}").status_code == 404, bad


def test_a_small_feed_is_its_own_last_page(client, appctx):
    author = make_user(Role.AUTHOR)
    make_post(author, title="Only")
    root = etree.fromstring(_get_ok(client, "/feeds/posts.atom").data)
    assert _links(root)["last"] == _links(root)["first"] == f"{BASE}/feeds/posts.atom"
    assert "next" not in _links(root) and "prev-archive" not in _links(root)
    assert client.get("/feeds/posts.atom?page=1").status_code == 404


def test_entries_carry_licence_doi_language_and_orcid(client, appctx):
    okafor = make_user(Role.AUTHOR, name="Dr Amara Okafor")
    okafor.orcid = "0000-0002-1825-0097"
    hartley = make_user(Role.AUTHOR, name="Prof Lewis Hartley")
    post = make_post(okafor, title="Cited")
    posts.save_post(post, posts.PostInput(title="Cited", body_markdown="Text.", author_ids=[okafor.id, hartley.id],
                                          doi="10.59350/xyz-1", licence="CC0-1.0", language="de"),
                    by=okafor, base_version=post.version)
    db.session.commit()
    atom = etree.fromstring(client.get("/feeds/posts.atom").data)
    assert atom.findtext(f"{ATOM_NS}rights").startswith("Creative Commons Attribution 4.0 International (CC-BY-4.0)")
    entry = atom.find(f"{ATOM_NS}entry")
    assert "(CC0-1.0)" in entry.findtext(f"{ATOM_NS}rights")
    assert [a.findtext(f"{ATOM_NS}uri") for a in entry.findall(f"{ATOM_NS}author")] == [
        "https://orcid.org/0000-0002-1825-0097", f"http://blog.test/people/{hartley.slug}"]
    assert {"rel": "related", "href": "https://doi.org/10.59350/xyz-1"} in [
        dict(link.attrib) for link in entry.findall(f"{ATOM_NS}link")]
    rss = feedparser.parse(client.get("/feeds/posts.rss").data)
    assert "CC-BY-4.0" in rss.feed.rights  # <copyright>
    assert rss.entries[0].dc_identifier == "https://doi.org/10.59350/xyz-1"
    item = json.loads(client.get("/feeds/posts.json").data)["items"][0]
    assert item["language"] == "de" and item["external_url"] == "https://doi.org/10.59350/xyz-1"
    assert item["_citable"]["license"] == "CC0-1.0"
    assert item["authors"][0]["url"] == "https://orcid.org/0000-0002-1825-0097"
