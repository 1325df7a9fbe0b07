"""A post with formulas and footnotes in every feed: valid, MathML kept, no in-page links left."""
import json

import feedparser
import pytest
from bs4 import BeautifulSoup
from lxml import etree

from blog.accounts.models import Role
from blog.extensions import db
from tests.factories import make_post, make_user
from tests.feeds.test_feeds import ATOM_NS, _assert_validator_rules_atom, _get

BODY = ("Energy $E = mc^2$ is famous[^1], and it cost $5 and $10.\n\n"
        "$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$\n\n"
        "[^1]: Einstein, 1905.\n")


@pytest.fixture
def post(appctx):
    author = make_user(Role.AUTHOR, name="Dr Amara Okafor")
    post = make_post(author, title="Formulas", body=BODY)
    db.session.commit()
    return post


def _check_content(html: str, post_url: str):
    soup = BeautifulSoup(html, "html.parser")
    maths = soup.find_all("math")
    assert [m["display"] for m in maths] == ["inline", "block"]
    assert [m.find("annotation").text for m in maths] == ["E = mc^2", "\\int_0^1 x^2\\,dx = \\frac{1}{3}"]
    assert "cost $5 and $10." in soup.get_text()
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert hrefs and all(h.startswith(post_url + "#fn") for h in hrefs), hrefs
    # Every link leads to an id the same content holds.
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    assert {h.split("#", 1)[1] for h in hrefs} <= ids


def test_atom_and_rss_carry_mathml_and_absolute_footnote_links(client, post):
    url = f"http://blog.test/posts/{post.slug}"
    atom = _get(client, "/feeds/posts.atom").data
    root = _assert_validator_rules_atom(atom, "http://blog.test/feeds/posts.atom")
    assert not feedparser.parse(atom).bozo
    _check_content(root.find(f"{ATOM_NS}entry/{ATOM_NS}content").text, url)

    rss = _get(client, "/feeds/posts.rss").data
    parsed = feedparser.parse(rss)
    assert not parsed.bozo, parsed.get("bozo_exception")
    _check_content(etree.fromstring(rss).find(".//item/{http://purl.org/rss/1.0/modules/content/}encoded").text, url)


def test_json_feed_carries_mathml_and_absolute_footnote_links(client, post):
    feed = json.loads(_get(client, "/feeds/posts.json").data)
    _check_content(feed["items"][0]["content_html"], f"http://blog.test/posts/{post.slug}")


def test_events_atom_points_footnote_links_at_the_event_page(client, appctx):
    from tests.feeds.test_feeds import _publish

    event = _publish(make_user(Role.EDITOR), title="Symposium", precision="season", season="autumn", year=2031,
                     description_markdown="Costs $5, or $x^2$ points[^1].\n\n[^1]: Bring a pen.\n")
    atom = _get(client, "/feeds/events.atom").data
    root = _assert_validator_rules_atom(atom, "http://blog.test/feeds/events.atom")
    assert not feedparser.parse(atom).bozo
    soup = BeautifulSoup(root.find(f"{ATOM_NS}entry/{ATOM_NS}content").text, "html.parser")
    assert soup.find("annotation").text == "x^2"
    notes = [a["href"] for a in soup.find_all("a") if "#fn" in a["href"]]
    assert notes and all(h.startswith(f"http://blog.test/events/{event.slug}#fn") for h in notes), notes
    assert not [a for a in soup.find_all("a") if a["href"].startswith("#")]
