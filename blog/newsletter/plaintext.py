"""A post body (stored, sanitised HTML) as the plain-text part of an email, readable as it is.

Not Markdown: no ``*emphasis*``, ``## headings`` or ``[text](url)`` syntax. Paragraphs
are wrapped at 72 characters; headings are underlined; a link's address follows its text
in angle brackets (unless the text is the address, or a handle or hashtag of a quoted
post); a photo is named by its alt text, with its caption and its credit each on a line
of their own; quotations and list items are indented. A footnote reference is ``[1]`` and
the notes lose their back-links.
"""
from __future__ import annotations

import re
import textwrap

from lxml import html as lxml_html

WIDTH = 72
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = _HEADINGS | {"p", "div", "section", "figure", "figcaption", "blockquote", "ul", "ol", "li", "pre",
                       "table", "thead", "tbody", "tfoot", "tr", "hr", "dl", "dt", "dd", "details", "summary",
                       "footer", "picture"}
_BREAK = "\ue000"  # a line break inside a paragraph (a private-use character), kept through collapsing
_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def html_to_text(html: str, width: int = WIDTH) -> str:
    if not (html or "").strip():
        return ""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    return "\n\n".join(_blocks(root, "", width)).strip("\n")


def _wrap(text: str, prefix: str, width: int, first: str | None = None) -> str:
    lines = []
    for n, line in enumerate(_SPACE.sub(" ", text).strip(" ").split(_BREAK)):
        line = line.strip()
        if not line:
            continue
        lead = first if first is not None and not lines and n == 0 else prefix
        lines.append(textwrap.fill(line, width, initial_indent=lead, subsequent_indent=prefix,
                                   break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines)


def _inline(element) -> str:
    """The text of an element's inline content (a <br> as ``_BREAK``), with link targets."""
    return (element.text or "") + "".join(_inline_child(child) + (child.tail or "") for child in element)


def _inline_child(child) -> str:
    tag = child.tag if isinstance(child.tag, str) else ""  # comments have a function as their tag
    if tag == "br":
        return _BREAK
    if tag == "img":
        alt = (child.get("alt") or "").strip()
        return f"[Photo: {alt}]" if alt else "[Photo]"
    classes = (child.get("class") or "").split() if tag else []
    if "footnote-backref" in classes:  # the reader of a text finds their place again unaided
        return ""
    if "footnote-ref" in classes:
        return f"[{_SPACE.sub(' ', child.text_content()).strip()}]"
    if tag == "a":
        text, href = _inline(child), (child.get("href") or "").strip()
        shown = _SPACE.sub(" ", text).strip()
        if href and shown not in (href, href.removeprefix("mailto:")) and not shown.startswith(("@", "#")):
            return f"{text} <{href}>"
        return text
    return _inline(child) if tag else ""


def _blocks(element, prefix: str, width: int) -> list[str]:
    """The element's content as text blocks (to be separated by blank lines)."""
    blocks: list[str] = []
    pending = [element.text or ""]

    def flush():
        text = _wrap("".join(pending), prefix, width)
        if text:
            blocks.append(text)
        pending.clear()

    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag not in _BLOCKS:
            pending.append(_inline_child(child) + (child.tail or ""))
            continue
        flush()
        blocks.extend(_block(child, tag, prefix, width))
        pending.append(child.tail or "")
    flush()
    return blocks


def _block(element, tag: str, prefix: str, width: int) -> list[str]:
    if tag in _HEADINGS:
        title = _SPACE.sub(" ", _inline(element).replace(_BREAK, " ")).strip()
        return [f"{prefix}{title}\n{prefix}{'-' * min(len(title), width - len(prefix))}"] if title else []
    if tag in ("ul", "ol"):
        items = []
        for number, item in enumerate((li for li in element if li.tag == "li"), start=1):
            bullet = f"{number}. " if tag == "ol" else "- "
            inner = _blocks(item, prefix + " " * len(bullet), width)
            if inner:
                inner[0] = prefix + bullet + inner[0][len(prefix) + len(bullet):]
            items.append("\n".join(inner))
        return ["\n".join(items)] if items else []
    if tag == "blockquote":
        return _blocks(element, prefix + "    ", width)
    if tag == "figure":  # a photo, its caption and credit, or a quoted post: one block, line by line
        lines = _blocks(element, prefix, width)
        return ["\n".join(lines)] if lines else []
    if tag == "figcaption":
        for credit in element.xpath(".//small[contains(concat(' ', @class, ' '), ' credit ')]"):
            credit.text = _BREAK + (credit.text or "")  # the credit on its own line
        return _blocks(element, prefix, width)
    if tag == "pre":
        return ["\n".join(prefix + line for line in element.text_content().rstrip("\n").split("\n"))]
    if tag == "hr":
        return [prefix + "* * *"]
    if tag == "tr":
        cells = [_SPACE.sub(" ", _inline(cell).replace(_BREAK, " ")).strip() for cell in element]
        return [_wrap(" | ".join(c for c in cells if c), prefix, width)]
    return _blocks(element, prefix, width)
