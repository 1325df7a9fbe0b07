"""Steps the rich-text editor's browser tests share."""
from __future__ import annotations

import base64

from tests.browsing import sign_in

BODY = "[contenteditable=true].rich-body"


def open_editor(page, base_url: str, email: str, path: str = "/editor/posts/new") -> None:
    """Sign in and open the writing page with the rich-text editor ready."""
    sign_in(page, base_url, email)
    page.goto(base_url + path)
    wait_until_editor_ready(page)


def wait_until_editor_ready(page) -> None:
    """Until the rich-text editor says it is ready. The page may still be navigating when this
    starts polling (after a click on a link), when a document has no root element yet."""
    page.wait_for_function("() => document.documentElement?.dataset.editorReady === 'true'")


def markdown(page) -> str:
    """What the form would send: the Markdown the editor keeps in textarea#body."""
    return page.locator("textarea#body").input_value()


def settle(page) -> None:
    """Let autosave and previews finish before the test's teardown empties the database."""
    status = page.locator("#save-status")
    if status.count() and "Not saved yet" in (status.text_content() or ""):
        page.locator("#save-status", has_text="Saved at").wait_for()
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")


def paste(page, html: str | None = None, text: str = "", selector: str = BODY) -> None:
    """A paste as the browser delivers it from the system clipboard (HTML and plain text flavours)."""
    page.evaluate("""([selector, html, text]) => {
        const target = document.querySelector(selector);
        const data = new DataTransfer();
        if (html !== null) { data.setData('text/html', html); }
        data.setData('text/plain', text);
        target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }""", [selector, html, text])


def drop_files(page, files, selector: str = BODY) -> None:
    """Drag files from the desktop and drop them on the text (the events a real drop fires)."""
    payload = [{"name": name, "type": kind, "data": base64.b64encode(data).decode()} for name, kind, data in files]
    transfer = page.evaluate_handle("""(files) => {
        const transfer = new DataTransfer();
        for (const f of files) {
            const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
            transfer.items.add(new File([bytes], f.name, { type: f.type }));
        }
        return transfer;
    }""", payload)
    box = page.locator(selector).bounding_box()
    point = {"clientX": box["x"] + 20, "clientY": box["y"] + box["height"] - 10}
    for kind in ("dragenter", "dragover", "drop"):
        page.dispatch_event(selector, kind, {"dataTransfer": transfer, **point})
