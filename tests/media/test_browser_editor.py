"""In Chromium: write a write-up with photos through the editor, lose nothing offline, and meet a conflict."""
from __future__ import annotations

import base64
import re

import pytest

from blog.accounts.models import Role
from blog.extensions import db
from blog.posts.models import Post
from tests.browsing import sign_in
from tests.editor.rich import BODY, drop_files, markdown, paste, settle
from tests.factories import make_post, make_user
from tests.media.images import photo

pytestmark = pytest.mark.browser


def replace_text(page, text):
    """Select the whole body in the rich-text editor and type over it."""
    page.locator(BODY).click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_write_the_write_up_with_two_dragged_photos_then_read_it(live_server, page, browser):
    with live_server.app.app_context():
        make_user(Role.AUTHOR, email="writer@example.org", name="Dr Writer")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))  # script errors, CSP violations
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    sign_in(page, live_server.url, "writer@example.org")
    page.goto(live_server.url + "/editor/posts/new")

    page.get_by_label("Title").fill("“Safer Screens” – a workshop")
    page.locator(BODY).click()
    page.keyboard.type("On 12 March we held a workshop. ")
    page.get_by_role("button", name="Bold").click()  # toolbar: bold on for what comes next
    page.keyboard.type("Twenty-four")
    page.get_by_role("button", name="Bold").click()  # and off again
    page.keyboard.type(" practitioners came. ")
    page.keyboard.press("Control+i")  # shortcut: italic
    page.keyboard.type("netGUARD")
    page.keyboard.press("Control+i")
    page.keyboard.press("Enter")
    paste(page,
          '<h2 style="font-family:Calibri;color:#333">How the day ran</h2>'
          '<p class="MsoNormal"><span style="font-weight:700">Morning:</span> research briefings.<o:p></o:p></p>'
          '<ul><li>Case studies</li><li>Action plans</li></ul>',
          "How the day ran\nMorning: research briefings.")
    page.wait_for_function("() => document.querySelector('#body').value.includes('- Action plans')")
    assert markdown(page).startswith("On 12 March we held a workshop. **Twenty-four** practitioners came. *netGUARD*")
    page.keyboard.press("Control+End")

    drop_files(page, [("selfie.jpg", "image/jpeg", photo(1600, 1200, color=(200, 60, 60))),
                               ("team.png", "image/png", photo(1200, 800, fmt="PNG", color=(60, 60, 200)))])
    page.locator(".upload-done").nth(1).wait_for()
    assert page.locator(".upload-list progress").count() == 2
    page.wait_for_function("() => (document.querySelector('#body').value.match(/\\[\\[photo:/g) || []).length === 2")
    page.locator(BODY + " .directive-photo figure.photo img").nth(1).wait_for()  # in the text, as on the page
    cards = page.locator(".photo-card")
    assert cards.count() == 2
    assert "selfie.jpg" in page.locator("#alt-warning").inner_text()

    first, second = cards.nth(0), cards.nth(1)
    first.get_by_label("Alt text (required to publish)").fill("Two researchers smiling at the camera")
    first.get_by_label("Caption").fill("An obligatory *selfie*")
    second.get_by_label("Alt text (required to publish)").fill("Twenty people standing in two rows")
    second.get_by_label("Caption").fill("The wider team, from left to right: Ana, Ben and Cleo")
    second.get_by_label("Credit").fill("Jo Bloggs")
    second.get_by_label("Credit").press("Tab")
    assert page.locator("#alt-warning").is_hidden()

    # The live preview shows the server's rendering, photos and all.
    preview = page.locator("#live-preview")
    preview.locator("figure.photo").nth(1).wait_for()
    assert preview.locator("strong", has_text="Twenty-four").count() == 1
    assert preview.locator("em", has_text="netGUARD").count() == 1
    assert preview.locator("h2", has_text="How the day ran").count() == 1
    assert preview.locator("li", has_text="Action plans").count() == 1
    page.locator("#save-status", has_text="Saved at").wait_for()
    assert re.search(r"/editor/posts/\d+$", page.url)  # the first autosave made the draft

    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published.").wait_for(timeout=60_000)  # photos re-rendered: slow under CI load

    reader = browser.new_context()
    visitor = reader.new_page()
    visitor.goto(live_server.url + "/")
    visitor.get_by_role("link", name="“Safer Screens” – a workshop").click()
    article = visitor.locator("article")
    assert article.locator("strong", has_text="Twenty-four").count() == 1
    assert article.locator("em", has_text="netGUARD").count() == 1
    figures = article.locator("figure.photo")
    assert figures.count() == 2
    first_img = figures.nth(0).locator("img")
    assert first_img.get_attribute("alt") == "Two researchers smiling at the camera"
    assert first_img.get_attribute("loading") == "lazy" and first_img.get_attribute("decoding") == "async"
    # The size of the src file (the 960 px variant), so a reader that ignores srcset sizes it right.
    assert first_img.get_attribute("width") == "960" and first_img.get_attribute("srcset")
    assert figures.nth(0).locator("figcaption em", has_text="selfie").count() == 1
    assert "from left to right" in figures.nth(1).locator("figcaption").inner_text()
    assert "Jo Bloggs" in figures.nth(1).locator("figcaption").inner_text()
    first_img.scroll_into_view_if_needed()
    visitor.wait_for_function("() => document.querySelector('article figure img').naturalWidth > 0")
    reader.close()
    settle(page)
    assert errors == []


