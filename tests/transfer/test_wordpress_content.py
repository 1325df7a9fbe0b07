"""Block markup and classic HTML to Markdown, without photos (the photo source finds none)."""
from __future__ import annotations

from blog.accounts.models import Role
from blog.core.markdown import render_markdown
from blog.transfer.wordpress_content import ContentConverter, autop, parse_blocks
from tests.factories import make_user


def _convert(content: str, photo=lambda *a: None):
    converter = ContentConverter(photo=photo, tweet=lambda url: "", attachments_of=lambda i: [],
                                 by=make_user(Role.ADMIN))
    return converter.convert(content, wp_id=1)


def test_blocks_nest_and_keep_their_attributes():
    [paragraph, gap, gallery] = parse_blocks('<!-- wp:paragraph --><p>a</p><!-- /wp:paragraph -->\n'
                                             '<!-- wp:gallery {"ids":[1,2]} --><!-- wp:image {"id":1} -->'
                                             '<figure></figure><!-- /wp:image --><!-- /wp:gallery -->')
    assert paragraph.name == "core/paragraph" and paragraph.parts == ["<p>a</p>"] and gap == "\n"
    assert gallery.attrs == {"ids": [1, 2]} and gallery.parts[0].name == "core/image"


def test_autop_makes_paragraphs_and_line_breaks_as_wordpress_shows_them():
    assert autop("One\ntwo\n\n<h2>Head</h2>\n\nThree") == "<p>One<br>\ntwo</p>\n<h2>Head</h2>\n<p>Three</p>"


def test_lists_quotes_code_and_tables(appctx):
    result = _convert(
        '<!-- wp:list --><ul><!-- wp:list-item --><li>One</li><!-- /wp:list-item -->'
        '<!-- wp:list-item --><li>Two</li><!-- /wp:list-item --></ul><!-- /wp:list -->\n'
        '<!-- wp:quote --><blockquote class="wp-block-quote"><p>Quoted</p></blockquote><!-- /wp:quote -->\n'
        '<!-- wp:code --><pre class="wp-block-code"><code>x = 1</code></pre><!-- /wp:code -->\n'
        '<!-- wp:table --><figure class="wp-block-table"><table><tbody><tr><td>a</td><td>b</td></tr></tbody>'
        '</table></figure><!-- /wp:table -->\n<!-- wp:more --><!--more--><!-- /wp:more -->')
    assert "- One\n- Two" in result.markdown and "> Quoted" in result.markdown
    assert "x = 1" in result.markdown and "| a | b |" in result.markdown
    assert result.kept == []


def test_scripts_and_unknown_blocks_are_reported_never_dropped_silently(appctx):
    result = _convert('<!-- wp:jetpack/slideshow --><div class="slideshow"><p>Slides</p></div>'
                      '<!-- /wp:jetpack/slideshow -->\n<!-- wp:html --><script>alert(1)</script>'
                      '<!-- /wp:html -->')
    assert "Slides" in result.markdown and "alert" not in result.markdown
    assert result.kept == ["the block jetpack/slideshow kept as HTML", "a <script> without an address removed (unsafe)",
                           "the block core/html left out: nothing in it is safe to show"]


def test_a_frame_in_custom_html_becomes_a_link(appctx):
    result = _convert('<!-- wp:html --><p>Watch:</p><iframe src="https://video.example/embed/9"></iframe>'
                      '<!-- /wp:html -->')
    assert "Watch:" in result.markdown and 'href="https://video.example/embed/9"' in result.markdown
    assert result.kept == ["the <iframe> of https://video.example/embed/9 kept as a link",
                           "the block core/html kept as HTML"]


def test_photos_inside_kept_blocks_become_photos(appctx):
    asked = []

    def photo(url, attachment_id, alt, caption):
        asked.append((url, attachment_id, alt, caption))
        return "abcd1234"
    result = _convert('<!-- wp:columns --><div class="wp-block-columns"><!-- wp:column --><div class="wp-block-column">'
                      '<!-- wp:image {"id":7} --><figure class="wp-block-image"><img src="/wp-content/uploads/a.jpg" '
                      'alt="A" class="wp-image-7"/><figcaption>Cap</figcaption></figure><!-- /wp:image -->'
                      '</div><!-- /wp:column --></div><!-- /wp:columns -->', photo=photo)
    assert asked == [("/wp-content/uploads/a.jpg", 7, "A", "Cap")]
    assert "<p>[[photo:abcd1234]]</p>" in result.markdown and "<img" not in result.markdown


