"""HTML sanitising: the only module that imports bleach.

Everything a person types that ends up as HTML passes through ``clean_html``
(or ``linkify_text`` for plain text such as a quoted social post) once, when it
is saved. Pages only read the stored, already clean result.
"""
from __future__ import annotations

import re

import bleach
from bleach.linkifier import Linker
from bleach.html5lib_shim import Filter
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul",
})

COMMON_ATTRIBUTES = ["class", "id", "title", "lang", "dir"]
ALLOWED_ATTRIBUTES = {
    "*": COMMON_ATTRIBUTES,
    "a": COMMON_ATTRIBUTES + ["href", "rel", "hreflang"],
    "img": COMMON_ATTRIBUTES + ["src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"],
    "blockquote": COMMON_ATTRIBUTES + ["cite"],
    "q": COMMON_ATTRIBUTES + ["cite"],
    "del": COMMON_ATTRIBUTES + ["cite", "datetime"],
    "ins": COMMON_ATTRIBUTES + ["cite", "datetime"],
    "time": COMMON_ATTRIBUTES + ["datetime"],
    "td": COMMON_ATTRIBUTES + ["colspan", "rowspan"],
    "th": COMMON_ATTRIBUTES + ["colspan", "rowspan", "scope"],
    "ol": COMMON_ATTRIBUTES + ["start", "reversed", "type"],
    "li": COMMON_ATTRIBUTES + ["value"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})

_BROWSER_IGNORED = re.compile(r"[\x00-\x20]")


def is_site_image(src: str) -> bool:
    """Whether an image address is a path on this site. Anything else would make every reader's
    browser or mail client call another server (a tracking pixel, or a link with personal data)."""
    path = _BROWSER_IGNORED.sub("", src or "").replace("\\", "/")  # as browsers read it
    return path.startswith("/") and not path.startswith("//")


class _SiteImagesOnly(Filter):
    """Replace an ``<img>`` from another server by its alt text: content shows only uploaded photos."""

    def __iter__(self):
        for token in super().__iter__():
            if token.get("name") == "img" and token["type"] in ("StartTag", "EmptyTag") \
                    and not is_site_image(token["data"].get((None, "src"), "")):
                alt = token["data"].get((None, "alt"), "")
                if alt:
                    yield {"type": "Characters", "data": alt}
                continue
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_SiteImagesOnly],
)


def _safe_rel(attrs, new=False):
    """Links made from text, and links to other sites, get ``rel="nofollow noopener"``."""
    href = attrs.get((None, "href"), "")
    if href.startswith(("http://", "https://")):
        attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_linker = Linker(callbacks=[_safe_rel], parse_email=False)


def clean_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes; drop everything else.

    Disallowed tags are stripped (their text kept); ``<script>`` and ``<style>``
    contents are removed along with them.
    """
    return _cleaner.clean(_drop_executable_blocks(html))


def _drop_executable_blocks(html: str) -> str:
    # bleach keeps the text of stripped tags; the text of a script or style is code, not prose.
    return re.sub(r"(?is)<(script|style|template|noscript)\b.*?(</\1\s*>|$)", "", html)


def linkify_text(text: str) -> Markup:
    """Escape plain text and turn its URLs into safe links; keep line breaks as ``<br>``."""
    escaped = str(escape(text))
    linked = _linker.linkify(escaped)
    cleaned = _cleaner.clean(linked)
    return Markup(cleaned.replace("\r\n", "\n").replace("\n", "<br>\n"))


def linkify_html(html: str) -> str:
    """Turn bare URLs inside already clean HTML into links, then clean again."""
    return _cleaner.clean(_linker.linkify(html))
