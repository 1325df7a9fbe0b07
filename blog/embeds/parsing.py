"""Reading what an author pastes: a post's URL, or the embed code a platform offers.

Nothing here touches the network or the database: the functions take text and
return a :class:`ParsedPost` with whatever the text tells (platform, handle, id,
and for embed code the author, the words and the date). The platform's
``<script>`` and any markup are dropped: only plain text comes out, to be
escaped and linkified when the snapshot is saved.

Embed formats, as documented by each platform:

- X/Twitter (publish.twitter.com): ``<blockquote class="twitter-tweet"><p lang dir>TEXT</p>
  &mdash; Name (@handle) <a href="https://twitter.com/handle/status/ID">Month D, YYYY</a>
  </blockquote><script src="https://platform.twitter.com/widgets.js">``
- Mastodon (4.3+, "Embed" in a post's menu): ``<blockquote class="mastodon-embed"
  data-embed-url="https://INSTANCE/@user/ID/embed"><a href="https://INSTANCE/@user/ID">…
  <div>Post by @user@INSTANCE</div><div>View on Mastodon</div></a></blockquote><script
  src="https://INSTANCE/embed.js">``; older instances give ``<iframe class="mastodon-embed"
  src="…/embed">``. Neither carries the text: the form opens for the author to paste it.
- Bluesky (embed.bsky.app): ``<blockquote class="bluesky-embed" data-bluesky-uri="at://…">
  <p lang>TEXT<br><br><a href="…">[image or embed]</a></p>&mdash; Name (<a
  href="https://bsky.app/profile/DID">@handle</a>) <a href="https://bsky.app/profile/DID/post/RKEY">
  Month D, YYYY at H:MM AM</a></blockquote><script src="https://embed.bsky.app/static/embed.js">``
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from blog.core.text import strip_controls
from blog.core.time import UTC
from blog.errors import ValidationFailed

X_HOSTS = {"x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com", "www.x.com", "www.twitter.com"}
BLUESKY_HOSTS = {"bsky.app", "www.bsky.app", "staging.bsky.app"}
EMBED_CLASSES = {"twitter-tweet": "x", "mastodon-embed": "mastodon", "bluesky-embed": "bluesky"}
MAX_PASTE = 100_000

_X_STATUS = re.compile(r"^/(?P<handle>[A-Za-z0-9_]{1,15})/status(?:es)?/(?P<id>\d{1,25})(?:/|$)")
_X_WEB_STATUS = re.compile(r"^/i/web/status/(?P<id>\d{1,25})(?:/|$)")
_BSKY_POST = re.compile(r"^/profile/(?P<handle>[^/]+)/post/(?P<id>[A-Za-z0-9]+)/?$")
_MASTODON_POST = re.compile(
    r"^/@(?P<user>[A-Za-z0-9_.-]+)(?:@(?P<domain>[A-Za-z0-9.-]+))?/(?P<id>\d{1,25})/?(?:embed/?)?$")
_MASTODON_STATUS = re.compile(r"^/users/(?P<user>[A-Za-z0-9_.-]+)/statuses/(?P<id>\d{1,25})/?$")
_MASTODON_BYLINE = re.compile(r"@([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_ATTRIBUTION = re.compile(r"^\s*[—–-]+\s*(?P<name>.*?)\s*\(\s*@?(?P<handle>[^()\s]+)\s*\)\s*$", re.S)
_EMBED_CLASS = re.compile(r"class\s*=\s*[\"'][^\"']*\b(twitter-tweet|mastodon-embed|bluesky-embed)\b")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+")
_DATE_FORMATS = (
    "%B %d, %Y at %I:%M %p", "%b %d, %Y at %I:%M %p", "%B %d, %Y", "%b %d, %Y",
    "%I:%M %p - %d %b %Y", "%I:%M %p · %b %d, %Y", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z",
)


@dataclass
class ParsedPost:
    """What a pasted URL or embed code told; empty strings for what it did not."""

    platform: str = "other"
    handle: str = ""
    display_name: str = ""
    external_id: str = ""
    url: str = ""
    text: str = ""
    lang: str = ""
    posted_at: datetime | None = None
    posted_date_only: bool = False
    attachments: list[str] = field(default_factory=list)
    source: str = "form"  # "url", "embed" or "oembed"

    def as_json(self) -> dict:
        data = asdict(self)
        data["posted_at"] = self.posted_at.isoformat() if self.posted_at else None
        return data


# --- URLs ------------------------------------------------------------------------------------

def _clean_url(url: str) -> str:
    """Drop tracking query strings (``?ref_src=twsrc…``, ``?s=20``) and fragments."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))


