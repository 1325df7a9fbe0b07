"""Cards: a snapshot's words as safe HTML, and the ``[[social:…]]`` directive.

Directive syntax (documented in README and the editor's hint):

- ``[[social:KEY]]`` on a line of its own: one card. If the post replies to
  another snapshot, that one is shown above it, smaller.
- ``[[social:KEY1,KEY2,KEY3]]``: a conversation. Cards follow in the order
  given; a post that several of them reply to is shown once, above the first
  reply (or not at all if it is itself one of the keys, earlier in the list).

A paragraph's directive cannot see its neighbours, so a conversation is one
directive: that keeps the Markdown readable and the output predictable.

The HTML is plain and semantic (``figure``/``figcaption``/``blockquote cite``,
``time datetime``, no script, no remote image), so the same markup works on
the page, in feed readers and, with ``static/css/cards.css`` inlined, in email.
"""
from __future__ import annotations

import re

from flask import render_template
from markupsafe import Markup, escape

from blog.core.sanitize import linkify_html
from blog.embeds.models import SocialPost
from blog.extensions import db
from blog.media.services import photo_url

KIND = "social"
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MAX_KEYS_IN_DIRECTIVE = 20

# A URL first (so "@" or "#" inside an address is left alone), then mentions and hashtags.
_TOKENS = {
    "x": re.compile(r"(?P<url>https?://\S+)|(?<![\w@/])@(?P<user>[A-Za-z0-9_]{1,15})\b"
                    r"|(?<![\w&/#])#(?P<tag>\w*[^\W\d]\w*)"),
    "mastodon": re.compile(r"(?P<url>https?://\S+)|(?<![\w@/])@(?P<user>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)"
                           r"(?:@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))?"
                           r"|(?<![\w&/#])#(?P<tag>\w*[^\W\d]\w*)"),
    "bluesky": re.compile(r"(?P<url>https?://\S+)|(?<![\w@/])@(?P<user>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
                          r"|(?<![\w&/#])#(?P<tag>\w*[^\W\d]\w*)"),
    "other": re.compile(r"(?P<url>https?://\S+)"),
}


def _mention_url(platform: str, user: str, domain: str | None, author_handle: str) -> str:
    if platform == "x":
        return f"https://x.com/{user}"
    if platform == "bluesky":
        return f"https://bsky.app/profile/{user.rstrip('.')}"
    home = domain or (author_handle.split("@", 1)[1] if "@" in author_handle else "")
    return f"https://{home}/@{user}" if home else ""


def _hashtag_url(platform: str, tag: str, author_handle: str) -> str:
    if platform == "x":
        return f"https://x.com/hashtag/{tag}"
    if platform == "bluesky":
        return f"https://bsky.app/hashtag/{tag}"
    home = author_handle.split("@", 1)[1] if "@" in author_handle else ""
    return f"https://{home}/tags/{tag}" if home else ""


def _link(href: str, text: str) -> str:
    if not href:
        return str(escape(text))
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def _split_trailing(url: str) -> tuple[str, str]:
    """"https://a.org/x)." -> ("https://a.org/x", ")."): sentence punctuation is not part of an address."""
    end = len(url)
    while end > 0:
        char = url[end - 1]
        if char in ".,;:!?'\"":
            end -= 1
        elif char == ")" and url[:end].count("(") < url[:end].count(")"):
            end -= 1
        else:
            break
    return url[:end], url[end:]


def _linkify_line(line: str, platform: str, author_handle: str) -> str:
    pattern = _TOKENS.get(platform, _TOKENS["other"])
    out: list[str] = []
    position = 0
    for match in pattern.finditer(line):
        out.append(str(escape(line[position:match.start()])))
        if match["url"]:
            address, trailing = _split_trailing(match["url"])
            out.append(_link(address, address) + str(escape(trailing)))
        elif match.groupdict().get("user"):
            user = match["user"].rstrip(".")
            trailing = match["user"][len(user):]
            domain = match.groupdict().get("domain")
            shown = "@" + user + (f"@{domain}" if domain else "")
            href = _mention_url(platform, user, domain, author_handle)
            out.append(_link(href, shown) + str(escape(trailing)))
        else:
            out.append(_link(_hashtag_url(platform, match["tag"], author_handle), "#" + match["tag"]))
        position = match.end()
    out.append(str(escape(line[position:])))
    return "".join(out)


def text_to_html(text: str, platform: str = "other", author_handle: str = "") -> str:
    """A post's plain text as paragraphs with safe links for URLs, @mentions and #hashtags.

    Blank lines separate paragraphs, single line breaks stay as ``<br>``. The
    result goes through ``core.sanitize`` (bleach's linkifier and allowlist),
    so links get ``rel="nofollow noopener"`` and nothing executable survives.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [_linkify_line(line, platform, author_handle) for line in block.split("\n")]
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    return linkify_html("\n".join(paragraphs))


# --- the directive ---------------------------------------------------------------------------

def split_keys(value: str) -> list[str]:
    return [k.strip().lower() for k in (value or "").split(",") if k.strip()]


def snapshots_by_key(keys: list[str]) -> dict[str, SocialPost]:
    if not keys:
        return {}
    rows = db.session.execute(db.select(SocialPost).where(SocialPost.key.in_(keys))).scalars()
    return {row.key: row for row in rows}


def conversation(keys: list[str], found: dict[str, SocialPost]) -> list[tuple[SocialPost, str]]:
    """The cards to show for ``keys``: ``(snapshot, role)`` with role "context", "post" or "reply".

    A parent is shown once: before the first reply to it, unless it was shown already.
    """
    shown: set[int] = set()
    cards: list[tuple[SocialPost, str]] = []
    for key in keys:
        post = found[key]
        parent = post.in_reply_to
        role = "post"
        if parent is not None:
            if parent.id not in shown:
                cards.append((parent, "context"))
                shown.add(parent.id)
            role = "reply"
        if post.id in shown:
            continue
        cards.append((post, role))
        shown.add(post.id)
    return cards


def render_directive(value: str) -> Markup | None:
    """HTML for ``[[social:KEY]]`` or ``[[social:K1,K2]]``; None (text kept) if a key is unknown."""
    keys = split_keys(value)
    if not keys or len(keys) > MAX_KEYS_IN_DIRECTIVE or not all(KEY_PATTERN.match(k) for k in keys):
        return None
    found = snapshots_by_key(keys)
    if any(k not in found for k in keys):
        return None
    cards = conversation(keys, found)
    return _render(cards)


def _render(cards) -> Markup:
    return Markup(render_template("embeds/_thread.html", cards=cards, photo_url=photo_url).strip())


def card_html(post: SocialPost) -> Markup:
    """One snapshot's card on its own (previews in the editor)."""
    return _render([(post, "post")])
