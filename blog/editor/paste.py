"""Rich text pasted from Word, Google Docs or a web page, turned into clean Markdown.

Styling that carries meaning is first turned into tags (Google Docs marks bold and
italic with inline styles, and wraps everything in a non-bold ``<b>``), then the
HTML goes through the site's sanitiser (dropping styles, fonts, classes, comments
and scripts), then markdownify writes Markdown. The Markdown is sanitised again
like any other text when the post is rendered.

``paste_to_markdown`` goes further for a whole write-up pasted at once: its title
(Word's Title style or a first heading), photos carried in the HTML (``data:``
images, with Word's caption paragraph or a ``<figcaption>``) uploaded through the
photo pipeline, social-post embed code made into quote cards (reusing snapshots
that exist, replies joined into one conversation), and Word's "Quote" paragraphs
made into a block quote (a pull quote when its last line starts with a dash).
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

import lxml.html
from markdownify import markdownify

from blog.accounts.models import User
from blog.core.sanitize import clean_html
from blog.errors import DomainError

MAX_PASTE_CHARS = 2_000_000
_BOLD = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.I)
_NOT_BOLD = re.compile(r"font-weight\s*:\s*(normal|[1-4]00)", re.I)
_ITALIC = re.compile(r"font-style\s*:\s*italic", re.I)
_WORD_LIST_ITEM = re.compile(r"mso-list\s*:\s*l\d+", re.I)
_WORD_LIST_MARKER = re.compile(r"mso-list\s*:\s*ignore", re.I)
_NUMBERED_MARKER = re.compile(r"^\(?[0-9a-zA-Z]{1,4}[.)]$")


def _word_lists_as_lists(root) -> None:
    """Word writes list items as paragraphs (``style="mso-list:l0 level1"``) with the bullet or
    number typed into a hidden span; make each run of them a real ``<ul>`` or ``<ol>``."""
    def is_item(element) -> bool:
        return isinstance(element.tag, str) and element.tag.lower() == "p" \
            and bool(_WORD_LIST_ITEM.search(element.get("style", "")))

    for paragraph in list(root.iter("p")):
        if not is_item(paragraph) or paragraph.getparent() is None:
            continue
        run = [paragraph]
        while (following := run[-1].getnext()) is not None and is_item(following):
            run.append(following)
        markers = []
        for item in run:
            marker = next((span for span in item.iter("span") if _WORD_LIST_MARKER.search(span.get("style", ""))), None)
            markers.append(marker.text_content().strip() if marker is not None else "")
            if marker is not None:
                marker.drop_tree()
        listing = lxml.html.Element("ol" if all(_NUMBERED_MARKER.match(m) for m in markers) else "ul")
        paragraph.addprevious(listing)
        for item in run:
            item.tag = "li"
            item.attrib.clear()
            listing.append(item)


def _normalise(html: str) -> str:
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return html
    _word_lists_as_lists(root)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower().split(":")[-1]
        style = element.get("style", "")
        if tag == "b" and _NOT_BOLD.search(style):
            element.drop_tag()  # Google Docs' outer wrapper
            continue
        if tag == "h1":
            element.tag = "h2"  # the post title is the page's only h1
        if tag == "span":
            bold, italic = _BOLD.search(style), _ITALIC.search(style)
            if bold and italic:
                element.tag = "strong"
                inner = lxml.html.Element("em")
                inner.text, element.text = element.text, None
                for child in list(element):
                    inner.append(child)
                element.append(inner)
            elif bold:
                element.tag = "strong"
            elif italic:
                element.tag = "em"
        if tag in ("img", "meta", "link", "xml", "o:p") or element.tag.lower().startswith(("o:", "w:", "v:")):
            element.drop_tree() if tag in ("img", "meta", "link", "xml") else element.drop_tag()
    return lxml.html.tostring(root, encoding="unicode")


def _fragment(html: str) -> str:
    """The pasted part of clipboard HTML, without style sheets, scripts and Office metadata."""
    html = (html or "")[:MAX_PASTE_CHARS]
    # Word puts the pasted part between these markers; outside them is style and metadata.
    fragment = re.search(r"<!--StartFragment-->(.*?)<!--EndFragment-->", html, re.S)
    if fragment:
        html = fragment.group(1)
    return re.sub(r"(?is)<(head|style|script|xml)\b.*?</\1\s*>", "", html)


def html_to_markdown(html: str) -> str:
    """Markdown for pasted HTML: headings, emphasis, links, lists and quotes kept; the rest dropped."""
    html = _fragment(html)
    cleaned = clean_html(_normalise(html))
    markdown = markdownify(cleaned, heading_style="ATX", bullets="-", strong_em_symbol="*",
                           escape_underscores=False, escape_misc=False, strip=["img", "span", "div"])
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    return markdown.replace("\u00a0", " ")


@dataclass
class PastedWriteUp:
    markdown: str
    title: str  # "" when the paste had no title


_EMBED_CLASSES = ("twitter-tweet", "mastodon-embed", "bluesky-embed")
_DATA_IMAGE = re.compile(r"^data:image/(jpeg|png|gif|webp);base64,(.+)$", re.S | re.I)
_QUOTE_STYLE = re.compile(r"\bMso(Intense)?Quote\b")
_LEADING_MENTION = re.compile(r"^@([\w.\-]+)")


def _classes(element) -> str:
    return element.get("class") or ""


def _marker(kind: str, keys: list[str]):
    paragraph = lxml.html.Element("p")
    paragraph.text = f"[[{kind}:{','.join(keys)}]]"
    return paragraph


def _take_title(root) -> str:
    first = next((el for el in root if isinstance(el.tag, str) and el.text_content().strip()), None)
    if first is None or not (first.tag == "h1" or "MsoTitle" in _classes(first)):
        return ""
    title = re.sub(r"\s+", " ", first.text_content()).strip()
    first.drop_tree()
    return title


def _quotes_as_blockquotes(root) -> None:
    """Runs of Word "Quote" paragraphs become one block quote."""
    for paragraph in list(root.iter("p")):
        if paragraph.getparent() is None or not _QUOTE_STYLE.search(_classes(paragraph)):
            continue
        previous = paragraph.getprevious()
        if previous is not None and previous.tag == "blockquote" and previous.get("data-word-quote"):
            previous.append(paragraph)
            continue
        quote = lxml.html.Element("blockquote")
        quote.set("data-word-quote", "1")
        paragraph.addprevious(quote)
        quote.append(paragraph)


def _photos_as_directives(root, by: User) -> None:
    from blog.media import services as media

    for number, image in enumerate(list(root.iter("img")), 1):
        match = _DATA_IMAGE.match(image.get("src") or "")
        if not match:
            continue  # an address on the author's disk or elsewhere: nothing this site may fetch
        block = image
        while block.getparent() is not None and block.getparent() is not root:
            block = block.getparent()
        caption_element = block.getnext()
        if block.tag == "figure":
            caption_element = next(iter(block.iter("figcaption")), None)
        elif caption_element is not None and "MsoCaption" not in _classes(caption_element):
            caption_element = None
        try:
            data = base64.b64decode(match.group(2), validate=False)
            photo = media.store_photo(data, f"pasted-photo-{number}.{match.group(1).lower()}", by=by)
            caption = re.sub(r"\s+", " ", caption_element.text_content()).strip() if caption_element is not None else ""
            media.update_photo(photo, by=by, alt_text=(image.get("alt") or "").strip(), caption=caption)
        except (binascii.Error, DomainError):
            continue  # not a photo this site can read: left out, as any image of a paste is
        if caption_element is not None and block.tag != "figure":
            caption_element.drop_tree()
        block.addprevious(_marker("photo", [photo.key]))
        if block is image or block.tag == "figure" or not block.text_content().strip():
            block.drop_tree()
        else:
            image.drop_tree()


def _embeds_as_cards(root, by: User) -> None:
    """Embed code becomes quote cards; a reply to a quote just before joins it as a conversation."""
    from blog.embeds import services as embeds
    from blog.embeds.parsing import parse_embed

    latest_by_handle: dict[str, str] = {}
    parents: dict[str, str] = {}
    last: tuple | None = None  # (marker element, keys)
    for quote in list(root.iter("blockquote")):
        if quote.getparent() is None or not any(c in _classes(quote).split() for c in _EMBED_CLASSES):
            continue
        try:
            parsed = parse_embed(lxml.html.tostring(quote, encoding="unicode"))
            mention = _LEADING_MENTION.match(parsed.text.strip())
            parent = latest_by_handle.get(mention.group(1).lower(), "") if mention else ""
            snapshot = embeds.snapshot_from_parsed(parsed, by=by, in_reply_to_key=parent)
        except DomainError:
            continue  # not readable, or not allowed to quote: the quote stays as text
        parent = snapshot.in_reply_to.key if snapshot.in_reply_to else ""
        parents[snapshot.key] = parent
        latest_by_handle[snapshot.handle.lower()] = snapshot.key
        if last is not None and quote.getprevious() is last[0] and parent and \
                any(key == parent or parents.get(key) == parent for key in last[1]):
            last[1].append(snapshot.key)
            last[0].text = f"[[social:{','.join(last[1])}]]"
            quote.drop_tree()
            continue
        marker = _marker("social", [snapshot.key])
        marker.tail = quote.tail
        quote.addprevious(marker)
        quote.getparent().remove(quote)
        last = (marker, [snapshot.key])


def paste_to_markdown(html: str, *, by: User, take_title: bool = False) -> PastedWriteUp:
    """A pasted write-up as Markdown, its photos and social posts stored (flushed) for ``by``;
    with ``take_title`` (the post has none yet) its title is taken out of the text."""
    try:
        root = lxml.html.fragment_fromstring(_fragment(html), create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return PastedWriteUp(html_to_markdown(html), "")
    title = _take_title(root) if take_title else ""
    _embeds_as_cards(root, by)
    _photos_as_directives(root, by)
    _quotes_as_blockquotes(root)
    inner = "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return PastedWriteUp(html_to_markdown((root.text or "") + inner), title)
