"""Photos and galleries in the rich-text editor, edited where they stand: alt text and caption on
the photo (in step with the side panel's card), galleries built and reordered by drag or with the
keyboard in one undoable step, and Publish waiting for a caption typed just before."""
from __future__ import annotations

import re
import time

import pytest
from flask import request

from blog.extensions import db
from blog.posts.models import Post

from tests.editor import seed_post as seed
from tests.editor.rich import BODY, markdown, settle
from tests.editor.test_rich_editor import button, start_writing, upload_with_photo_button
from tests.media.images import photo

pytestmark = pytest.mark.browser


def upload_gallery(page, names: list[str]) -> None:
    with page.expect_file_chooser() as chooser:
        button(page, "Gallery").click()
    chooser.value.set_files([{"name": name, "mimeType": "image/jpeg", "buffer": photo(640, 480, color=(40 * i, 90, 120))}
                             for i, name in enumerate(names)])
    page.wait_for_function("() => document.querySelector('#body').value.includes('[[gallery:')")


def gallery_names(page) -> list[str]:
    """The photos of the gallery, in the order the Markdown has them (by their file names)."""
    keys = re.search(r"\[\[gallery:([^\]]+)\]\]", markdown(page)).group(1).split(",")
    return [page.locator(f"#photo-card-{key} legend").inner_text() for key in keys]


def drag_node(page, source, target) -> None:
    """Drag a whole node of the text onto ``target``: the events a browser fires for it (Chromium
    under Playwright starts no drag from a photo node's picture, though a person's mouse does)."""
    transfer = page.evaluate_handle("() => new DataTransfer()")
    source.dispatch_event("mousedown", {"button": 0})
    source.dispatch_event("dragstart", {"dataTransfer": transfer})
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    point = {"clientX": box["x"] + box["width"] / 2, "clientY": box["y"] + box["height"] / 2}
    for kind in ("dragenter", "dragover", "drop"):
        target.dispatch_event(kind, {"dataTransfer": transfer, **point})


def photo_group(page, name: str):
    return page.locator(BODY).get_by_role("group", name=f"Photo {name}")


def test_alt_text_and_caption_are_edited_on_the_photo_and_missing_alt_is_flagged(live_server, page):
    start_writing(live_server, page, "Our day.")
    upload_with_photo_button(page, "room.jpg")
    on_photo = photo_group(page, "room.jpg")
    flag = on_photo.get_by_text("No alt text yet")
    flag.wait_for()  # uploaded: the photo shows in the text, flagged
    card = page.locator(".photo-card", has_text="room.jpg")

    on_photo.get_by_label("Alt text").fill("A seminar room with twelve people")
    assert card.get_by_label("Alt text (required to publish)").input_value() == "A seminar room with twelve people"
    assert flag.is_hidden()
    assert not page.locator("#alt-warning").is_visible()
    on_photo.get_by_label("Caption").fill("The morning session")
    on_photo.get_by_label("Caption").press("Tab")  # the change is saved at once, as in the card
    page.locator(".photo-card.photo-saved", has_text="room.jpg").wait_for()

    # Typed in the side panel: the photo in the text follows.
    card.get_by_label("Caption").fill("The afternoon session")
    assert on_photo.get_by_label("Caption").input_value() == "The afternoon session"
    card.get_by_label("Alt text (required to publish)").fill("")
    flag.wait_for()
    # The fields belong to the photo, not to the text: typing there leaves the Markdown alone.
    assert markdown(page).startswith("Our day.\n\n[[photo:") and "seminar" not in markdown(page)
    settle(page)


