"""Formulas and footnotes in the rich-text editor: shown as their source, sent back exactly as written."""
from __future__ import annotations

import pytest

from blog.accounts.models import Role
from tests.editor.rich import BODY, markdown, open_editor, settle
from tests.factories import make_post, make_user

pytestmark = pytest.mark.browser

WRITTEN = ("It cost $5 and $10, so $a_1 + b_1 = c_{*}$ holds[^1].\n\n"
           "$$\n\\frac{a}{b} = \\begin{pmatrix}a & b\\\\ c & d\\end{pmatrix}\\,dx\n$$\n\n"
           "[^1]: A note with $x^2$.")


def test_formulas_and_notes_survive_editing_around_them(live_server, page):
    with live_server.app.app_context():
        author = make_user(Role.AUTHOR, email="maths@example.org")
        post_id = make_post(author, title="Formulas", body=WRITTEN, published=False).id
    open_editor(page, live_server.url, "maths@example.org", path=f"/editor/posts/{post_id}")
    chips = page.locator(BODY + " .math-source")
    assert chips.all_inner_texts() == ["$a_1 + b_1 = c_{*}$"]
    # The display formula is a block the server renders: MathML with the TeX as its annotation.
    page.locator(BODY + " math annotation", has_text="\\frac{a}{b}").wait_for(state="attached")
    assert "$5 and $10" in page.locator(BODY).inner_text()

    page.locator(BODY + " p").first.click()
    page.keyboard.press("End")
    page.keyboard.type(" Typed $\\pi r^2$ too.")
    page.wait_for_function("() => document.querySelector('#body').value.includes('too.')")
    sent = markdown(page)
    assert "so $a_1 + b_1 = c_{*}$ holds[^1]. Typed $\\pi r^2$ too." in sent
    assert "It cost $5 and $10" in sent
    assert "$$\n\\frac{a}{b} = \\begin{pmatrix}a & b\\\\ c & d\\end{pmatrix}\\,dx\n$$" in sent
    assert "[^1]: A note with $x^2$." in sent
    settle(page)
