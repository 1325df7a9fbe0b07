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


def _normalise(html: str) -> str:
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return html
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