def test_text_typed_offline_survives_a_reload(live_server, page):
    with live_server.app.app_context():
        author = make_user(Role.AUTHOR, email="offline@example.org")
        post = make_post(author, published=False, body="First line.")
        post_id = post.id
    sign_in(page, live_server.url, "offline@example.org")
    page.goto(f"{live_server.url}/editor/posts/{post_id}")
    page.on("dialog", lambda dialog: dialog.accept())  # the "leave with unsaved changes?" warning
    page.locator(BODY).click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Saved while online.")
    page.locator("#save-status", has_text="Saved at").wait_for()

    page.context.set_offline(True)
    page.keyboard.type(" Typed with the network down.")
    page.locator("#save-status", has_text="Offline, not saved").wait_for()

    # The server stays unreachable for autosave while the page reloads: only the browser has the text.
    page.route("**/autosave", lambda route: route.abort())
    page.context.set_offline(False)
    page.reload()
    assert markdown(page) == "First line. Saved while online. Typed with the network down."
    page.locator(BODY, has_text="Typed with the network down.").wait_for()  # the rich text shows it too
    page.locator("#save-status", has_text="not saved to the server yet").wait_for()
    with live_server.app.app_context():
        assert "network down" not in db.session.get(Post, post_id).body_markdown

    page.unroute("**/autosave")
    page.locator("#save-status", has_text="Saved at").wait_for()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Saved.").wait_for()
    settle(page)
    with live_server.app.app_context():
        assert db.session.get(Post, post_id).body_markdown.endswith("Typed with the network down.")


def test_two_sessions_edit_one_post_and_the_second_save_gets_the_conflict_page(live_server, page, browser):
    with live_server.app.app_context():
        author = make_user(Role.AUTHOR, email="first@example.org")
        make_user(Role.EDITOR, email="second@example.org")
        post = make_post(author, published=False, body="Original text.")
        post_id = post.id
    sign_in(page, live_server.url, "first@example.org")
    page.goto(f"{live_server.url}/editor/posts/{post_id}")
    other_context = browser.new_context()
    other = other_context.new_page()
    other.set_default_timeout(15_000)
    sign_in(other, live_server.url, "second@example.org")
    other.goto(f"{live_server.url}/editor/posts/{post_id}")

    replace_text(page, "Text from the first session.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Saved.").wait_for()

    replace_text(other, "Text from the second session.")
    other.get_by_role("button", name="Save draft").click()
    other.get_by_role("heading", name="Someone else saved this post first").wait_for()
    assert other.get_by_label("Saved text").input_value() == "Text from the first session."
    assert other.get_by_label("Your text").input_value() == "Text from the second session."
    # Opening the latest version shows it, with the unsaved text offered beside it, not over it.
    other.get_by_role("link", name="Open the saved version to merge your changes").click()
    assert other.get_by_label("Body (Markdown)").input_value() == "Text from the first session."
    assert other.get_by_label("Your unsaved text").input_value() == "Text from the second session."
    other_context.close()
    settle(page)
    with live_server.app.app_context():
        assert db.session.get(Post, post_id).body_markdown == "Text from the first session."


def test_gallery_button_pasted_photo_and_social_button_contract(live_server, page):
    with live_server.app.app_context():
        author = make_user(Role.AUTHOR, email="gallery@example.org")
        post = make_post(author, published=False, body="Intro.")
        post_id = post.id
    sign_in(page, live_server.url, "gallery@example.org")
    page.goto(f"{live_server.url}/editor/posts/{post_id}")
    page.locator(BODY).click()
    page.keyboard.press("Control+End")

    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Gallery").click()
    chooser.value.set_files([
        {"name": "left.jpg", "mimeType": "image/jpeg", "buffer": photo(900, 600, color=(10, 90, 10))},
        {"name": "right.webp", "mimeType": "image/webp", "buffer": photo(900, 600, fmt="WEBP")},
        {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"},
    ])
    page.locator(".upload-failed", has_text="not a photo this site can read").wait_for()
    page.wait_for_function("() => /\\[\\[gallery:[a-z0-9]+,[a-z0-9]+\\]\\]/.test(document.querySelector('#body').value)")
    page.locator("#live-preview .gallery figure").nth(1).wait_for()

    # A screenshot pasted from the clipboard is uploaded too.
    page.evaluate("""(data) => {
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
        document.querySelector('.rich-body').dispatchEvent(
            new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    }""", base64.b64encode(photo(400, 300, fmt="PNG")).decode())
    page.wait_for_function("() => /\\[\\[photo:[a-z0-9]+\\]\\]/.test(document.querySelector('#body').value)")
    assert page.locator(".photo-card").count() == 3

    # Other features hook in: paste handlers run first, and the social button fires an event.
    page.evaluate("""() => {
        window.socialEvents = 0;
        document.addEventListener('blog:social-post', () => { window.socialEvents += 1; });
        window.BlogEditor.onPaste((event) => {
            if (event.clipboardData.getData('text/plain').startsWith('https://social.example/')) {
                event.preventDefault();
                window.BlogEditor.insertAtCursor('[[social:handled]]');
            }
        });
    }""")
    page.get_by_role("button", name="Social post").click()
    assert page.evaluate("() => window.socialEvents") == 1
    paste(page, "<p><b>ignored</b></p>", "https://social.example/post/1")
    page.wait_for_function("() => document.querySelector('#body').value.includes('[[social:handled]]')")
    assert "**ignored**" not in markdown(page)
    page.locator(BODY + " [data-directive='social:handled']").wait_for()  # a card node, not text
    settle(page)
