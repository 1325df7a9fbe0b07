"""The same card in feeds (survives the sanitiser feed readers are like) and email (styles inlined)."""
from pathlib import Path

import css_inline
from bs4 import BeautifulSoup

from blog.accounts.models import Role
from blog.core.sanitize import ALLOWED_TAGS, clean_html
from blog.embeds import services
from blog.embeds.cards import render_directive
from tests.embeds.test_services import question, reply
from tests.factories import make_user

CARDS_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "cards.css"


def conversation_html() -> str:
    author = make_user(Role.AUTHOR)
    services.create_snapshot(question(url="https://x.com/netguard_lab/status/1"), by=author)
    services.create_snapshot(reply("lind-1", "@netguard_lab One https://example.org/a"), by=author)
    services.create_snapshot(reply("lind-2", "@netguard_lab Two"), by=author)
    return str(render_directive("lind-1,lind-2"))


def test_cards_use_only_markup_a_feed_sanitiser_keeps(appctx):
    html = conversation_html()
    soup = BeautifulSoup(html, "html.parser")
    assert {tag.name for tag in soup.find_all(True)} <= ALLOWED_TAGS
    assert all(a["href"].startswith("https://") for a in soup.select("a"))  # absolute: work anywhere
    kept = BeautifulSoup(clean_html(html), "html.parser")
    assert kept.get_text() == soup.get_text()
    assert [a["href"] for a in kept.select("a")] == [a["href"] for a in soup.select("a")]
    assert kept.select_one("blockquote")["cite"] == "https://x.com/netguard_lab/status/1"
    assert len(kept.select("time[datetime]")) == len(soup.select("time[datetime]"))


def test_cards_take_inlined_styles_for_email(appctx):
    html = css_inline.inline_fragment(conversation_html(), CARDS_CSS.read_text())
    _assert_styled_cards(html)


def _assert_styled_cards(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    cards = soup.select("figure.social-post")
    assert len(cards) == 3
    assert all("border" in card["style"] for card in cards)
    assert "margin-left" in soup.select_one("figure.social-reply")["style"]
    assert "font-weight: 700" in soup.select_one(".social-name")["style"]
    assert "<script" not in html and "<link" not in html and "<img" not in html


def test_a_digest_carries_the_cards_with_their_styles_inlined(app):
    from blog.newsletter import services as newsletter
    from tests.factories import make_post

    with app.test_request_context():
        author = make_user(Role.AUTHOR)
        conversation_html()
        make_post(author, title="Voices from the day", body="What people said:\n\n[[social:lind-1,lind-2]]\n")
        digest = newsletter.compose_digest()
    assert "Voices from the day" in digest.html
    assert "@rosalind_phd" in digest.text  # the plain-text part keeps handles as typed
    _assert_styled_cards(digest.html[digest.html.index("<figure"):])
