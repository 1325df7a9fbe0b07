"""Reading pasted embed code and post URLs (no app, no database, no network)."""
from datetime import datetime

import pytest

from blog.core.time import UTC
from blog.embeds.cards import text_to_html
from blog.embeds.oembed import oembed_endpoint, parse_oembed_response
from blog.embeds.parsing import (
    looks_like_embed, looks_like_post_url, parse_embed, parse_pasted, parse_post_url, parse_shown_date,
)
from blog.errors import ValidationFailed
from tests.embeds import samples


def test_x_embed_gives_author_handle_date_and_text_with_entities_emoji_and_line_breaks():
    post = parse_embed(samples.X_EMBED)
    assert post.platform == "x"
    assert post.display_name == "Dr Rosa Lind"
    assert post.handle == "rosalind_phd"
    assert post.external_id == "1900112233445566778"
    assert post.url == "https://x.com/rosalind_phd/status/1900112233445566778"  # tracking dropped
    assert post.posted_at == datetime(2025, 3, 12, tzinfo=UTC) and post.posted_date_only
    assert post.lang == "en"
    assert post.text == (
        "Fascinating thread coming out of @netguard_lab's case formulation workshop today. "
        "Use #netGUARD to follow & join in 🎉\nSlides: https://t.co/AbCdEf1234"
    )
    assert post.attachments == [""]  # the pic.twitter.com link is a photo, not text
    assert post.source == "embed"


def test_bluesky_embed_gives_handle_not_did_and_minute_precision_time():
    post = parse_embed(samples.BLUESKY_EMBED)
    assert post.platform == "bluesky"
    assert (post.display_name, post.handle) == ("netGUARD lab", "netguard.example.org")
    assert post.url == "https://bsky.app/profile/netguard.example.org/post/3lk2abcdxyz2a"
    assert post.external_id == "3lk2abcdxyz2a"
    assert post.posted_at == datetime(2025, 3, 14, 9, 5, tzinfo=UTC) and not post.posted_date_only
    assert post.text.startswith("Our report on online harm is out today! 📄\n\nThanks @amara.example.org")
    assert "[image or embed]" not in post.text and post.attachments == [""]


@pytest.mark.parametrize("code", [samples.MASTODON_EMBED, samples.MASTODON_IFRAME])
def test_mastodon_embed_gives_author_and_address_for_the_author_to_add_the_text(code):
    post = parse_embed(code)
    assert post.platform == "mastodon"
    assert post.handle == "okafor@scholar.example.social"
    assert post.url == "https://scholar.example.social/@okafor/113354496495487036"
    assert post.external_id == "113354496495487036"
    assert post.text == ""  # the 4.3 markup carries no text; "View on Mastodon" is not the post


def test_hostile_embed_comes_out_as_inert_plain_text():
    post = parse_embed(samples.X_HOSTILE)
    assert "alert(3)" not in post.text  # a real <script> is dropped with its code
    assert "javascript:" not in post.text and "onerror" not in post.text
    assert post.text.startswith("Click here")
    html = text_to_html(post.text, "x", post.handle)
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert "&lt;script&gt;" in html  # the words someone typed are kept, as words


@pytest.mark.parametrize("url,platform,handle,external_id,canonical", [
    ("https://x.com/rosalind_phd/status/1900112233445566778?s=20", "x", "rosalind_phd",
     "1900112233445566778", "https://x.com/rosalind_phd/status/1900112233445566778"),
    ("https://twitter.com/ianaelliott/status/535600000000000000", "x", "ianaelliott",
     "535600000000000000", "https://x.com/ianaelliott/status/535600000000000000"),
    ("https://mobile.twitter.com/Some_One/status/12/photo/1", "x", "Some_One", "12",
     "https://x.com/Some_One/status/12"),
    ("https://bsky.app/profile/netguard.example.org/post/3lk2abcdxyz2a", "bluesky",
     "netguard.example.org", "3lk2abcdxyz2a", "https://bsky.app/profile/netguard.example.org/post/3lk2abcdxyz2a"),
    ("https://scholar.example.social/@okafor/113354496495487036", "mastodon",
     "okafor@scholar.example.social", "113354496495487036",
     "https://scholar.example.social/@okafor/113354496495487036"),
    ("https://mastodon.example/@okafor@scholar.example.social/11335449", "mastodon",
     "okafor@scholar.example.social", "11335449", "https://mastodon.example/@okafor@scholar.example.social/11335449"),
    ("https://scholar.example.social/users/okafor/statuses/42", "mastodon",
     "okafor@scholar.example.social", "42", "https://scholar.example.social/@okafor/42"),
])
def test_post_urls_tell_platform_handle_and_id(url, platform, handle, external_id, canonical):
    post = parse_post_url(url)
    assert (post.platform, post.handle, post.external_id, post.url) == (platform, handle, external_id, canonical)
    assert looks_like_post_url(url)


