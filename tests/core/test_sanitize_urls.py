"""URLs in sanitised HTML: no script scheme survives in any spelling, in any URL attribute or srcset.

Property-style: every combination of scheme spelling (case, entities, tabs,
newlines, leading controls) and place (href, src, cite, each srcset candidate) is
generated, sanitised, then read back the way a browser reads it.
"""
from __future__ import annotations

import itertools
import re

import pytest
from bs4 import BeautifulSoup

from blog.core.markdown import render_markdown
from blog.core.sanitize import clean_html, linkify_html, srcset_urls

FORBIDDEN = ("javascript", "vbscript", "data", "file")


def _entity_forms(char: str) -> list[str]:
    return [char, f"&#{ord(char)};", f"&#x{ord(char):x};", f"&#X{ord(char):X};", f"&#0000{ord(char)};"]


def scheme_spellings(scheme: str) -> list[str]:
    """``scheme:`` written in the ways browsers still read as that scheme."""
    spellings = {f"{scheme}:", f"{scheme.upper()}:", f"{scheme[0].upper()}{scheme[1:]}:"}
    spellings |= {f"{scheme}{colon}" for colon in _entity_forms(":") + ["&colon;"]}
    spellings |= {f"{form}{scheme[1:]}:" for form in _entity_forms(scheme[0])}
    for position in range(1, len(scheme)):
        for noise in ("\t", "\n", "\r", "&#9;", "&#x0A;", "&Tab;", "&NewLine;"):
            spellings.add(f"{scheme[:position]}{noise}{scheme[position:]}:")
    spellings |= {f"{lead}{scheme}:" for lead in (" ", "\x01", "\x1f", "&#32;", "&#x01;", "\t\n ")}
    return sorted(spellings)


PAYLOADS = ["123", "alert(1)", "alert(document.domain)//", "text/html,<b>x</b>"]
VARIANTS = sorted({spelling + payload for scheme in FORBIDDEN for spelling in scheme_spellings(scheme)
                   for payload in PAYLOADS})


def _attribute_html(url: str) -> list[str]:
    escaped = url.replace('"', "&quot;")
    return [
        f'<a href="{escaped}">x</a>',
        f"<a href='{escaped}'>x</a>",
        f'<img src="{escaped}" alt="">',
        f'<blockquote cite="{escaped}">q</blockquote>',
        f'<img src="/ok.jpg" srcset="{escaped} 1x" alt="">',
        f'<img src="/ok.jpg" srcset="/ok.jpg 1x, {escaped} 2x" alt="">',
        f'<img src="/ok.jpg" srcset="/a.jpg 480w,{escaped} 960w" alt="">',
    ]


def browser_urls(html: str) -> list[str]:
    """Every URL a browser would act on, entities decoded, as the URL parser sees its start."""
    urls = []
    for element in BeautifulSoup(html, "html.parser").find_all(True):
        for name in ("href", "src", "cite"):
            if element.has_attr(name):
                urls.append(element[name])
        if element.has_attr("srcset"):
            urls.extend(srcset_urls(element["srcset"]))
    return [re.sub(r"[\t\n\r]", "", url).strip("".join(chr(c) for c in range(0x21))).lower() for url in urls]


def _assert_no_script_scheme(html: str) -> None:
    for url in browser_urls(html):
        assert not url.startswith(tuple(f"{s}:" for s in FORBIDDEN)), (url, html)


def test_variants_are_many_and_include_the_audits_case():
    assert "javascript:123" in VARIANTS and len(VARIANTS) > 300


@pytest.mark.parametrize("template_index", range(7))
def test_no_spelling_of_a_script_scheme_survives_in_any_url_attribute(template_index):
    for url in VARIANTS:
        hostile = _attribute_html(url)[template_index]
        for cleaned in (clean_html(hostile), linkify_html(hostile), clean_html(clean_html(hostile))):
            _assert_no_script_scheme(cleaned)


def test_script_schemes_in_markdown_links_and_images_do_not_survive():
    for url, form in itertools.product(["javascript:123", "JavaScript:alert(1)", "&#106;avascript:1"],
                                       ["[x]({})", "![alt]({})", "<{}>"]):
        _assert_no_script_scheme(render_markdown(form.format(url)))


@pytest.mark.parametrize("html,kept", [
    ('<a href="https://example.org/a:b?x=1&amp;y=2">x</a>', 'href="https://example.org/a:b?x=1&amp;y=2"'),
    ('<a href="/posts/a-b">x</a>', 'href="/posts/a-b"'),
    ('<a href="#note-1">x</a>', 'href="#note-1"'),
    ('<a href="mailto:lab@example.org">x</a>', 'href="mailto:lab@example.org"'),
    ('<a href="tel:+441234">x</a>', 'href="tel:+441234"'),
    ('<a href="page?time=12:30">x</a>', 'href="page?time=12:30"'),
    ('<img src="/m/a.jpg" srcset="/m/a.jpg 480w, /m/b.jpg 960w" alt="">',
     'srcset="/m/a.jpg 480w, /m/b.jpg 960w"'),
    ('<img src="/m/a.jpg" srcset="https://example.org/a,b.jpg 2x" alt="">',
     'srcset="https://example.org/a,b.jpg 2x"'),
])
def test_ordinary_urls_are_kept(html, kept):
    assert kept in clean_html(html)


def test_srcset_is_parsed_as_browsers_do():
    assert srcset_urls(" /a.jpg 1x,/b.jpg  2x , c.jpg,d.jpg 100w") == ["/a.jpg", "/b.jpg", "c.jpg,d.jpg"]
    assert srcset_urls("a.jpg, b.jpg") == ["a.jpg", "b.jpg"]
    assert srcset_urls("a.jpg (x, y) 1x, javascript:1 2x") == ["a.jpg", "javascript:1"]
