"""``blog.core.text``: the one cleaning of invisible control characters, and the imports that use it."""
from __future__ import annotations

from blog.accounts.models import Role
from blog.core.text import clean_data, has_controls, has_nul, strip_control_bytes, strip_controls
from blog.embeds.parsing import parse_embed, parse_pasted
from blog.extensions import db
from blog.people import services as people
from blog.posts.models import Post
from blog.transfer.wordpress_import import import_wordpress
from tests.embeds import samples
from tests.factories import make_user
from tests.transfer.test_wordpress_import import SITE_XML

CONTROLS = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r")


def test_strip_controls_removes_every_invisible_c0_control_and_keeps_the_rest():
    assert len(CONTROLS) == 29
    assert strip_controls(f"a{CONTROLS}b") == "ab"
    visible = "Tab\there,\nlines\r\n, é, 🎉, \u00a0, \x7f and \u200b stay"
    assert strip_controls(visible) == visible
    assert strip_controls("Re\x00sults\x1b[0m") == "Results[0m"
    assert has_controls("a\x0bb") and not has_controls("a\tb\r\n")


def test_clean_data_reaches_every_string_key_and_item_and_leaves_other_values():
    data = {"ti\x00tle": "Hel\x00lo", "tags": ["a\x01", {"n\x02": "b\x03"}], "n": 3, "ok": True, "none": None}
    assert clean_data(data) == {"title": "Hello", "tags": ["a", {"n": "b"}], "n": 3, "ok": True, "none": None}
    assert has_nul(data) and not has_nul(clean_data(data))


def test_strip_control_bytes_leaves_utf8_text_and_utf16_files_alone():
    text = "Café\x00 🎉\x1f\n".encode()
    assert strip_control_bytes(text) == "Café 🎉\n".encode()
    utf16 = "<rss>".encode("utf-16")
    assert strip_control_bytes(utf16) == utf16


def test_wordpress_import_keeps_a_post_whose_title_holds_control_characters(appctx):
    admin = make_user(Role.ADMIN)
    xml = SITE_XML.read_text()
    poisoned = xml.replace("[Hello from the lab]", "[Hello\x00 from\x0b the lab\x1b]")
    assert poisoned != xml
    import_wordpress(poisoned.encode(), by=admin)
    db.session.commit()
    titles = db.session.execute(db.select(Post.title)).scalars().all()
    assert "Hello from the lab" in titles
    assert not any(has_controls(t) for t in titles)


def test_bibtex_import_cleans_titles_and_authors(appctx):
    editor = make_user(Role.EDITOR)
    bib = "@article{nul2020, author={Love\x00lace, Ada}, title={A ma\x01trix\x00 study}, journal={J}, year={2020}}"
    publication = people.import_bibtex(bib, by=editor)[0]
    db.session.commit()
    assert publication.title == "A matrix study"
    assert not has_controls(publication.csl_json) and "Lovelace" in publication.csl_json


def test_pasted_embed_code_with_control_characters_reads_as_without_them():
    clean = parse_embed(samples.X_EMBED)
    poisoned = samples.X_EMBED.replace("Fascinating", "Fasci\x00nating\x0b", 1)
    assert poisoned != samples.X_EMBED
    assert parse_embed(poisoned).text == clean.text
    assert parse_pasted("\x00" + poisoned).text == clean.text
