"""Maths (``$...$``, ``$$...$$``) and footnotes through the one Markdown pipeline."""
import re

import pytest
from bs4 import BeautifulSoup

from blog.core.markdown import excerpt_from, plain_text, render_markdown
from blog.core.maths import formula_html, math_as_tex
from blog.core.sanitize import clean_html
from blog.newsletter.plaintext import html_to_text


def _elements(html: str) -> list[tuple[str, dict, str]]:
    """Each element's name, attributes and own text, in document order."""
    return [(tag.name, tag.attrs, tag.string or "") for tag in BeautifulSoup(html, "html.parser").find_all(True)]


def _maths(html: str):
    return BeautifulSoup(html, "html.parser").find_all("math")


def test_inline_formula_becomes_mathml_with_the_tex_as_annotation():
    html = render_markdown(r"Euler: $e^{i\pi} + 1 = 0$.")
    (math,) = _maths(html)
    assert math["display"] == "inline"
    assert math.find("msup") is not None and math.find("mi").text == "e"
    annotation = math.find("semantics").find("annotation")
    assert annotation["encoding"] == "application/x-tex"
    assert annotation.text == r"e^{i\pi} + 1 = 0"
    assert math.parent.name == "span" and math.parent.parent.name == "p"


def test_display_formula_on_its_own_lines_is_a_block():
    html = render_markdown("Before.\n\n$$\n\\frac{a}{b}\n$$\n\nAfter.")
    (math,) = _maths(html)
    assert math["display"] == "block" and math.find("mfrac") is not None
    assert math.parent.name == "div" and "display" in math.parent["class"]
    assert math.find("annotation").text == r"\frac{a}{b}"


def test_display_formula_inside_a_paragraph_stays_phrasing_content():
    html = render_markdown("So $$x^2$$ holds.")
    (math,) = _maths(html)
    assert math["display"] == "block"
    assert math.parent.name == "span" and math.parent.parent.name == "p"


def test_tex_special_characters_are_escaped_in_the_annotation():
    html = render_markdown("$a<b$ and $x > y$")
    annotations = [a.text for a in BeautifulSoup(html, "html.parser").find_all("annotation")]
    assert annotations == ["a<b", "x > y"]
    assert "<b$" not in html


@pytest.mark.parametrize("source", [
    r"Bad $\frac{a$ formula.",         # unbalanced braces
    r"Bad $\notacommand x$ formula.",  # unknown command
    r"Bad $x^$ formula.",              # latex2mathml raises
    r"Bad $\left( x$ formula.",
])
def test_a_formula_that_cannot_be_read_shows_its_source_as_code(source):
    html = render_markdown(source)
    assert "<math" not in html
    code = BeautifulSoup(html, "html.parser").find("code", class_="math-error")
    tex = source.split("$")[1]
    assert code.text == f"${tex}$" and code["title"].startswith("This formula could not be read")
    assert "formula." in html


def test_a_bad_display_formula_is_a_code_block():
    html = render_markdown("$$\n\\sqrt\n$$")
    pre = BeautifulSoup(html, "html.parser").find("pre", class_="math-error")
    assert pre is not None and "\\sqrt" in pre.text and "<math" not in html


@pytest.mark.parametrize("prose", [
    "It cost $5 and $10.",
    "Tickets are $5, $10 or $20.",
    "Between $5 and $ 10 a head.",
    "From $3.50 to $4.",
    "We raised $1,000 (and $500 more).",
    "A price of $ 5 $ is odd.",
    r"Escaped \$x\$ stays text.",
    "Code `$x$` stays code.",
])
def test_dollar_amounts_in_prose_are_not_maths(prose):
    html = render_markdown(prose)
    assert "<math" not in html and "math-error" not in html
    assert "$" in html


def test_maths_next_to_prices_in_one_paragraph():
    html = render_markdown("It cost $5, and $x = 2$ is the answer.")
    (math,) = _maths(html)
    assert math.find("annotation").text == "x = 2"
    assert "It cost $5, and" in html


def test_sanitiser_keeps_mathml_but_drops_anything_executable():
    hostile = (
        '<p><math display="block" onclick="alert(1)" href="javascript:alert(1)" style="color:red">'
        '<semantics><mrow><mi xlink:href="javascript:alert(2)" onmouseover="alert(3)">x</mi>'
        '<maction actiontype="statusline"><mtext>y</mtext></maction>'
        '<mtext><script>alert(4)</script><style>*{}</style></mtext>'
        '<mglyph src="https://tracker.example/p.png"></mglyph></mrow>'
        '<annotation-xml encoding="text/html"><img src="x" onerror="alert(5)"></annotation-xml>'
        '<annotation encoding="application/x-tex">x</annotation></semantics></math></p>'
    )
    cleaned = clean_html(hostile)
    for bad in ("alert", "onclick", "onmouseover", "href", "style", "maction", "mglyph",
                "annotation-xml", "<img", "script", "tracker"):
        assert bad not in cleaned, bad
    soup = BeautifulSoup(cleaned, "html.parser")
    assert soup.find("math")["display"] == "block"
    assert soup.find("annotation")["encoding"] == "application/x-tex"
    assert soup.find("mi").text == "x"


