"""Excerpts read as the browser shows the post: no space appears where inline markup began or ended."""
import re

import pytest

from blog.core.markdown import plain_text
from blog.demo import create_demo_content
from blog.extensions import db
from blog.posts.models import Post


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.browser
def test_every_demo_excerpt_is_the_text_chromium_shows(live_server, page):
    with live_server.app.app_context():
        create_demo_content()
        db.session.commit()
        posts = [(post.slug, post.excerpt, post.body_html)
                 for post in db.session.execute(db.select(Post)).scalars() if not post.custom_excerpt]
    assert posts
    for slug, excerpt, body_html in posts:
        page.goto(f"{live_server.url}/posts/{slug}")
        shown = _folded(page.locator(".post-body").inner_text())
        assert plain_text(body_html) == shown
        assert shown.startswith(excerpt.removesuffix("…")), (excerpt, shown[:300])