def test_inline_html_markdown_cannot_write_is_kept_and_listed(appctx):
    result = _convert('<!-- wp:paragraph --><p>H<sub>2</sub>O, E=mc<sup>2</sup>, <mark class="has-inline-color">'
                      'marked</mark> and <abbr title="World Health Organization">WHO</abbr></p><!-- /wp:paragraph -->')
    assert result.markdown == ('H<sub>2</sub>O, E=mc<sup>2</sup>, <mark class="has-inline-color">marked</mark> and '
                               '<abbr title="World Health Organization">WHO</abbr>')
    assert result.kept == ["inline <sub>, <sup>, <mark>, <abbr> kept as HTML"]
    assert "<p>H<sub>2</sub>O, E=mc<sup>2</sup>" in render_markdown(result.markdown)


def test_tables_markdown_cannot_hold_and_folded_sections_are_kept(appctx):
    result = _convert('<!-- wp:table --><figure class="wp-block-table"><table><tbody><tr><td rowspan="2">a</td>'
                      '<td>b</td></tr><tr><td>c</td></tr></tbody></table><figcaption>Counts</figcaption></figure>'
                      '<!-- /wp:table -->\n<details><summary>Methods</summary><p>Hidden</p></details>\n'
                      '<table><tr><td>simple</td><td>table</td></tr></table>\n<dl><dt>Term</dt><dd>Meaning</dd></dl>')
    assert '<td rowspan="2">a</td>' in result.markdown and "<figcaption>Counts</figcaption>" in result.markdown
    assert "<details><summary>Methods</summary><p>Hidden</p></details>" in result.markdown
    assert "| simple | table |" in result.markdown  # a plain table stays a Markdown table
    assert "<dl><dt>Term</dt><dd>Meaning</dd></dl>" in result.markdown
    assert result.kept == ["a table with merged cells or several lines in a cell kept as HTML",
                           "a folded section (<details>) kept as HTML", "a definition list (<dl>) kept as HTML"]


def test_wordpress_footnotes_become_markdown_footnotes(appctx):
    converter = ContentConverter(photo=lambda *a: None, tweet=lambda url: "", attachments_of=lambda i: [],
                                 by=make_user(Role.ADMIN))
    content = ('<!-- wp:paragraph --><p>A claim<sup data-fn="f1" class="fn"><a href="#f1" id="f1-link">1</a></sup>'
               ' and another<sup data-fn="f2" class="fn"><a href="#f2" id="f2-link">2</a></sup>.</p>'
               '<!-- /wp:paragraph -->\n<!-- wp:footnotes /-->')
    notes = '[{"content": "See <a href=\\"https://doi.org/10.1000/x\\">Smith</a>.", "id": "f1"},' \
            ' {"content": "<em>Second</em> note", "id": "f2"}]'
    result = converter.convert(content, wp_id=1, footnotes=notes)
    assert result.markdown == ("A claim[^1] and another[^2].\n\n"
                               "[^1]: See [Smith](https://doi.org/10.1000/x).\n[^2]: *Second* note")
    assert result.kept == []
    assert 'class="footnotes"' in render_markdown(result.markdown, page_key="p")
    # Without the notes' text (an export cut short), the marks stay superscripts, and are listed.
    bare = converter.convert(content, wp_id=1)
    assert '<sup class="fn"><a href="#f1" id="f1-link">1</a></sup>' in bare.markdown
    assert "a footnote mark (1) whose note is not in the export kept as a superscript" in bare.kept


def test_an_empty_block_is_reported_left_out_not_kept_as_an_empty_div(appctx):
    result = _convert('<!-- wp:latest-posts /-->')
    assert result.markdown == "" and result.kept == ["the block core/latest-posts left out: nothing in it is safe "
                                                     "to show"]
