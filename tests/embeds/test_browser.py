"""In a real browser: paste a tweet's embed code into the editor, save the quote, publish, read the card."""
import re

import pytest

from blog.accounts.models import Role
from tests.embeds import samples
from tests.browsing import record_requests, sign_in
from tests.editor.rich import BODY, markdown
from tests.factories import make_user

pytestmark = pytest.mark.browser


def paste(page, selector: str, text: str) -> None:
    """A real Ctrl+V from the system clipboard."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    page.locator(selector).press("Control+V")


@pytest.mark.parametrize("with_editor_script", [True, False], ids=["with-BlogEditor", "standalone"])
def test_pasting_x_embed_code_fills_the_form_and_publishes_a_self_contained_card(live_server, page, browser,
                                                                                 with_editor_script):
    with live_server.app.app_context():
        make_user(Role.AUTHOR, email="writer@example.org", name="Dr Writer")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    if not with_editor_script:  # social.js must work on the bare textarea too
        page.route("**/static/js/editor.js", lambda route: route.abort())
    editor_requests = record_requests(page)
    sign_in(page, live_server.url, "writer@example.org")
    page.goto(live_server.url + "/editor/posts/new")
    page.get_by_label("Title").fill("Workshop voices")
    body = page.get_by_label("Body (Markdown)")
    if with_editor_script:  # the rich-text editor, which keeps the Markdown in the textarea
        target = BODY
        page.locator(BODY).click()
        page.keyboard.type("The day in people's words:")
    else:
        target = "textarea#body"
        body.fill("The day in people's words:\n\n")
        body.press("Control+End")

    assert page.evaluate("() => Boolean(window.BlogEditor)") is with_editor_script
    # One button to quote a post: the toolbar's, or the side panel's where there is no toolbar.
    assert page.get_by_role("button", name="Quote a social post").is_visible() is not with_editor_script
    paste(page, target, samples.X_EMBED)

    dialog = page.get_by_role("dialog", name="Quote a social post")
    dialog.wait_for()
    page.get_by_text("Filled in from the embed code").wait_for()
    assert dialog.get_by_label("Platform").input_value() == "x"
    assert dialog.get_by_label("Author's name").input_value() == "Dr Rosa Lind"
    assert dialog.get_by_label("Handle").input_value() == "@rosalind_phd"
    assert dialog.get_by_label("What the post said").input_value().startswith(
        "Fascinating thread coming out of @netguard_lab's case formulation workshop today.")
    assert dialog.get_by_label("Posted at").input_value() == "2025-03-12"
    assert dialog.get_by_label("Address of the post").input_value() == \
        "https://x.com/rosalind_phd/status/1900112233445566778"
    assert "<blockquote" not in body.input_value()  # the paste itself did not land in the body
    dialog.get_by_label("Likes").fill("4")
    dialog.get_by_role("button", name="Save and insert").click()
    dialog.wait_for(state="hidden")

    text = markdown(page)
    assert re.fullmatch(r"The day in people's words:\n\n\[\[social:rosalind-phd-[a-z0-9]{4}\]\]\n", text), text
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published.").wait_for()

    reader = browser.new_context()
    visitor = reader.new_page()
    reader_requests = record_requests(visitor)
    visitor.goto(live_server.url + "/posts/workshop-voices")
    card = visitor.locator("article figure.social-post")
    assert card.count() == 1
    assert card.locator(".social-name").inner_text() == "Dr Rosa Lind"
    assert card.locator(".social-handle").inner_text() == "@rosalind_phd"
    assert card.locator("blockquote").get_attribute("cite") == \
        "https://x.com/rosalind_phd/status/1900112233445566778"
    assert card.locator("a", has_text="#netGUARD").get_attribute("href") == "https://x.com/hashtag/netGUARD"
    assert card.locator(".social-meta time").get_attribute("datetime") == "2025-03-12"
    assert card.locator(".social-counts").inner_text().startswith("4 likes")
    assert card.locator("a.social-link").get_attribute("rel") == "nofollow noopener"
    # The initials avatar is drawn by the site's own stylesheet.
    assert visitor.evaluate(
        "() => getComputedStyle(document.querySelector('.social-avatar'), '::before').content") == '"RL"'
    assert reader.cookies() == []
    reader.close()
    for url in editor_requests + reader_requests:
        assert url.startswith(live_server.url + "/"), f"loaded from another origin: {url}"


def test_a_conversation_built_in_the_dialog_shows_the_question_once(live_server, page, browser):
    with live_server.app.app_context():
        make_user(Role.AUTHOR, email="writer@example.org", name="Dr Writer")
    sign_in(page, live_server.url, "writer@example.org")
    page.goto(live_server.url + "/editor/posts/new")
    page.get_by_label("Title").fill("A question and its answers")
    page.locator(BODY).click()
    page.keyboard.type("Intro.")

    def quote(name, handle, text, parent_label=None, via_event=False):
        if via_event:  # what the editor toolbar's button does
            page.evaluate("() => document.dispatchEvent(new CustomEvent('blog:social-post'))")
        else:
            page.get_by_role("button", name="Social post", exact=True).click()  # the toolbar's
        dialog = page.get_by_role("dialog", name="Quote a social post")
        dialog.wait_for()
        dialog.get_by_label("Author's name").fill(name)
        dialog.get_by_label("Handle").fill(handle)
        dialog.get_by_label("What the post said").fill(text)
        dialog.get_by_label("Time as shown").fill("19h")
        if parent_label:
            dialog.get_by_label("In reply to").select_option(label=parent_label)
        dialog.get_by_role("button", name="Save and insert").click()
        dialog.wait_for(state="hidden")

    # A pasted post address opens the dialog; cancelling it gives the plain paste back.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    paste(page, BODY, "https://bsky.app/profile/netguard.example.org/post/3lk2abcdxyz2a")
    dialog = page.get_by_role("dialog", name="Quote a social post")
    page.get_by_text("Paste the post's words and its time").wait_for()
    assert dialog.get_by_label("Platform").input_value() == "bluesky"
    assert dialog.get_by_label("Handle").input_value() == "@netguard.example.org"
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="hidden")
    # The editor writes its Markdown back to the form after the paste's transaction.
    page.wait_for_function("() => document.querySelector('#body').value.includes('bsky.app')")
    assert markdown(page) == "Intro.https://bsky.app/profile/netguard.example.org/post/3lk2abcdxyz2a"
    page.keyboard.press("Control+A")
    page.keyboard.type("Intro.")

    quote("netGUARD", "@netguard_lab", "Do we need peer support circles? #netGUARD")
    quote("Dr Rosa Lind", "@rosalind_phd", "@netguard_lab Yes, with care.",
          parent_label="@netguard_lab: Do we need peer support circles? #netGUARD", via_event=True)
    quote("Sam Okoro", "@samokoro", "@netguard_lab Only for some clients.",
          parent_label="@netguard_lab: Do we need peer support circles? #netGUARD")
    assert re.fullmatch(r"Intro\.\n\n\[\[social:netguard-lab-\w{4},rosalind-phd-\w{4},samokoro-\w{4}\]\]\n",
                        markdown(page)), markdown(page)
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published.").wait_for()

    visitor = browser.new_context().new_page()
    visitor.goto(live_server.url + "/posts/a-question-and-its-answers")
    assert visitor.locator("article .social-thread figure.social-post").count() == 3
    assert visitor.locator("article").get_by_text("Do we need peer support circles?").count() == 1
    assert visitor.locator("article figure.social-reply").count() == 2
    visitor.context.close()
