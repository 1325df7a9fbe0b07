"""Issue 14 item 13: a digest too long for mail clients is trimmed in a fixed number of renderings."""
from __future__ import annotations

from datetime import timedelta

from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import services
from blog.posts.models import Post
from tests.factories import make_post, make_user


def test_trimming_renders_a_fixed_number_of_times_and_keeps_the_newest_that_fit(app, monkeypatch):
    monkeypatch.setattr(services, "MAX_HTML_BYTES", 20_000)
    renderings = []
    real_render = services._render
    monkeypatch.setattr(services, "_render", lambda *a, **kw: renderings.append(kw) or real_render(*a, **kw))
    body = "Findings and reflections from the workshop, with a long enough excerpt. " * 8
    with app.test_request_context():
        author = make_user()
        start = utcnow() - timedelta(hours=2)
        for n in range(60):
            make_post(author, title=f"Write-up {n:02d}", body=body, published_at=start + timedelta(minutes=n))
        composition = services.compose_digest(since=start - timedelta(minutes=1))
        assert len(renderings) == 3  # whole posts, excerpts measured once, the result
        assert len(composition.html.encode()) <= services.MAX_HTML_BYTES
        kept = [post.title for post in composition.posts]
        assert 1 < len(kept) < 60 and kept == [f"Write-up {n:02d}" for n in range(60 - len(kept), 60)]
        assert "post-boundary" not in composition.html
        everything = list(db.session.execute(db.select(Post).order_by(Post.published_at)).scalars())
        html, _ = real_render("digest", posts=everything[-len(kept) - 1:], upcoming=[], changed=[], note_html="",
                              full_posts=False, since=start, day="today", note_text="")
        assert len(html.encode()) > services.MAX_HTML_BYTES  # as many as fit, not fewer
