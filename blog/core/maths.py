"""TeX formulas as MathML, made once on save, with the TeX kept beside them.

An author writes ``$...$`` (inline) or ``$$...$$`` (display) in Markdown; the
Markdown pipeline hands each formula to ``formula_html``, which returns

    <math display="inline|block"><semantics><mrow>…</mrow>
      <annotation encoding="application/x-tex">TeX</annotation></semantics></math>

Browsers show the MathML; the annotation keeps the source for copying, for
plain-text extraction (excerpts, search, the text part of an email) and for
mail clients that cannot show MathML (``math_as_tex``).

A formula latex2mathml cannot read (an error, unbalanced braces, an unknown
command) is shown as its TeX source in ``<code>``: nothing an author typed is
lost, and a typo never breaks the save.
"""
from __future__ import annotations

import re

from latex2mathml.converter import convert
from lxml import html as lxml_html
from markupsafe import escape

TEX_ENCODING = "application/x-tex"
UNREADABLE = "This formula could not be read: check its TeX"
_MATH_BODY = re.compile(r"^<math\b[^>]*>(.*)</math>$", re.DOTALL)
# latex2mathml keeps a command it does not know as the text of a token element: ``<mi>\foo</mi>``.
_UNKNOWN_COMMAND = re.compile(r">\\[A-Za-z]+")


class FormulaError(ValueError):
    """The TeX could not be turned into MathML."""


def _balanced(tex: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", tex):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def tex_to_mathml(tex: str, *, display: bool) -> str:
    """A ``<math>`` element for ``tex`` with the TeX as its annotation.

    :raise FormulaError: the TeX has unbalanced braces, an unknown command, or latex2mathml fails on it.
    """
    if not _balanced(tex):
        raise FormulaError("unbalanced braces")
    try:
        converted = convert(tex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many unrelated types (and IndexError) on bad input
        raise FormulaError(str(error) or type(error).__name__) from error
    body = _MATH_BODY.match(converted.strip())
    if body is None or _UNKNOWN_COMMAND.search(body.group(1)):
        raise FormulaError("unknown command")
    mode = "block" if display else "inline"
    return (f'<math display="{mode}"><semantics><mrow>{body.group(1)}</mrow>'
            f'<annotation encoding="{TEX_ENCODING}">{escape(tex)}</annotation></semantics></math>')


def formula_html(tex: str, *, display: bool, own_block: bool | None = None) -> str:
    """The HTML for one formula: MathML, or its source as code if it cannot be read.

    ``own_block`` (by default: when ``display``) says the formula stands on its own lines and
    may be a ``<div>``; ``$$...$$`` inside a paragraph is display maths in a ``<span>``.
    """
    tex = tex.strip()
    own_block = display if own_block is None else own_block
    marker = "$$" if display else "$"
    try:
        mathml = tex_to_mathml(tex, display=display)
    except FormulaError:
        if own_block:
            return f'<pre class="math-error" title="{UNREADABLE}"><code>$$\n{escape(tex)}\n$$</code></pre>\n'
        return f'<code class="math-error" title="{UNREADABLE}">{marker}{escape(tex)}{marker}</code>'
    kind = "display" if display else "inline"
    if own_block:
        return f'<div class="math {kind}">{mathml}</div>\n'
    return f'<span class="math {kind}">{mathml}</span>'


def math_as_tex(html: str) -> str:
    """Clean HTML with each ``<math>`` replaced by its TeX annotation in ``<code>``.

    For email: most mail clients drop MathML but keep its text, which would run the
    rendered symbols and the TeX together. Display formulas keep ``$$``, inline ones ``$``.
    """
    if "<math" not in (html or ""):
        return html or ""
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    for math in root.xpath("//math"):
        annotation = math.xpath(f".//annotation[@encoding='{TEX_ENCODING}']")
        tex = annotation[0].text_content() if annotation else math.text_content()
        marker = "$$" if math.get("display") == "block" else "$"
        code = lxml_html.Element("code", {"class": "math"})
        code.text = f"{marker}{tex}{marker}"
        code.tail = math.tail
        math.getparent().replace(math, code)
    return "".join(
        [root.text and str(escape(root.text)) or ""]
        + [lxml_html.tostring(child, encoding="unicode") for child in root]
    )
