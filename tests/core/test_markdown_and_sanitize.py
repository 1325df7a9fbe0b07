"""The Markdown pipeline and the sanitiser: what authors write, and what hostile input becomes."""
import pytest

from blog.core.markdown import directives_in, excerpt_from, register_directive, render_inline, render_markdown
from blog.core.sanitize import clean_html, linkify_text


def test_inline_formatting_links_and_unicode_survive():
    html = render_markdown("On *netGUARD*’s “day” – **bold** and [a link](https://example.org/x).")
    assert "<em>netGUARD</em>’s “day” – <strong>bold</strong>" in html
    assert '<a href="https://example.org/x">a link</a>' in html


def test_tables_footnotes_strikethrough_and_attributes():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^n] ~~gone~~\n\n[^n]: A note.\n\n"
                           "![Alt text](/media/x.jpg){.wide}\n")
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="footnote-ref"' in html and "A note." in html
    assert "<s>gone</s>" in html
    assert '<img src="/media/x.jpg" alt="Alt text" class="wide">' in html


def test_table_alignment_is_a_class_because_the_csp_forbids_inline_style():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert '<th class="align-left">a</th>' in html and '<td class="align-right">2</td>' in html
    assert "style=" not in html
    assert "style=" not in render_markdown('<p style="color:red">x</p>')


def test_blockquote_with_attribution_becomes_pull_quote_figure():
    html = render_markdown("> A sense of hope is essential.\n>\n> — Dr Jane Doe, *Uni*\n")
    assert html.startswith('<figure class="pullquote">\n<blockquote>\n<p>A sense of hope is essential.</p>\n'
                           '</blockquote>\n<figcaption>— Dr Jane Doe, <em>Uni</em></figcaption>\n</figure>')


def test_single_dash_paragraph_is_an_ordinary_quote():
    html = render_markdown("> — just a dash\n")
    assert "<figure" not in html and "<blockquote>" in html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<style>body{display:none}</style>',
    '<svg onload="alert(1)"><circle/></svg>',
    '[x](javascript:alert(1))',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<form action="https://evil.example"><input name=a></form>',
])
def test_hostile_html_comes_out_inert(hostile):
    html = render_markdown(f"Before\n\n{hostile}\n\nAfter")
    lowered = html.lower()
    for needle in ("<script", "onerror", "onload", "href=\"javascript", "<iframe", "<style", "<svg", "href=\"data",
                   "<form", "<input", "alert(1)</script"):
        assert needle not in lowered
    assert "Before" in html and "After" in html


def test_clean_html_keeps_allowed_markup_and_drops_the_rest():
    assert clean_html('<p class="x" onclick="y">Hi <em>there</em></p>') == '<p class="x">Hi <em>there</em></p>'


def test_linkify_text_escapes_and_links_with_safe_rel():
    html = linkify_text("See https://example.org/a?b=1&c=2 <b>now</b>\nnext line")
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener">' in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html
    assert "<br>" in html


def test_directives_expand_after_sanitising_and_unknown_ones_stay_as_text():
    register_directive("testcard", lambda key: f'<div class="card" data-key="{key}">card</div>' if key == "ok" else None)
    html = render_markdown("Intro\n\n[[testcard:ok]]\n\n[[testcard:missing]]\n\n[[nosuch:1]]\n\nInline [[testcard:ok]] text")
    assert '<div class="card" data-key="ok">card</div>' in html
    assert "<p>[[testcard:missing]]</p>" in html
    assert "<p>[[nosuch:1]]</p>" in html
    assert "<p>Inline [[testcard:ok]] text</p>" in html
    assert directives_in("a\n[[photo:x1]]\n\n[[social:y-2]]\n") == [("photo", "x1"), ("social", "y-2")]


def test_excerpt_is_cut_at_a_word_with_an_ellipsis():
    html = render_markdown("word " * 100)
    excerpt = excerpt_from(html, limit=30)
    assert excerpt.endswith("…") and len(excerpt) <= 31 and "  " not in excerpt


def test_render_inline_has_no_blocks():
    assert render_inline("From *left* to right") == "From <em>left</em> to right"