def parse_post_url(url: str) -> ParsedPost:
    """Platform, handle and id from a post's address.

    :raise ValidationFailed: when the text is not an http(s) address of a post we recognise.
    """
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("That is not a web address (it should start with https://).", field="url")
    host = parts.hostname.lower()
    path = unquote(parts.path)
    if host in X_HOSTS:
        match = _X_STATUS.match(path)
        if match:
            handle = match["handle"]
            return ParsedPost(platform="x", handle=handle, external_id=match["id"],
                              url=f"https://x.com/{handle}/status/{match['id']}", source="url")
        match = _X_WEB_STATUS.match(path)
        if match:
            return ParsedPost(platform="x", external_id=match["id"],
                              url=f"https://x.com/i/web/status/{match['id']}", source="url")
        raise ValidationFailed("That X/Twitter address is not a post (it should contain /status/).",
                               field="url")
    if host in BLUESKY_HOSTS:
        match = _BSKY_POST.match(path)
        if not match:
            raise ValidationFailed("That Bluesky address is not a post (it should contain /post/).",
                                   field="url")
        handle = match["handle"]
        return ParsedPost(platform="bluesky", handle="" if handle.startswith("did:") else handle,
                          external_id=match["id"],
                          url=f"https://bsky.app/profile/{handle}/post/{match['id']}", source="url")
    match = _MASTODON_POST.match(path) or _MASTODON_STATUS.match(path)
    if match:
        user = match["user"]
        domain = (match.groupdict().get("domain") or host).lower()
        canonical = f"https://{host}/@{user}" + (f"@{domain}" if domain != host else "") + f"/{match['id']}"
        return ParsedPost(platform="mastodon", handle=f"{user}@{domain}", external_id=match["id"],
                          url=canonical, source="url")
    raise ValidationFailed(
        "We could not recognise that address as a post on X, Mastodon or Bluesky. "
        "Fill in the form by hand instead.", field="url")


def looks_like_post_url(text: str) -> bool:
    text = (text or "").strip()
    if not text or any(c.isspace() for c in text):
        return False
    try:
        parse_post_url(text)
    except ValidationFailed:
        return False
    return True


# --- embed code ------------------------------------------------------------------------------

def looks_like_embed(text: str) -> bool:
    return bool(_EMBED_CLASS.search(text or ""))


def parse_embed(html: str) -> ParsedPost:
    """A post from the embed code of X, Mastodon or Bluesky; scripts and styles are ignored.

    :raise ValidationFailed: when the text holds no embed code we know.
    """
    html = strip_controls(html or "")  # lxml refuses NUL and other controls; they are never visible
    if not html or len(html) > MAX_PASTE:
        raise ValidationFailed("Paste the embed code (it starts with <blockquote).", field="embed")
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError) as exc:
        raise ValidationFailed("That embed code could not be read.", field="embed") from exc
    for executable in root.xpath("//script|//style|//noscript|//template|//svg"):
        executable.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        classes = set((element.get("class") or "").split())
        for css_class, platform in EMBED_CLASSES.items():
            if css_class in classes:
                if platform == "mastodon":
                    return _parse_mastodon(element)
                return _parse_blockquote(element, platform)
    raise ValidationFailed(
        "That does not look like embed code from X, Mastodon or Bluesky "
        "(a <blockquote class=\"twitter-tweet\">, \"mastodon-embed\" or \"bluesky-embed\").", field="embed")


def parse_pasted(text: str) -> ParsedPost:
    """Embed code or a post's URL, whichever ``text`` is."""
    text = strip_controls(text or "").strip()
    if looks_like_embed(text):
        return parse_embed(text)
    return parse_post_url(text)


def _parse_blockquote(quote, platform: str) -> ParsedPost:
    """X and Bluesky share a layout: paragraphs of text, then "— Name (@handle) <a>date</a>"."""
    post = ParsedPost(platform=platform, source="embed")
    paragraphs = [p for p in quote.iter("p")]
    texts = []
    for paragraph in paragraphs:
        words, attachments = _text_of(paragraph, platform)
        if words.strip():
            texts.append(words.strip())
        post.attachments.extend(attachments)
        post.lang = post.lang or (paragraph.get("lang") or "").strip()[:16]
    post.text = "\n\n".join(texts)
    # What follows the last paragraph: the attribution, a link to the author and the dated link.
    links = [a for a in quote.iter("a") if not any(a in p.iter("a") for p in paragraphs)]
    attribution = _text_after(quote, paragraphs)
    match = _ATTRIBUTION.match(attribution)
    if match:
        post.display_name = match["name"].strip()
        post.handle = match["handle"].lstrip("@").strip()
    dated = links[-1] if links else None
    if dated is not None:
        href = dated.get("href") or ""
        try:
            from_url = parse_post_url(href)
        except ValidationFailed:
            from_url = None
        if from_url is not None and from_url.platform == platform:
            post.external_id = from_url.external_id
            post.url = from_url.url
            if from_url.handle and not post.handle:
                post.handle = from_url.handle
            if platform == "bluesky" and post.handle and "/did:" in post.url:
                post.url = f"https://bsky.app/profile/{post.handle}/post/{post.external_id}"
        post.posted_at, post.posted_date_only = parse_shown_date(dated.text_content())
    if platform == "x" and post.handle and post.url.startswith("https://x.com/i/web/"):
        post.url = f"https://x.com/{post.handle}/status/{post.external_id}"
    return post