@pytest.mark.parametrize("payload", [
    # Namespace confusion between HTML and MathML parsing (mutation XSS in sanitisers).
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<math><mi><svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg></mi></math>",
    '<math><annotation-xml encoding="text/html"><iframe src="javascript:alert(1)"></iframe></annotation-xml></math>',
    "<math><mtext><p><style></p><img src=x onerror=alert(1)></style></mtext></math>",
])
def test_mathml_namespace_tricks_come_out_inert(payload):
    cleaned = clean_html(payload)
    for bad in ("onerror", "alert", "<img", "<iframe", "<svg", "<style", "foreignobject"):
        assert bad not in cleaned.lower(), cleaned
    assert clean_html(cleaned) == cleaned  # parsing the result again changes nothing


@pytest.mark.parametrize("tex", [
    r"\sum_{i=1}^{n} \sqrt[3]{x_i} \leq \begin{pmatrix}a & b\\ c & d\end{pmatrix}",
    r"\displaystyle \lim_{n \to \infty} \overbrace{a+b}^{k} = \hat{x} + \underline{y}",
    r"\color{red}{x} \mathbb{R} \mathcal{F} \text{if } \hspace{1em} \phantom{x} \boxed{y}",
    r"\left( \frac{1}{2} \right) \binom{n}{k} \begin{array}{c|c} 1 & 2 \\ \hline 3 & 4 \end{array}",
])
def test_what_latex2mathml_writes_passes_the_sanitiser_whole(tex):
    """The allow-list grants every element and attribute the converter uses, so nothing is lost."""
    for display in (False, True):
        html = formula_html(tex, display=display)
        assert "<math" in html, html
        assert _elements(clean_html(html)) == _elements(html)


def test_plain_text_of_a_formula_is_its_tex():
    html = render_markdown(r"Euler: $e^{i\pi} + 1 = 0$ is neat.")
    assert plain_text(html) == r"Euler: e^{i\pi} + 1 = 0 is neat."
    assert excerpt_from(html) == plain_text(html)


def test_plain_text_leaves_out_footnote_numbers_and_back_links():
    html = render_markdown("A claim[^1] stands.\n\n[^1]: The source.")
    assert plain_text(html) == "A claim stands. Notes The source."


FOOTNOTED = "Claim[^a] and another[^b], again[^a].\n\n[^a]: First note.\n[^b]: Second note."


def test_footnotes_are_a_notes_section_with_accessible_links():
    soup = BeautifulSoup(render_markdown(FOOTNOTED), "html.parser")
    section = soup.find("section", class_="footnotes")
    assert section.find("h2").text == "Notes"
    refs = soup.select("sup.footnote-ref a")
    assert [a.text for a in refs] == ["1", "2", "1"]
    assert [a["aria-label"] for a in refs] == ["Note 1", "Note 2", "Note 1"]
    notes = section.select("li.footnote-item")
    assert [li["id"] for li in notes] == [refs[0]["href"][1:], refs[1]["href"][1:]]
    backrefs = section.select("a.footnote-backref")
    assert [a["aria-label"] for a in backrefs] == [
        "Back to reference 1", "Back to reference 1 (2)", "Back to reference 2"]
    # Every back-link leads to a reference that exists.
    assert {a["href"][1:] for a in backrefs} == {a["id"] for a in refs}


def test_footnote_ids_differ_between_posts_and_are_stable_for_one():
    one, other = render_markdown(FOOTNOTED), render_markdown(FOOTNOTED.replace("Claim", "Other claim"))
    ids = [set(re.findall(r'\sid="([^"]+)"', html)) for html in (one, other)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    assert render_markdown(FOOTNOTED) == one


def test_email_shows_formulas_as_tex_and_footnotes_as_readable_text():
    html = render_markdown("Energy $E = mc^2$ matters[^1].\n\n$$\n\\int_0^1 x\\,dx\n$$\n\n[^1]: Einstein, 1905.")
    mail_html = math_as_tex(html)
    assert "<math" not in mail_html
    assert '<code class="math">$E = mc^2$</code>' in mail_html
    text = html_to_text(mail_html)
    assert "Energy $E = mc^2$ matters[1]." in text
    assert "$$\\int_0^1 x\\,dx$$" in text
    assert "Notes\n-----\n\n1. Einstein, 1905." in text
    assert "↩" not in text and "fnref" not in text
