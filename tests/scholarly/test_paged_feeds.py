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


def test_atom_pages_walk_to_the_first_post_and_back(client, appctx):
    written = _archive(appctx)
    url, seen, pages = "http://blog.test/feeds/posts.atom", [], 0
    while url:
        response = client.get(url.removeprefix("http://blog.test"))
        assert response.status_code == 200
        root = _assert_validator_rules_atom(response.data, url)  # self is the page's own address
        assert not feedparser.parse(response.data).bozo
        links = _links(root)
        assert links["first"] == "http://blog.test/feeds/posts.atom"
        assert ("previous" in links) == (pages > 0)
        seen += [entry.findtext(f"{ATOM_NS}title") for entry in root.findall(f"{ATOM_NS}entry")]
        last_url, url, pages = url, links.get("next"), pages + 1
    assert pages == 3
    assert seen == [p.title for p in reversed(written)]  # each post once, newest first
    # Back from the last page: "previous" leads to the page before it, with the next 20 newer posts.
    previous = _links(etree.fromstring(client.get(last_url.removeprefix("http://blog.test")).data))["previous"]
    root = etree.fromstring(client.get(previous.removeprefix("http://blog.test")).data)
    titles = [entry.findtext(f"{ATOM_NS}title") for entry in root.findall(f"{ATOM_NS}entry")]
    assert titles == seen[build.FEED_ITEMS:2 * build.FEED_ITEMS]


def test_json_feed_next_url_walks_to_the_end(client, appctx):
    written = _archive(appctx)
    url, seen = "http://blog.test/feeds/posts.json", []
    while url:
        response = client.get(url.removeprefix("http://blog.test"))
        assert response.status_code == 200
        feed = json.loads(response.data)
        assert feed["feed_url"] == url
        seen += [item["title"] for item in feed["items"]]
        url = feed.get("next_url")
    assert seen == [p.title for p in reversed(written)]


def test_paged_feeds_are_cached_per_page_and_bad_cursors_404(client, appctx):
    _archive(appctx)
    first = client.get("/feeds/posts.atom")
    next_url = _links(etree.fromstring(first.data))["next"].removeprefix("http://blog.test")
    second = client.get(next_url)
    assert second.headers["ETag"] != first.headers["ETag"]
    assert client.get(next_url, headers={"If-None-Match": second.headers["ETag"]}).status_code == 304
    assert client.get("/feeds/posts.atom?before=garbage").status_code == 404


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
