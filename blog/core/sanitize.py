"""HTML sanitising: the only module that imports bleach.

Everything a person types that ends up as HTML passes through ``clean_html``
(or ``linkify_text`` for plain text such as a quoted social post) once, when it
is saved. Pages only read the stored, already clean result.
"""
from __future__ import annotations

import html
import re
import threading

import bleach
from bleach.linkifier import Linker
from bleach.html5lib_shim import Filter
from markupsafe import Markup, escape

# The presentation MathML that ``core.maths`` (latex2mathml) writes, wrapped in <semantics> with the
# TeX as a text <annotation>. Left out on purpose: <annotation-xml> (it may hold HTML), <maction>,
# <mglyph> (an image source) and the ``href``, ``style`` and event attributes.
MATHML_TAGS = frozenset({
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac",
    "msqrt", "mroot", "msub", "msup", "msubsup", "munder", "mover", "munderover", "mtable", "mtr",
    "mtd", "mstyle", "mpadded", "mphantom", "menclose",
})
MATHML_ATTRIBUTES = {
    "math": ["display"],
    "annotation": ["encoding"],
    "mi": ["mathvariant"],
    "mn": ["mathvariant"],
    "mtext": ["mathvariant"],
    "mo": ["mathvariant", "accent", "stretchy", "fence", "separator", "form", "largeop", "movablelimits",
           "lspace", "rspace", "minsize", "maxsize"],
    "mfrac": ["linethickness"],
    "mspace": ["width", "height", "depth"],
    "mpadded": ["width", "height", "depth", "lspace", "voffset"],
    "mover": ["accent"],
    "munder": ["accentunder"],
    "munderover": ["accent", "accentunder"],
    "mstyle": ["displaystyle", "scriptlevel", "mathvariant", "mathsize", "mathcolor", "mathbackground"],
    "mtable": ["columnalign", "columnspacing", "columnlines", "rowlines", "rowspacing"],
    "mtd": ["columnalign"],
    "menclose": ["notation"],
}

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul",
}) | MATHML_TAGS

COMMON_ATTRIBUTES = ["class", "id", "title", "lang", "dir"]
ALLOWED_ATTRIBUTES = {
    "*": COMMON_ATTRIBUTES,
    "a": COMMON_ATTRIBUTES + ["href", "rel", "hreflang", "aria-label"],
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
    **{tag: COMMON_ATTRIBUTES + names for tag, names in MATHML_ATTRIBUTES.items()},
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})

# What browsers drop before reading a URL's scheme (the WHATWG URL parser): tab, LF and CR
# anywhere; C0 controls and spaces at either end.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_URL_EDGES = "".join(chr(c) for c in range(0x21))
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def is_safe_url(value: str) -> bool:
    """True for a relative URL or one whose scheme is in ``ALLOWED_PROTOCOLS``.

    The value is read as a browser would: entities decoded (``&#106;avascript:``),
    tabs and newlines removed (``java\tscript:``), controls and spaces trimmed and
    case ignored. bleach alone lets ``javascript:123`` through, because Python's
    ``urlparse`` reads the digits as a port of a scheme-less URL.
    """
    for candidate in (value, html.unescape(value)):
        cleaned = _URL_IGNORED.sub("", candidate).strip(_URL_EDGES)
        match = _SCHEME.match(cleaned)
        if match and match.group(1).lower() not in ALLOWED_PROTOCOLS:
            return False
    return True


def srcset_urls(value: str) -> list[str]:
    """The image URLs of a ``srcset`` value, parsed as the HTML standard does.

    A URL is a run of non-space characters (trailing commas end the candidate);
    descriptors follow up to the next comma outside parentheses.
    """
    urls: list[str] = []
    position, length = 0, len(value)
    while position < length:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url = value[start:position]
        if not url:
            break
        if url.endswith(","):
            urls.append(url.rstrip(","))
            continue
        urls.append(url)
        depth = 0
        while position < length and (value[position] != "," or depth):
            depth += {"(": 1, ")": -1}.get(value[position], 0)
            position += 1
    return urls


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()) and name not in COMMON_ATTRIBUTES:
        return False
    if name in URL_ATTRIBUTES:
        return is_safe_url(value)
    if name == "srcset":
        return all(is_safe_url(url) for url in srcset_urls(value))
    return True


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


def _new_cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
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


_per_thread = threading.local()


def _tools() -> tuple[bleach.Cleaner, Linker]:
    """This thread's cleaner and linker. bleach's keep parser state between calls and are not
    thread-safe: shared by the threads of one server, two concurrent saves or previews could
    each get part of the other's output."""
    tools = getattr(_per_thread, "tools", None)
    if tools is None:
        tools = _per_thread.tools = (_new_cleaner(), Linker(callbacks=[_safe_rel], parse_email=False))
    return tools


def clean_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes; drop everything else.

    Disallowed tags are stripped (their text kept); ``<script>`` and ``<style>``
    contents are removed along with them.
    """
    cleaner, _ = _tools()
    return cleaner.clean(_drop_executable_blocks(html))


def _drop_executable_blocks(html: str) -> str:
    # bleach keeps the text of stripped tags; the text of a script or style is code, not prose.
    return re.sub(r"(?is)<(script|style|template|noscript)\b.*?(</\1\s*>|$)", "", html)


def linkify_text(text: str) -> Markup:
    """Escape plain text and turn its URLs into safe links; keep line breaks as ``<br>``."""
    cleaner, linker = _tools()
    cleaned = cleaner.clean(linker.linkify(str(escape(text))))
    return Markup(cleaned.replace("\r\n", "\n").replace("\n", "<br>\n"))


def linkify_html(html: str) -> str:
    """Turn bare URLs inside already clean HTML into links, then clean again."""
    cleaner, linker = _tools()
    return cleaner.clean(linker.linkify(html))
