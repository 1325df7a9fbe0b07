"""The one Markdown pipeline: CommonMark plus tables, footnotes, maths, strikethrough and attributes.

``render_markdown`` turns an author's Markdown into clean HTML once, when a
post (or event, or caption) is saved:

1. markdown-it-py renders CommonMark with the plugins authors need; ``$...$`` and
   ``$$...$$`` become MathML (``core.maths``), footnotes a "Notes" section whose ids
   carry a prefix per post (``render_markdown``), so several bodies in one document (a
   feed, a digest) never share an id;
2. a blockquote whose last paragraph starts with a dash ("— Name") becomes a
   pull quote: ``<figure class="pullquote"><blockquote>…</blockquote><figcaption>``;
3. ``core.sanitize.clean_html`` keeps only the allowlist;
4. block *directives* are expanded: a paragraph holding nothing but
   ``[[kind:key]]`` (for example ``[[photo:3f2a9c]]`` or ``[[quote:hope-tweet]]``)
   is replaced by the HTML that the feature registered for ``kind`` returns.

Directive renderers build their HTML from templates with autoescaping, so
they run after sanitising and may use attributes the allowlist does not need
to grant to authors. A directive that cannot be resolved is left as its text,
so nothing an author typed disappears.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from blog.core.maths import formula_html
from blog.core.sanitize import clean_html

DirectiveRenderer = Callable[[str], "Markup | str | None"]
_directives: dict[str, DirectiveRenderer] = {}

DIRECTIVE_PATTERN = re.compile(r"<p>\[\[([a-z][a-z0-9_-]*):([^\]\s<>\"']+)\]\]</p>")
DIRECTIVE_IN_SOURCE = re.compile(r"^\[\[([a-z][a-z0-9_-]*):([^\]\s<>\"']+)\]\]\s*$", re.MULTILINE)
ATTRIBUTION_DASHES = ("—", "–", "--")


def register_directive(kind: str, renderer: DirectiveRenderer) -> None:
    """Let a feature render ``[[kind:key]]`` blocks; ``renderer(key)`` returns HTML or None."""
    _directives[kind] = renderer


def directives_in(markdown_text: str) -> list[tuple[str, str]]:
    """The ``(kind, key)`` pairs a Markdown text refers to, in order of appearance."""
    return DIRECTIVE_IN_SOURCE.findall(markdown_text or "")


def _build_parser() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"typographer": False, "linkify": False})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
        # Pandoc's rules for prose with prices: no space inside the dollars, no digit after
        # the closing one, so "it cost $5 and $10" stays text.
        .use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False,
             allow_blank_lines=False, double_inline=True)
        .use(attrs_plugin)
        .use(attrs_block_plugin)
    )
    # Before inline parsing, so the dash can be removed from the raw attribution text.
    md.core.ruler.after("block", "pull_quotes", _mark_pull_quotes)
    md.core.ruler.push("cell_alignment_classes", _alignment_as_class)
    md.add_render_rule("blockquote_open", _render_blockquote_open)
    md.add_render_rule("blockquote_close", _render_blockquote_close)
    md.add_render_rule("paragraph_open", _render_paragraph_open)
    md.add_render_rule("paragraph_close", _render_paragraph_close)
    md.add_render_rule("math_inline", lambda self, tokens, idx, options, env:
                       formula_html(tokens[idx].content, display=False))
    # ``$$...$$`` inside a paragraph: display maths, but in a <span> (a <div> cannot be in a <p>).
    md.add_render_rule("math_inline_double", lambda self, tokens, idx, options, env:
                       formula_html(tokens[idx].content, display=True, own_block=False))
    md.add_render_rule("math_block", lambda self, tokens, idx, options, env:
                       formula_html(tokens[idx].content, display=True))
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_block_open", _render_footnote_block_open)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    return md


def _footnote_ids(self, tokens, idx, options, env) -> tuple[str, str, str]:
    """The note's number as shown, its id and the id of this reference to it."""
    number = str(tokens[idx].meta["id"] + 1)
    name = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    sub = tokens[idx].meta.get("subId", -1)
    ref = f"fnref{name}" + (f"-{sub}" if sub > 0 else "")
    return number, f"fn{name}", ref


def _render_footnote_ref(self, tokens, idx, options, env):
    number, note_id, ref_id = _footnote_ids(self, tokens, idx, options, env)
    return (f'<sup class="footnote-ref"><a href="#{note_id}" id="{ref_id}" '
            f'aria-label="Note {number}">{number}</a></sup>')


def _render_footnote_block_open(self, tokens, idx, options, env):
    return '<section class="footnotes">\n<h2>Notes</h2>\n<ol class="footnotes-list">\n'


def _render_footnote_anchor(self, tokens, idx, options, env):
    number, _, ref_id = _footnote_ids(self, tokens, idx, options, env)
    sub = tokens[idx].meta.get("subId", -1)
    label = f"Back to reference {number}" + (f" ({sub + 1})" if sub > 0 else "")
    return f' <a href="#{ref_id}" class="footnote-backref" aria-label="{label}">\u21a9\ufe0e</a>'


