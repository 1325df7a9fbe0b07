"""Rich text pasted from Word, Google Docs or a web page, turned into clean Markdown.

Styling that carries meaning is first turned into tags (Google Docs marks bold and
italic with inline styles, and wraps everything in a non-bold ``<b>``), then the
HTML goes through the site's sanitiser (dropping styles, fonts, classes, comments
and scripts), then markdownify writes Markdown. The Markdown is sanitised again
like any other text when the post is rendered.
"""
from __future__ import annotations

import re

import lxml.html
from markdownify import markdownify

from blog.core.sanitize import clean_html

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


def html_to_markdown(html: str) -> str:
    """Markdown for pasted HTML: headings, emphasis, links, lists and quotes kept; the rest dropped."""
    html = (html or "")[:MAX_PASTE_CHARS]
    # Word puts the pasted part between these markers; outside them is style and metadata.
    fragment = re.search(r"<!--StartFragment-->(.*?)<!--EndFragment-->", html, re.S)
    if fragment:
        html = fragment.group(1)
    html = re.sub(r"(?is)<(head|style|script|xml)\b.*?</\1\s*>", "", html)
    cleaned = clean_html(_normalise(html))
    markdown = markdownify(cleaned, heading_style="ATX", bullets="-", strong_em_symbol="*",
                           escape_underscores=False, escape_misc=False, strip=["img", "span", "div"])
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    return markdown.replace("\u00a0", " ")
