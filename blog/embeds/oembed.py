"""An optional fetcher for the platforms' oEmbed endpoints, off unless ``ALLOW_OEMBED_FETCH``.

By default nothing is fetched from X, Mastodon or Bluesky (readers' privacy,
and servers without internet access): authors paste the embed code instead.
When the setting is on, the editor's parse step may ask the platform for the
embed code of a URL. Only the author's request causes a fetch, never a reader's.

``parse_oembed_response`` is separate from the fetching so it can be tested on
recorded answers without any network.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from flask import current_app

from blog.core.fetch import fetch_public
from blog.embeds.parsing import ParsedPost, parse_embed, parse_post_url
from blog.errors import NotAllowed, ValidationFailed

MAX_RESPONSE_BYTES = 512 * 1024
TIMEOUT_SECONDS = 5


def oembed_endpoint(url: str) -> str:
    """The oEmbed address that describes the post at ``url``."""
    post = parse_post_url(url)
    if post.platform == "x":
        return "https://publish.twitter.com/oembed?" + urlencode({"url": post.url, "omit_script": "1",
                                                                   "dnt": "true"})
    if post.platform == "bluesky":
        return "https://embed.bsky.app/oembed?" + urlencode({"url": post.url, "format": "json"})
    host = urlsplit(post.url).hostname
    return f"https://{host}/api/oembed?" + urlencode({"url": post.url})


def parse_oembed_response(url: str, answer: dict) -> ParsedPost:
    """A post from an oEmbed JSON answer (``html``, ``author_name``, ``author_url``).

    :raise ValidationFailed: when the answer is not an oEmbed object.
    """
    if not isinstance(answer, dict) or not isinstance(answer.get("html", ""), str):
        raise ValidationFailed("The platform's answer was not understood.")
    from_url = parse_post_url(url)
    html = answer.get("html") or ""
    try:
        post = parse_embed(html) if html else from_url
    except ValidationFailed:
        post = from_url
    post.source = "oembed"
    post.platform = from_url.platform
    post.url = post.url or from_url.url
    post.external_id = post.external_id or from_url.external_id
    post.handle = post.handle or from_url.handle
    author_name = answer.get("author_name")
    if isinstance(author_name, str) and author_name.strip() and not post.display_name:
        post.display_name = author_name.strip()[:120]
    author_url = answer.get("author_url")
    if not post.handle and isinstance(author_url, str):
        path = urlsplit(author_url).path.strip("/")
        if path and "/" not in path:
            post.handle = path.lstrip("@")
        elif path.startswith("profile/"):
            post.handle = path.split("/", 1)[1]
    return post


def fetch_oembed(url: str) -> ParsedPost:
    """Ask the platform for the post at ``url`` (only when ``ALLOW_OEMBED_FETCH`` is on).

    The endpoint's host comes from the author's URL (any Mastodon server), so it is
    fetched through :func:`blog.core.fetch.fetch_public`: public HTTPS hosts only.

    :raise NotAllowed: when fetching is turned off.
    :raise ValidationFailed: when the platform cannot be reached or its answer is not usable.
    """
    if not current_app.config.get("ALLOW_OEMBED_FETCH"):
        raise NotAllowed("Fetching from the platforms is turned off on this site (ALLOW_OEMBED_FETCH).")
    try:
        body = fetch_public(oembed_endpoint(url), max_bytes=MAX_RESPONSE_BYTES, timeout=TIMEOUT_SECONDS)
    except ValidationFailed as error:
        raise ValidationFailed(f"{error.message} Paste the embed code instead.") from None
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed("The platform's answer was not understood.") from exc
    return parse_oembed_response(url, answer)
