"""The rich-text editor in Chromium: formatting, undo/redo, Markdown view, insertion and paste."""
from __future__ import annotations

import pytest

from blog.accounts.models import Role
from tests.editor.rich import BODY, markdown, open_editor, settle
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_shortcuts_and_toolbar_write_markdown(live_server, page):
    with live_server.app.app_context():
        make_user(Role.AUTHOR, email="w@example.org")
    open_editor(page, live_server.url, "w@example.org")
    page.locator(BODY).click()
    page.keyboard.type("## How it went\nA *fine* day with **many** people.\n> Hope matters.\n")
    print(repr(markdown(page)))
    settle(page)
