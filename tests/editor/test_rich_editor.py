"""The rich-text editor in Chromium: toggles, undo/redo, Markdown view, insertion, paste, links,
layout and accessibility. Each test checks what the form would send (the Markdown in textarea#body)."""
from __future__ import annotations

import pytest

from blog.accounts.models import Role
from blog.demo import create_demo_content
from blog.extensions import db
from tests.editor.rich import BODY, markdown, open_editor, paste, settle, wait_until_editor_ready
from tests.factories import make_post, make_user
from tests.media.images import photo

pytestmark = pytest.mark.browser


def author(live_server, email="w@example.org"):
    with live_server.app.app_context():
        return make_user(Role.AUTHOR, email=email, name="Dr Writer").id


def button(page, name):
    return page.get_by_role("toolbar").get_by_role("button", name=name, exact=True)


def select_text(page, text):
    """Select the first occurrence of ``text`` in the body, as a double-click or drag would."""
    page.evaluate("""(text) => {
        const editor = window.BlogRichEditor;
        let from = null;
        editor.state.doc.descendants((node, pos) => {
            if (from === null && node.isText && node.text.includes(text)) { from = pos + node.text.indexOf(text); }
        });
        editor.chain().focus().setTextSelection({ from, to: from + text.length }).run();
    }""", text)


def upload_with_photo_button(page, name: str, size=(800, 600)) -> None:
    with page.expect_file_chooser() as chooser:
        button(page, "Photo").click()
    chooser.value.set_files([{"name": name, "mimeType": "image/jpeg", "buffer": photo(*size)}])


def start_writing(live_server, page, text: str) -> None:
    """A new post, with ``text`` typed into the rich-text body."""
    author(live_server)
    open_editor(page, live_server.url, "w@example.org")
    page.locator(BODY).click()
    page.keyboard.type(text)


def test_formatting_toggles_like_a_word_processor(live_server, page):
    start_writing(live_server, page, "A day with netGUARD partners.")
    select_text(page, "netGUARD")
    italic = button(page, "Italic")
    assert italic.get_attribute("aria-pressed") == "false"
    italic.click()
    assert markdown(page) == "A day with *netGUARD* partners."
    assert italic.get_attribute("aria-pressed") == "true"
    italic.click()  # pressing Italic on italic text removes it
    assert markdown(page) == "A day with netGUARD partners."
    assert italic.get_attribute("aria-pressed") == "false"
    page.keyboard.press("Control+b")
    assert markdown(page) == "A day with **netGUARD** partners."
    page.keyboard.press("Control+b")
    assert markdown(page) == "A day with netGUARD partners."
    # Markdown shortcuts while typing, as in Ghost and Notion.
    page.keyboard.press("Control+End")
    page.keyboard.type("\n## Programme\n- one\ntwo\n\n> quoted\n\n---")
    assert markdown(page) == ("A day with netGUARD partners.\n\n## Programme\n\n- one\n- two\n\n> quoted\n\n---\n")
    settle(page)


def test_undo_and_redo_cover_typing_toolbar_and_an_uploaded_photo(live_server, page):
    start_writing(live_server, page, "Morning briefings.")
    select_text(page, "Morning")
    button(page, "Bold").click()
    assert markdown(page) == "**Morning** briefings."
    page.keyboard.press("End")
    upload_with_photo_button(page, "room.jpg")
    page.locator(BODY + " .directive-photo figure.photo img").wait_for()
    with_photo = markdown(page)
    assert with_photo.startswith("**Morning** briefings.\n\n[[photo:")

    page.locator(BODY).focus()
    page.keyboard.press("Control+z")  # the photo goes as one unit
    page.wait_for_function("() => !document.querySelector('#body').value.includes('[[photo:')")
    assert markdown(page).rstrip() == "**Morning** briefings."
    button(page, "Undo").click()  # then the bold from the toolbar
    assert markdown(page).rstrip() == "Morning briefings."
    page.keyboard.press("Control+Shift+z")
    assert markdown(page).rstrip() == "**Morning** briefings."
    button(page, "Redo").click()
    assert markdown(page) == with_photo
    assert button(page, "Redo").is_disabled()
    settle(page)