def test_each_gallery_photo_has_its_own_fields_and_moves_with_buttons_in_one_undo_step(live_server, page,
                                                                                       axe_violations):
    start_writing(live_server, page, "Pictures.")
    upload_gallery(page, ["a.jpg", "b.jpg", "c.jpg"])
    assert gallery_names(page) == ["a.jpg", "b.jpg", "c.jpg"]
    page.locator(BODY + " .directive-gallery .photo-node-edit").nth(2).wait_for()
    assert axe_violations(page) == []
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        photo_group(page, name).get_by_label("Alt text").fill(f"Photo {name[0]}")
        assert page.locator(".photo-card", has_text=name).get_by_label(
            "Alt text (required to publish)").input_value() == f"Photo {name[0]}"
    assert page.locator(BODY).get_by_role("button", name="Move a.jpg left").is_disabled()

    page.locator(BODY).get_by_role("button", name="Move b.jpg left").click()
    page.wait_for_function("() => document.activeElement.matches('.photo-node-move')")
    assert gallery_names(page) == ["b.jpg", "a.jpg", "c.jpg"]
    page.keyboard.press("Enter")  # focus stayed on b's buttons (now the first: "right" is left)
    assert gallery_names(page) == ["a.jpg", "b.jpg", "c.jpg"]
    page.locator(BODY).get_by_role("button", name="Move c.jpg left").click()
    assert gallery_names(page) == ["a.jpg", "c.jpg", "b.jpg"]
    button(page, "Undo").click()  # one move, one step
    assert gallery_names(page) == ["a.jpg", "b.jpg", "c.jpg"]
    settle(page)


def test_gallery_photos_reorder_by_drag_and_a_photo_dropped_on_a_photo_makes_a_gallery(live_server, page):
    start_writing(live_server, page, "Pictures.")
    upload_gallery(page, ["a.jpg", "b.jpg", "c.jpg"])
    figure = page.locator(BODY + " .directive-gallery figure")
    figure.nth(0).locator("img").wait_for()
    box = figure.nth(2).bounding_box()
    figure.nth(0).locator("img").drag_to(figure.nth(2), target_position={"x": box["width"] - 5, "y": 20})
    assert gallery_names(page) == ["b.jpg", "c.jpg", "a.jpg"]
    button(page, "Undo").click()
    assert gallery_names(page) == ["a.jpg", "b.jpg", "c.jpg"]

    # Two photos inserted one by one; the second dragged onto the first: a gallery, in one step.
    page.locator(BODY).click()
    page.keyboard.press("Control+End")
    upload_with_photo_button(page, "d.jpg")
    page.locator(BODY).click()
    page.keyboard.press("Control+End")
    upload_with_photo_button(page, "e.jpg")
    photos = page.locator(BODY + " .directive-photo")
    photos.nth(1).locator("img").wait_for()
    before = markdown(page)
    assert before.count("[[photo:") == 2
    drag_node(page, photos.nth(1), photos.nth(0))
    after = markdown(page)
    assert after.count("[[photo:") == 0 and after.count("[[gallery:") == 2
    assert re.findall(r"\[\[gallery:[^\]]+\]\]", after)[1].count(",") == 1
    button(page, "Undo").click()
    assert markdown(page) == before
    settle(page)


def test_a_caption_typed_just_before_publish_is_saved_first_and_published(live_server, page, browser):
    start_writing(live_server, page, "Our day in pictures.")
    page.get_by_label("Title").fill("A caption at the last second")
    upload_with_photo_button(page, "room.jpg")
    on_photo = photo_group(page, "room.jpg")
    on_photo.get_by_label("Alt text").fill("A seminar room")
    order = []
    views = live_server.app.view_functions

    def slowed_details(view):  # a slow network or server: the caption's own save takes a while
        def slow(*args, **kwargs):
            time.sleep(1.5)
            answer = view(*args, **kwargs)
            order.append("photo details saved")
            return answer
        return slow

    def noted_form(view):
        def noted(*args, **kwargs):
            if request.method == "POST":
                order.append("form sent")
            return view(*args, **kwargs)
        return noted

    views["media.update"] = slowed_details(views["media.update"])
    for name in ("editor.new", "editor.edit"):
        views[name] = noted_form(views[name])
    on_photo.get_by_label("Caption").fill("Everyone, before lunch")
    page.get_by_role("button", name="Publish").click()  # at once
    page.get_by_text("Published.").wait_for(timeout=60_000)
    assert order.index("photo details saved") < order.index("form sent")

    reader = browser.new_context()
    visitor = reader.new_page()
    visitor.goto(f"{live_server.url}/posts/a-caption-at-the-last-second")
    assert visitor.locator("article figure.photo figcaption").inner_text() == "Everyone, before lunch"
    reader.close()
    settle(page)


