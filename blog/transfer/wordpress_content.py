"""A WordPress post's HTML (classic editor or Gutenberg blocks) as the site's Markdown.

Gutenberg saves each block as its HTML between comments (``<!-- wp:image {"id":12} -->
<figure>…</figure> <!-- /wp:image -->``); the classic editor saves HTML whose
paragraphs are blank lines (WordPress adds the ``<p>`` when showing it) and
shortcodes such as ``[caption]`` and ``[gallery]``. Both become one HTML document in
which photos, galleries, tweets and pull quotes are already the project's
directives or markup, then ``blog.editor.paste.paste_to_markdown`` writes the
Markdown (and turns tweets' embed code into social-post snapshots, as for a paste).

What has no Markdown form (columns, buttons, other embeds, custom HTML, unknown
shortcodes) is kept as sanitised HTML or text inside the Markdown and named in
``Conversion.kept``; nothing is dropped without a line there.
"""
from __future__ import annotations

import html as html_module
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Callable

import lxml.html

from blog.accounts.models import User
from blog.core.sanitize import clean_html
from blog.editor.paste import html_to_markdown, paste_to_markdown

_BLOCK_COMMENT = re.compile(
    r"<!--\s+(?P<close>/)?wp:(?P<namespace>[a-z][a-z0-9_-]*/)?(?P<name>[a-z][a-z0-9_-]*)"
    r"\s+(?P<attrs>\{.*?\}\s+)?(?P<void>/)?-->", re.S)
_SHORTCODE = re.compile(r"\[(?P<name>[a-zA-Z][\w-]*)(?P<attrs>(?:\s[^\]]*)?)\](?:(?P<inner>.*?)\[/(?P=name)\])?",
                        re.S)
_SHORTCODE_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_ATTACHMENT_CLASS = re.compile(r"\bwp-image-(\d+)\b")
_TWEET_URL = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/\w{1,15}/status(?:es)?/(\d+)\S*$")
_STARTS_BLOCK = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|dl|form|iframe|script|style|address|section|"
    r"article|aside|details|!--)\b", re.I)
# Blocks whose saved HTML is already what they mean, and blocks that only lay out.
_PLAIN_BLOCKS = {"paragraph", "heading", "list", "list-item", "quote", "code", "preformatted", "separator",
                 "table", "verse", "freeform", "missing", "column"}
# (footnotes: the block only shows the notes, which come from the post's "footnotes" field)
_LAYOUT_ONLY = {"more", "nextpage", "spacer", "footnotes"}
_UNSAFE_TAGS = ("script", "iframe", "object", "embed", "form", "style", "video", "audio")
# Inline elements the site shows (the sanitiser keeps them) but Markdown has no form for: kept as HTML
# inside the Markdown (H<sub>2</sub>O must not become H2O).
_INLINE_KEPT = ("sub", "sup", "mark", "abbr", "u", "small", "q", "dfn", "samp")

# ``photo(url, attachment_id, alt_text, caption)`` gives a photo key, or None (the reason reported).
PhotoSource = Callable[[str, int, str, str], "str | None"]
# ``tweet(url)`` gives the embed code of a tweet (from the export's oEmbed cache), or "".
TweetSource = Callable[[str], str]


@dataclass
class Conversion:
    markdown: str
    kept: list[str] = field(default_factory=list)
    pull_quotes: int = 0


@dataclass
class _Block:
    name: str  # "core/image", "jetpack/slideshow"
    attrs: dict
    parts: list = field(default_factory=list)  # str and _Block, in order


def parse_blocks(content: str) -> list:
    """The content as a list of HTML strings (classic parts) and blocks (with their inner parts)."""
    root = _Block("root", {})
    stack = [root]
    position = 0
    for match in _BLOCK_COMMENT.finditer(content):
        if match.start() > position:
            stack[-1].parts.append(content[position:match.start()])
        position = match.end()
        name = (match.group("namespace") or "core/") + match.group("name")
        if match.group("close"):
            if len(stack) > 1 and stack[-1].name == name:
                stack.pop()
            continue
        try:
            attrs = json.loads(match.group("attrs")) if match.group("attrs") else {}
        except ValueError:
            attrs = {}
        block = _Block(name, attrs if isinstance(attrs, dict) else {})
        stack[-1].parts.append(block)
        if not match.group("void"):
            stack.append(block)
    if position < len(content):
        stack[-1].parts.append(content[position:])
    return root.parts


def autop(text: str) -> str:
    """Classic-editor text with its paragraphs made explicit, as WordPress's ``wpautop`` shows it:
    blank lines separate paragraphs, a single line break is a ``<br>``."""
    chunks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    out = []
    for chunk in chunks:
        if not chunk.strip():
            continue
        if _STARTS_BLOCK.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk.strip()) + "</p>")
    return "\n".join(out)