def test_an_inserted_photo_or_card_never_replaces_the_selection(live_server, page):
    start_writing(live_server, page, "First paragraph stays whole.\nSecond one too.")
    select_text(page, "paragraph stays")
    upload_with_photo_button(page, "a.jpg", (640, 480))
    page.wait_for_function("() => document.querySelector('#body').value.includes('[[photo:')")
    text = markdown(page)
    first, photo_line, second = text.strip().split("\n\n")
    assert first == "First paragraph stays whole."
    assert photo_line.startswith("[[photo:") and second == "Second one too."
    # A card from another feature goes after the block too, and the cursor after it.
    select_text(page, "Second")
    page.evaluate("() => window.BlogEditor.insertBlock('[[social:some-card]]')")
    assert markdown(page).strip().endswith("Second one too.\n\n[[social:some-card]]")
    page.keyboard.type("Writing goes on.")
    assert markdown(page).strip().endswith("[[social:some-card]]\n\nWriting goes on.")
    settle(page)


def test_markdown_view_edits_the_same_document_with_one_undo_history(live_server, page):
    start_writing(live_server, page, "Typed as *rich* text.")
    toggle = button(page, "Markdown")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    source = page.get_by_label("Body (Markdown)")
    assert source.is_visible() and page.locator(BODY).is_hidden()
    assert source.input_value() == "Typed as *rich* text."
    source.press("Control+End")
    page.keyboard.type("\n\n## Added in Markdown")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    page.locator(BODY + " h2", has_text="Added in Markdown").wait_for()
    assert source.is_hidden()
    page.locator(BODY).focus()
    page.keyboard.press("Control+z")  # the Markdown edit is one step of the same history
    page.wait_for_function("() => !document.querySelector('#body').value.includes('Added')")
    assert page.locator(BODY + " em", has_text="rich").count() == 1
    settle(page)


WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0}</style></head>
<body><!--StartFragment--><h1 style="font-family:Calibri">Workshop report</h1>
<p class="MsoNormal">The <i>netGUARD</i> team met <b>twenty-four</b> practitioners (<a href="https://example.org/programme">programme</a>).<o:p></o:p></p>
<p class="MsoListParagraph" style="mso-list:l0 level1 lfo1"><span style="mso-list:Ignore">·<span>&nbsp;</span></span>Assessment</p>
<p class="MsoListParagraph" style="mso-list:l0 level1 lfo1"><span style="mso-list:Ignore">·<span>&nbsp;</span></span>Intervention</p>
<!--EndFragment--></body></html>"""


def test_paste_from_word_keeps_structure_and_a_pasted_address_links_the_selection(live_server, page):
    author(live_server)
    open_editor(page, live_server.url, "w@example.org")
    page.get_by_label("Title").fill("Our report")  # titled already: the pasted heading stays in the text
    page.locator(BODY).click()
    paste(page, WORD_HTML, "Workshop report\nThe netGUARD team met twenty-four practitioners.")
    page.wait_for_function("() => document.querySelector('#body').value.includes('Intervention')")
    assert markdown(page).strip() == (
        "## Workshop report\n\nThe *netGUARD* team met **twenty-four** practitioners "
        "([programme](https://example.org/programme)).\n\n- Assessment\n- Intervention")
    assert page.locator(BODY + " [style], " + BODY + " .MsoNormal").count() == 0
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("Read the slides.")
    select_text(page, "slides")
    paste(page, None, "https://example.org/slides.pdf")
    assert markdown(page).strip().endswith("Read the [slides](https://example.org/slides.pdf).")
    settle(page)


def test_link_dialog_finds_a_post_and_stores_a_site_relative_link(live_server, page):
    author_id = author(live_server)
    with live_server.app.app_context():
        from blog.accounts.models import User
        make_post(db.session.get(User, author_id), title="Safer Screens workshop")
    open_editor(page, live_server.url, "w@example.org")
    page.locator(BODY).click()
    page.keyboard.type("See our last workshop.")
    select_text(page, "last workshop")
    button(page, "Link").click()
    dialog = page.get_by_role("dialog", name="Link")
    dialog.get_by_label("Search this site").fill("safer")
    dialog.get_by_role("button", name="Safer Screens workshop post").click()
    dialog.wait_for(state="hidden")
    assert markdown(page) == "See our [last workshop](/posts/safer-screens-workshop)."
    assert button(page, "Link").get_attribute("aria-pressed") == "true"
    # An address typed in the dialog works too (opened with Ctrl+K), and "Remove link" takes it off.
    page.keyboard.press("Control+k")
    dialog.get_by_label("Search this site").fill("example.org/report")
    dialog.get_by_role("button", name="Apply").click()
    assert markdown(page) == "See our [last workshop](https://example.org/report)."
    button(page, "Link").click()
    dialog.get_by_role("button", name="Remove link").click()
    assert markdown(page) == "See our last workshop."
    settle(page)


def test_layout_wide_column_every_tool_in_sight_and_one_scrolling_toolbar_row_on_a_phone(live_server, page):
    author(live_server)
    page.set_viewport_size({"width": 1280, "height": 900})
    open_editor(page, live_server.url, "w@example.org")
    assert page.locator(BODY).bounding_box()["width"] >= 680
    bar = page.get_by_role("toolbar").bounding_box()
    hidden = [b.inner_text() for b in page.get_by_role("toolbar").get_by_role("button").all()
              if b.bounding_box()["x"] + b.bounding_box()["width"] > bar["x"] + bar["width"] + 0.5]
    assert hidden == []  # no button scrolled out of sight on a laptop screen
    button(page, "Hide settings").click()
    assert page.locator("#slug").is_hidden()
    button(page, "Focus").click()
    assert page.locator(".site-header").is_hidden() and page.locator(BODY).is_visible()
    button(page, "Focus").click()
    page.set_viewport_size({"width": 390, "height": 800})
    toolbar = page.get_by_role("toolbar")
    tops = {round(box["y"]) for box in (b.bounding_box() for b in toolbar.get_by_role("button").all())
            if box is not None}
    assert len(tops) == 1  # one row, scrolled sideways
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    settle(page)


def test_word_and_character_count_and_reading_time_follow_the_text(live_server, page):
    start_writing(live_server, page, "Peer support circles, in practice.")
    count = page.locator("#word-count")
    assert count.inner_text() == "5 words · 30 characters · 1 min read"
    page.keyboard.insert_text(" word" * 700)
    assert count.inner_text() == "705 words · 2830 characters · 3 min read"
    assert page.locator(BODY).get_attribute("aria-describedby") == "word-count"
    settle(page)


def test_editor_page_meets_wcag_21_aa_and_stays_valid_html_once_the_editor_runs(live_server, page, axe_violations,
                                                                                html_errors):
    with live_server.app.app_context():
        created = create_demo_content()
        db.session.commit()
        writeup_id, password = created["writeup"].id, created["password"]
        if password is None:
            password = (live_server.app.instance_path + "/demo-admin-password")
            password = open(password).read().strip()
    from blog.demo import ADMIN_EMAIL
    from tests.browsing import sign_in
    sign_in(page, live_server.url, ADMIN_EMAIL, password)
    page.goto(f"{live_server.url}/editor/posts/{writeup_id}")
    wait_until_editor_ready(page)
    page.locator(BODY + " .directive-social .social-post").first.wait_for()
    page.locator(BODY + " .directive-photo img").first.wait_for()
    assert axe_violations(page) == []
    assert html_errors({"editor with the rich-text editor running": page.content()}) == []
    button(page, "Link").click()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    page.get_by_role("button", name="New event…").click()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    button(page, "Markdown").click()
    assert axe_violations(page) == []
    settle(page)