def _alignment_as_class(state) -> None:
    """Table cells say their alignment with a class, not ``style``: the CSP allows no inline style."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", "")
            if style.startswith("text-align:"):
                token.attrSet("class", "align-" + style.split(":", 1)[1].strip())


def _mark_pull_quotes(state) -> None:
    """Flag blockquotes whose last (not only) paragraph is an attribution line."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open":
            continue
        close = _matching_close(tokens, index)
        level = token.level + 1
        paragraphs = [
            i for i in range(index + 1, close)
            if tokens[i].type == "paragraph_open" and tokens[i].level == level
        ]
        if len(paragraphs) < 2:
            continue
        last = paragraphs[-1]
        inline = tokens[last + 1]
        content = inline.content.lstrip()
        dash = next((d for d in ATTRIBUTION_DASHES if content.startswith(d)), None)
        if dash is None:
            continue
        inline.content = content[len(dash):].strip()
        for flagged in (token, tokens[close], tokens[last], tokens[last + 2]):
            flagged.meta["pullquote"] = True


def _matching_close(tokens, open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].type == "blockquote_open":
            depth += 1
        elif tokens[index].type == "blockquote_close":
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def _render_blockquote_open(self, tokens, idx, options, env):
    prefix = '<figure class="pullquote">\n' if tokens[idx].meta.get("pullquote") else ""
    return prefix + self.renderToken(tokens, idx, options, env)


def _render_blockquote_close(self, tokens, idx, options, env):
    if tokens[idx].meta.get("pullquote"):
        return "</figure>\n"
    return self.renderToken(tokens, idx, options, env)


def _render_paragraph_open(self, tokens, idx, options, env):
    # The attribution is the figure's caption, outside the quoted words.
    if tokens[idx].meta.get("pullquote"):
        return "</blockquote>\n<figcaption>— "
    return self.renderToken(tokens, idx, options, env)


def _render_paragraph_close(self, tokens, idx, options, env):
    if tokens[idx].meta.get("pullquote"):
        return "</figcaption>\n"
    return self.renderToken(tokens, idx, options, env)


_parser = _build_parser()


def render_markdown(text: str, *, page_key: str | None = None) -> str:
    """Markdown to clean HTML, with directives expanded. Call on save, never on read.

    Footnote ids are ``fn-<prefix>-1`` and ``fnref-<prefix>-1``, the prefix a short hash of
    ``page_key`` (a post's slug: the same on every save, so links to a note last) or, without
    one, of the text; either way two bodies shown on one page never share an id.
    """
    text = text or ""
    key = page_key if page_key is not None else text
    env = {"docId": hashlib.blake2s(key.encode(), digest_size=4).hexdigest()}
    html = clean_html(_parser.render(text, env))
    return expand_directives(html)


def expand_directives(html: str) -> str:
    def replace(match: re.Match) -> str:
        kind, key = match.group(1), match.group(2)
        renderer = _directives.get(kind)
        rendered = renderer(key) if renderer else None
        return str(rendered) if rendered else match.group(0)

    return DIRECTIVE_PATTERN.sub(replace, html)


def render_inline(text: str) -> str:
    """Inline Markdown only (for captions and credits): no blocks, same sanitising."""
    return clean_html(_parser.renderInline(text or ""))


# Elements a browser lays out on their own line (or cell): only their edges separate words.
# Inline elements (em, a, code, span, ...) join their text to its neighbours as written.
_BLOCK_ELEMENTS = frozenset("""
    address article aside blockquote br dd details div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6
    header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul
""".split())
_UNSHOWN_ELEMENTS = frozenset({"script", "style", "template"})


_FOOTNOTE_MARKS = frozenset({"footnote-ref", "footnote-backref"})


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.unshown = 0
        self.in_math = self.in_annotation = False
        self.skipped_tag: str | None = None  # a footnote's number or back-link: not words of the text

    def handle_starttag(self, tag, attrs):
        if self.skipped_tag is None and _FOOTNOTE_MARKS & set((dict(attrs).get("class") or "").split()):
            self.skipped_tag = tag
        elif tag in _UNSHOWN_ELEMENTS:
            self.unshown += 1
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append(" ")
        elif tag == "math":
            self.in_math = True
        elif tag == "annotation":
            self.in_annotation = True

    def handle_endtag(self, tag):
        if tag == self.skipped_tag:
            self.skipped_tag = None
        elif tag in _UNSHOWN_ELEMENTS:
            self.unshown = max(0, self.unshown - 1)
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append(" ")
        elif tag == "math":
            self.in_math = False
        elif tag == "annotation":
            self.in_annotation = False

    def handle_data(self, data):
        # A formula's text is its TeX source (the annotation); its MathML symbols ran together.
        if not self.unshown and self.skipped_tag is None and (self.in_annotation or not self.in_math):
            self.parts.append(data)


def plain_text(html: str) -> str:
    """Text of clean HTML as a browser shows it, whitespace folded: for excerpts, descriptions, search.

    A space separates blocks only; ``(<a>University</a>)`` stays ``(University)``.
    """
    extractor = _TextExtractor()
    extractor.feed(html or "")
    extractor.close()
    return re.sub(r"\s+", " ", "".join(extractor.parts)).strip()


def excerpt_from(html: str, limit: int = 280) -> str:
    """The first ``limit`` characters of the text, cut at a word boundary with an ellipsis."""
    text = plain_text(html)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"