def test_publish_before_the_first_autosave_reached_the_server_makes_one_post(live_server, page):
    """The first autosave creates the post. If it falls due while Publish waits for a photo's
    details, it must not start: the form, sent next to the address for new posts, would create
    the post a second time."""
    page.route("**/editor/posts/new/autosave", lambda route: route.abort())  # no connection yet
    start_writing(live_server, page, "Our day in pictures.")
    page.get_by_label("Title").fill("One post, not two")
    upload_with_photo_button(page, "room.jpg")
    on_photo = photo_group(page, "room.jpg")
    on_photo.get_by_label("Alt text").fill("A seminar room")
    page.locator("#save-status", has_text="Offline").wait_for()  # nothing on the server yet
    page.unroute("**/editor/posts/new/autosave")
    views = live_server.app.view_functions

    running = []  # requests the server is still answering

    def slowed(view, seconds):
        def slow(*args, **kwargs):
            running.append(view)
            try:
                time.sleep(seconds)
                return view(*args, **kwargs)
            finally:
                running.remove(view)
        return slow

    # The photo's details take longer than the quiet time (2 s) after which an autosave is due,
    # and that autosave would still be on its way when they are done.
    views["media.update"] = slowed(views["media.update"], 4)
    views["editor.autosave_new"] = slowed(views["editor.autosave_new"], 3)
    on_photo.get_by_label("Caption").fill("Everyone, before lunch")
    page.locator(BODY).press("End")
    page.keyboard.type(" And after.")  # an autosave falls due 2 s from now, while Publish waits
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published.").wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    while running:  # an autosave the browser gave up on still reaches the database
        page.wait_for_timeout(100)
    with live_server.app.app_context():
        posts = db.session.execute(db.select(Post.title, Post.status)).all()
    assert [(title, status) for title, status in posts] == [("One post, not two", "published")]
    settle(page)


def test_pasted_quotes_offer_the_one_just_before_by_handle_day_and_words_and_join_one_conversation(
        live_server, page, browser):
    start_writing(live_server, page, "The thread.\n")
    page.get_by_label("Title").fill("A thread")
    page.locator(BODY).click()
    page.keyboard.press("Control+End")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    dialog = page.get_by_role("dialog", name="Quote a social post")

    def paste_quote(embed: str) -> None:
        page.evaluate("text => navigator.clipboard.writeText(text)", embed)
        page.keyboard.press("Control+V")
        page.get_by_text("Filled in from the embed code").wait_for()

    paste_quote(seed.ELLIOTT_WORKSHOP)
    dialog.get_by_role("button", name="Save and insert").click()
    dialog.wait_for(state="hidden")
    paste_quote(seed.QUESTION)
    dialog.get_by_label("Likes").fill("1")
    dialog.get_by_role("button", name="Save and insert").click()
    dialog.wait_for(state="hidden")
    paste_quote(seed.ELLIOTT_REPLY_1)  # starts with "@online_PROTECT": a reply to the question
    choices = dialog.get_by_label("In reply to")
    chosen = choices.evaluate("select => select.selectedOptions[0].textContent")
    assert chosen == "@online_PROTECT, 20 November 2014: Do we need Circles of Support & Accountability …"
    # The post pasted just before comes first among the choices, then the one before it.
    labels = choices.evaluate("select => [...select.options].map(o => o.textContent)")
    assert labels[1] == chosen and labels[2].startswith("@ianaelliott, ")
    dialog.get_by_role("button", name="Save and insert").click()
    dialog.wait_for(state="hidden")
    quotes = re.findall(r"\[\[social:([^\]]+)\]\]", markdown(page))
    assert len(quotes) == 2 and quotes[1].count(",") == 1  # the question and its reply: one conversation

    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published.").wait_for(timeout=60_000)
    reader = browser.new_context()
    visitor = reader.new_page()
    visitor.goto(f"{live_server.url}/posts/a-thread")
    # Likes "as of" the question's own day, not the day it was pasted.
    assert visitor.locator(".social-counts").inner_text() == "1 like (as of 20 November 2014)"
    reader.close()
    settle(page)