def _shortcode_attrs(text: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
            for m in _SHORTCODE_ATTR.finditer(text or "")}


class ContentConverter:
    """Converts the posts of one import; ``kept`` lists what stayed HTML, per call of ``convert``."""

    def __init__(self, *, photo: PhotoSource, tweet: TweetSource, attachments_of: Callable[[int], list[int]],
                 by: User):
        self.photo = photo
        self.tweet = tweet
        self.attachments_of = attachments_of
        self.by = by

    def convert(self, content: str, *, wp_id: int, footnotes: str = "") -> Conversion:
        """``footnotes`` is the post's ``footnotes`` field (WordPress 6.3+): the notes' text as JSON."""
        self._kept: list[str] = []
        self._kept_html: dict[str, str] = {}
        self._tokens = 0
        self._nonce = secrets.token_hex(6)
        self._pull_quotes = 0
        self._wp_id = wp_id
        html = self._parts_html(parse_blocks(content or ""), classic=True)
        root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
        self._images_as_photos(root)
        self._unsafe_elements(root)
        notes = self._footnotes(root, footnotes)
        self._complex_blocks(root)
        self._inline_html(root)
        document = "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
        markdown = paste_to_markdown((root.text or "") + document, by=self.by).markdown
        for token, kept in reversed(self._kept_html.items()):  # a kept block first, then what it holds
            markdown = markdown.replace(token, kept)
        if notes:
            markdown = markdown.rstrip() + "\n\n" + "\n".join(notes)
        return Conversion(markdown, self._kept, self._pull_quotes)

    def _token(self, html: str) -> str:
        """A placeholder that survives the Markdown conversion, replaced by ``html`` afterwards."""
        self._tokens += 1
        token = f"WPKEPT{self._nonce}N{self._tokens}X"
        self._kept_html[token] = html
        return token

    @staticmethod
    def _replace_with_text(element, text: str) -> None:
        parent, previous = element.getparent(), element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text + (element.tail or "")
        else:
            parent.text = (parent.text or "") + text + (element.tail or "")
        parent.remove(element)

    def _footnotes(self, root, data: str) -> list[str]:
        """WordPress's footnotes (``<sup data-fn="id">`` marks, their text in the ``footnotes`` field)
        become Markdown footnotes (``[^1]`` and ``[^1]: text``), numbered in order of first mention."""
        try:
            stored = json.loads(data) if data else []
        except ValueError:
            stored = []
        texts = {n["id"]: n.get("content") or "" for n in stored if isinstance(n, dict) and n.get("id")} \
            if isinstance(stored, list) else {}
        numbers: dict[str, int] = {}
        for mark in list(root.iter("sup")):
            name = mark.get("data-fn")
            if not name or mark.getparent() is None:
                continue
            if name not in texts:
                self._kept.append(f"a footnote mark ({mark.text_content().strip()}) whose note is not in the "
                                  "export kept as a superscript")
                continue
            number = numbers.setdefault(name, len(numbers) + 1)
            self._replace_with_text(mark, self._token(f"[^{number}]"))
        return [f"[^{number}]: " + " ".join(html_to_markdown(texts[name]).split("\n")).strip()
                for name, number in numbers.items()]

    def _complex_blocks(self, root) -> None:
        """Tables that Markdown tables cannot hold (merged cells, paragraphs, lists or line breaks in
        cells), definition lists and folded sections (``<details>``) are kept as HTML."""
        for element in list(root.iter("table", "details", "dl")):
            if element.getparent() is None or root not in element.iterancestors():
                continue
            if element.tag == "table":
                cells = list(element.iter("td", "th"))
                if not any(c.get("rowspan", "1") not in ("", "1") or c.get("colspan", "1") not in ("", "1")
                           or any(e.tag in ("p", "ul", "ol", "table", "br", "div") for e in c.iter()) for c in cells):
                    continue
                what = "a table with merged cells or several lines in a cell"
            else:
                what = "a folded section (<details>)" if element.tag == "details" else "a definition list (<dl>)"
            block = element
            if block.getparent() is not root and block.getparent().tag == "figure":
                block = block.getparent()
            marker = lxml.html.fromstring(self._keep(lxml.html.tostring(block, encoding="unicode", with_tail=False),
                                                     what))
            marker.tail = block.tail
            block.addprevious(marker)
            block.getparent().remove(block)

    def _inline_html(self, root) -> None:
        kinds = []
        for element in list(root.iter(*_INLINE_KEPT)):
            if element.getparent() is None or root not in element.iterancestors():
                continue  # inside one kept already
            html = clean_html(lxml.html.tostring(element, encoding="unicode", with_tail=False)).strip()
            self._replace_with_text(element, self._token(html) if html else "")
            kinds.append(f"<{element.tag}>")
        if kinds:
            self._kept.append(f"inline {', '.join(dict.fromkeys(kinds))} kept as HTML")

    # --- blocks and classic HTML -------------------------------------------------------------

    def _parts_html(self, parts: list, *, classic: bool) -> str:
        out = []
        for part in parts:
            if isinstance(part, _Block):
                out.append(self._block_html(part))
            elif part.strip():
                out.append(autop(self._shortcodes(part)) if classic else part)
        return "\n".join(out)

    def _block_html(self, block: _Block) -> str:
        name = block.name.removeprefix("core/")
        inner = self._parts_html(block.parts, classic=name == "freeform")
        if block.name.startswith("core/") and name in _PLAIN_BLOCKS:
            return inner
        if block.name.startswith("core/") and name in _LAYOUT_ONLY:
            return ""
        if name in ("image", "gallery"):
            return self._gallery(inner) if name == "gallery" else inner
        if name == "pullquote":
            return self._pull_quote(inner)
        if name == "shortcode":
            return autop(self._shortcodes(inner))
        if name == "embed" or block.name.startswith("core-embed/"):
            return self._embed(block.attrs.get("url") or lxml.html.fromstring(f"<div>{inner}</div>").text_content().strip())
        return self._keep(inner, f"the block {block.name}")

    def _keep(self, html: str, what: str) -> str:
        """``html`` sanitised, kept in the Markdown as an HTML block, and reported."""
        for token in [t for t in self._kept_html if f"<p>{t}</p>" in html]:  # a kept block inside this one
            html = html.replace(f"<p>{token}</p>", self._kept_html.pop(token))
        fragment = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
        self._images_as_photos(fragment)  # photos in columns and groups are photos too
        self._unsafe_elements(fragment)  # frames become links, scripts are reported
        html = (fragment.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in fragment)
        cleaned = re.sub(r"\n\s*\n", "\n", clean_html(html).strip())
        shown = lxml.html.fragment_fromstring(cleaned or "<p></p>", create_parent="div")
        if not shown.text_content().strip() and next(shown.iter("img"), None) is None:
            self._kept.append(f"{what} left out: nothing in it is safe to show")
            return ""
        self._kept.append(f"{what} kept as HTML")
        return f"<p>{self._token(f'<div>{chr(10)}{cleaned}{chr(10)}</div>')}</p>"

    def _shortcodes(self, text: str) -> str:
        def replace(match: re.Match) -> str:
            name, attrs, inner = match.group("name").lower(), _shortcode_attrs(match.group("attrs")), match.group("inner")
            if name in ("caption", "wp_caption"):
                return self._caption(inner or "", attrs)
            if name == "gallery":
                ids = [int(i) for i in re.findall(r"\d+", attrs.get("ids", "") or attrs.get("include", ""))]
                return self._gallery_of(ids or self.attachments_of(self._wp_id))
            if name == "embed":
                return self._embed((inner or "").strip())
            self._kept.append(f"the shortcode [{match.group('name')}] kept as text")
            return match.group(0)
        return _SHORTCODE.sub(replace, text)

    def _caption(self, inner: str, attrs: dict) -> str:
        """``[caption id="attachment_12"]<a><img></a> Words[/caption]``: the words after the image
        (or, in old exports, the ``caption`` attribute) are its caption."""
        fragment = lxml.html.fragment_fromstring(inner, create_parent="div")
        image = next(fragment.iter("img"), None)
        if image is None:
            return inner
        holder = image.getparent() if image.getparent().tag == "a" else image
        words = ((holder.tail or "") + "".join(lxml.html.tostring(e, encoding="unicode") for e in holder.itersiblings()))
        caption = lxml.html.fromstring(f"<div>{words}</div>").text_content().strip() or attrs.get("caption", "")
        figure = lxml.html.Element("figure")
        figure.append(image)
        image.tail = None
        match = re.search(r"\d+", attrs.get("id", ""))
        if match and not _ATTACHMENT_CLASS.search(image.get("class", "")):
            image.set("class", f"{image.get('class', '')} wp-image-{match.group(0)}".strip())
        figcaption = lxml.html.Element("figcaption")
        figcaption.text = caption
        figure.append(figcaption)
        return lxml.html.tostring(figure, encoding="unicode")

    def _gallery(self, inner: str) -> str:
        fragment = lxml.html.fragment_fromstring(inner or "<p></p>", create_parent="div")
        keys = []
        for image in fragment.iter("img"):
            key = self._photo_for(image, _caption_of(image))
            if key:
                keys.append(key)
        return _directive("gallery", keys)

    def _gallery_of(self, attachment_ids: list[int]) -> str:
        keys = [key for key in (self.photo("", i, "", "") for i in attachment_ids) if key]
        return _directive("gallery", keys)

    def _pull_quote(self, inner: str) -> str:
        fragment = lxml.html.fragment_fromstring(inner or "<p></p>", create_parent="div")
        cite = next(fragment.iter("cite"), None)
        attribution = re.sub(r"\s+", " ", cite.text_content()).strip() if cite is not None else ""
        if cite is not None:
            cite.drop_tree()
        quote = next(fragment.iter("blockquote"), fragment)
        words = "".join(lxml.html.tostring(p, encoding="unicode") for p in quote if p.tag == "p") \
            or f"<p>{html_module.escape(quote.text_content().strip())}</p>"
        self._pull_quotes += 1
        if attribution:
            words += f"<p>— {html_module.escape(attribution)}</p>"
        return f"<blockquote>{words}</blockquote>"

    def _embed(self, url: str) -> str:
        """A tweet becomes its embed code (a snapshot, made by the paste conversion); any other
        embedded address stays a link."""
        if _TWEET_URL.match(url):
            code = self.tweet(url)
            if code:
                return code
            self._kept.append(f"the tweet {url} kept as a link (the export holds only its address, not its "
                              "words: quote it from the editor)")
        elif url:
            self._kept.append(f"the embedded {url} kept as a link")
        escaped = html_module.escape(url)
        return f'<p><a href="{escaped}">{escaped}</a></p>' if url else ""

    # --- photos and what the sanitiser would remove ----------------------------------------

    def _photo_for(self, image, caption: str) -> str | None:
        match = _ATTACHMENT_CLASS.search(image.get("class", ""))
        return self.photo(image.get("src") or "", int(match.group(1)) if match else 0,
                          (image.get("alt") or "").strip(), caption)

    def _images_as_photos(self, root) -> None:
        for image in list(root.iter("img")):
            if image.getparent() is None:
                continue
            figure = next((a for a in image.iterancestors("figure")), None)
            key = self._photo_for(image, _caption_of(image))
            if key is None:
                self._kept.append(f"the image {image.get('src') or '(no address)'} left out: not found")
                _drop_image(image)
                continue
            block = figure if figure is not None else image
            while block.getparent() is not None and block.getparent() is not root:
                block = block.getparent()
            marker = lxml.html.fromstring(_directive("photo", [key]))
            marker.tail = block.tail
            block.tail = None
            if block is image or block is figure or not block.text_content().strip():
                block.addprevious(marker)
                block.getparent().remove(block)
            else:
                block.addnext(marker)
                _drop_image(image)

    def _unsafe_elements(self, root) -> None:
        """Elements the sanitiser removes with their content: an embedded frame or player becomes a
        link to its address; scripts (except a tweet's, whose quote is converted) are reported."""
        for element in list(root.iter(*_UNSAFE_TAGS)):
            if element.getparent() is None:
                continue
            source = element.get("src") or element.get("data") or next(
                (s.get("src") for s in element.iter("source") if s.get("src")), "")
            if element.tag == "script" and "twitter" in (source or "") + (element.get("class") or ""):
                element.drop_tree()
                continue
            if source:
                self._kept.append(f"the <{element.tag}> of {source} kept as a link")
                link = lxml.html.fromstring(f'<p><a href="{html_module.escape(source)}">'
                                            f"{html_module.escape(source)}</a></p>")
                link.tail = element.tail
                element.addprevious(link)
                element.getparent().remove(element)
            else:
                self._kept.append(f"a <{element.tag}> without an address removed (unsafe)")
                element.drop_tree()


def _caption_of(image) -> str:
    """The figure's caption as text; a ``<small class="credit">`` (this blog's own exports put the
    photo's credit there) is not part of it."""
    figure = next(image.iterancestors("figure"), None)
    caption = next(figure.iter("figcaption"), None) if figure is not None else None
    if caption is None:
        return ""
    words = "".join(t for t in caption.itertext() if not any(
        "credit" in (e.get("class") or "").split() for e in _text_owners(caption, t)))
    return re.sub(r"\s+", " ", words).strip()


def _text_owners(caption, text: str) -> list:
    return [e for e in caption.iter() if e.text == text and e is not caption]


def _drop_image(image) -> None:
    parent = image.getparent()
    if parent is not None and parent.tag == "a" and not parent.text_content().strip() and len(parent) == 1:
        parent.drop_tree()
    else:
        image.drop_tree()


def _directive(kind: str, keys: list[str]) -> str:
    return f"<p>[[{kind}:{','.join(dict.fromkeys(keys))}]]</p>" if keys else ""