@pytest.mark.parametrize("text", [
    "", "not a url", "ftp://x.com/a/status/1", "https://x.com/rosalind_phd", "https://bsky.app/profile/a",
    "https://example.org/blog/post-1", "javascript:alert(1)",
])
def test_other_text_is_not_a_post_url(text):
    with pytest.raises(ValidationFailed):
        parse_post_url(text)
    assert not looks_like_post_url(text)


def test_parse_pasted_chooses_embed_or_url_and_refuses_plain_text():
    assert parse_pasted(samples.X_EMBED).source == "embed"
    assert parse_pasted("  https://x.com/a/status/1  ").source == "url"
    assert looks_like_embed(samples.BLUESKY_EMBED) and not looks_like_embed("<blockquote>hi</blockquote>")
    with pytest.raises(ValidationFailed):
        parse_pasted("<blockquote><p>just a quote</p></blockquote>")
    with pytest.raises(ValidationFailed):
        parse_embed("<div>nothing</div>")


@pytest.mark.parametrize("shown,expected,date_only", [
    ("March 12, 2025", datetime(2025, 3, 12, tzinfo=UTC), True),
    ("March 14, 2025 at 9:05 AM", datetime(2025, 3, 14, 9, 5, tzinfo=UTC), False),
    ("1:27 AM - 21 Nov 2014", datetime(2014, 11, 21, 1, 27, tzinfo=UTC), False),
    ("2024-10-22T15:00:00.000Z", datetime(2024, 10, 22, 15, tzinfo=UTC), False),
    ("19h", None, False),
])
def test_shown_dates(shown, expected, date_only):
    assert parse_shown_date(shown) == (expected, date_only)


def test_text_to_html_links_mentions_hashtags_and_urls_per_platform():
    html = text_to_html("Hi @netguard_lab & #netGUARD!\nSee https://example.org/a?b=1&c=2 now\n\nBye 🎉", "x")
    assert '<a href="https://x.com/netguard_lab" rel="nofollow noopener">@netguard_lab</a>' in html
    assert '<a href="https://x.com/hashtag/netGUARD" rel="nofollow noopener">#netGUARD</a>' in html
    assert '&amp; ' in html
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html and 'rel="nofollow noopener"' in html
    assert html.count("<p>") == 2 and "<br>" in html and "🎉" in html
    mastodon = text_to_html("cc @okafor and @lind@other.example #Research", "mastodon", "me@scholar.example.social")
    assert 'href="https://scholar.example.social/@okafor"' in mastodon
    assert 'href="https://other.example/@lind"' in mastodon
    assert 'href="https://scholar.example.social/tags/Research"' in mastodon
    bluesky = text_to_html("thanks @amara.example.org.", "bluesky")
    assert ('<a href="https://bsky.app/profile/amara.example.org" rel="nofollow noopener">'
            '@amara.example.org</a>.') in bluesky
    # An address keeps its own "@" and "#"; a number is not a hashtag; an email-like text is not a mention.
    other = text_to_html("https://mastodon.example/@x#top issue #1 mail a@b", "x")
    assert 'href="https://mastodon.example/@x#top"' in other and "/hashtag/1" not in other
    assert 'x.com/b' not in other


def test_recorded_oembed_answers_are_parsed_without_network():
    x = parse_oembed_response("https://x.com/rosalind_phd/status/1900112233445566778", samples.OEMBED_X)
    assert (x.platform, x.handle, x.display_name, x.source) == ("x", "rosalind_phd", "Dr Rosa Lind", "oembed")
    assert x.text.startswith("Do we need peer support circles")
    mastodon = parse_oembed_response("https://scholar.example.social/@okafor/113354496495487036",
                                     samples.OEMBED_MASTODON)
    assert (mastodon.display_name, mastodon.handle) == ("Amara Okafor", "okafor@scholar.example.social")
    bluesky = parse_oembed_response("https://bsky.app/profile/netguard.example.org/post/3lk2abcdxyz2a",
                                    samples.OEMBED_BLUESKY)
    assert bluesky.handle == "netguard.example.org" and bluesky.text.startswith("Our report")
    with pytest.raises(ValidationFailed):
        parse_oembed_response("https://x.com/a/status/1", ["not", "an", "object"])


def test_oembed_endpoints():
    assert oembed_endpoint("https://x.com/a/status/1").startswith("https://publish.twitter.com/oembed?url=")
    assert oembed_endpoint("https://bsky.app/profile/a.b/post/x").startswith("https://embed.bsky.app/oembed?")
    assert oembed_endpoint("https://scholar.example.social/@okafor/1").startswith(
        "https://scholar.example.social/api/oembed?url=")