def _parse_mastodon(element) -> ParsedPost:
    post = ParsedPost(platform="mastodon", source="embed")
    address = element.get("data-embed-url") or element.get("src") or ""
    if not address:
        link = next((a.get("href") for a in element.iter("a") if a.get("href")), "")
        address = link or ""
    address = re.sub(r"/embed/?$", "", address.strip())
    try:
        from_url = parse_post_url(address)
    except ValidationFailed:
        from_url = None
    if from_url is not None and from_url.platform == "mastodon":
        post.url, post.handle, post.external_id = from_url.url, from_url.handle, from_url.external_id
    byline = _MASTODON_BYLINE.search(element.text_content())
    if byline:
        post.handle = f"{byline[1]}@{byline[2].lower()}"
    # Some instances and the oEmbed answer put the post's words in paragraphs.
    texts = []
    for paragraph in element.iter("p"):
        words, attachments = _text_of(paragraph, "mastodon")
        if words.strip():
            texts.append(words.strip())
        post.attachments.extend(attachments)
        post.lang = post.lang or (paragraph.get("lang") or "")[:16]
    post.text = "\n\n".join(texts)
    stamp = next((t.get("datetime") for t in element.iter("time") if t.get("datetime")), None)
    if stamp:
        post.posted_at, post.posted_date_only = parse_shown_date(stamp)
    return post


def _text_of(paragraph, platform: str) -> tuple[str, list[str]]:
    """Plain text of a paragraph: ``<br>`` becomes a line break, links become their address.

    Returns the text and the descriptions of attached media the links stood for
    (``pic.twitter.com/…`` on X, ``[image or embed]`` on Bluesky), which are not text.
    """
    pieces: list[str] = []
    attachments: list[str] = []

    def walk(node):
        if node.text:
            pieces.append(node.text)
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "br":
                pieces.append("\n")
            elif tag == "a":
                pieces.append(_link_text(child, platform, attachments))
            elif tag in ("img",) and child.get("alt"):
                pieces.append(child.get("alt"))  # emoji drawn as images keep their character
            elif tag:
                walk(child)
            if child.tail:
                pieces.append(child.tail)

    walk(paragraph)
    text = "".join(pieces).replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(), attachments


def _link_text(link, platform: str, attachments: list[str]) -> str:
    shown = link.text_content().strip()
    href = (link.get("href") or "").strip()
    if shown.startswith(("@", "#", "$")):
        return shown
    if platform == "x" and shown.startswith("pic.twitter.com/"):
        attachments.append("")
        return ""
    if platform == "bluesky" and shown.startswith("[") and shown.endswith("]"):
        attachments.append("")
        return ""
    if href.lower().startswith(("http://", "https://")):
        # The shown text is often shortened ("example.org/long…"); the address is what was meant.
        if shown and _URL_IN_TEXT.fullmatch(shown) and "…" not in shown:
            return shown
        return href if "…" in shown or not shown or _looks_like_address(shown) else f"{shown} ({href})"
    return shown  # a javascript: or other link keeps only its words


def _looks_like_address(text: str) -> bool:
    return bool(re.fullmatch(r"(https?://)?[\w-]+(\.[\w-]+)+(/\S*)?", text))


def _text_after(quote, paragraphs) -> str:
    """The text between the last paragraph and the dated link: "— Name (@handle)"."""
    if not paragraphs:
        return ""
    last = paragraphs[-1]
    pieces = [last.tail or ""]
    node = last.getnext()
    links = list(quote.iter("a"))
    while node is not None:
        if node.tag == "a" and node is (links[-1] if links else None):
            break
        pieces.append(node.text_content())
        pieces.append(node.tail or "")
        node = node.getnext()
    return " ".join("".join(pieces).split())


def parse_shown_date(text: str) -> tuple[datetime | None, bool]:
    """``(moment in UTC, date_only)`` from the date a platform shows; ``(None, False)`` if unknown.

    Times without a zone are taken as UTC: embed code does not say which zone
    it was written in, so the author should check the time in the form.
    """
    text = " ".join((text or "").replace("\u202f", " ").split())
    if not text:
        return None, False
    iso = text.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(iso)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC), False
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return moment, "%H" not in fmt and "%I" not in fmt
    return None, False
