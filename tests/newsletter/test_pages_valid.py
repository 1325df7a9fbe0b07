"""The newsletter's pages are valid HTML5 (Nu HTML Checker), public and admin alike."""
from __future__ import annotations

from datetime import timedelta

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import review, services
from tests.factories import make_post, make_user
from tests.newsletter.conftest import add_subscribers


def test_newsletter_pages_are_valid_html(app, html_errors):
    with app.test_request_context():
        [subscriber] = add_subscribers(1)
        editor = make_user(Role.ADMIN)
        make_post(editor, title="A post", published_at=utcnow().replace(microsecond=0) - timedelta(minutes=1))
        token = services.subscriber_token(subscriber)
        confirm = services.confirm_token(subscriber, receives=subscriber.receives_enum, name="", tags="")
        mailing = services.queue_mailing(services.compose_digest(), by=None)
        draft = review.save_draft(services.compose_post(make_post(editor, title="To announce")), by=editor)
        services.unsubscribe(subscriber)
        db.session.commit()
        mailing_id, sub_id, email, draft_id = mailing.id, subscriber.id, editor.email, draft.id
    public = app.test_client()
    pages = {
        "home": public.get("/"),
        "subscribe": public.get("/newsletter/subscribe"),
        "subscribe-done": public.post("/newsletter/subscribe", data={"email": "x@example.org"}),
        "subscribe-error": public.post("/newsletter/subscribe", data={"email": "nope"}),
        "embed": public.get("/newsletter/embed"),
        "confirm": public.get(f"/newsletter/confirm/{confirm}"),
        "preferences": public.get(f"/newsletter/preferences/{token}"),
        "unsubscribe": public.get(f"/newsletter/unsubscribe/{token}"),
        "unsubscribed": public.post(f"/newsletter/unsubscribe/{token}"),
        "invalid": public.get("/newsletter/preferences/bad"),
    }
    admin = app.test_client()
    admin.post("/login", data={"email": email, "password": "correct horse battery"})
    pages.update({
        "admin": admin.get("/newsletter/admin/"),
        "preview": admin.get(f"/newsletter/admin/preview?subscriber={sub_id}"),
        "mailing": admin.get(f"/newsletter/admin/mailings/{mailing_id}"),
        "subscribers": admin.get("/newsletter/admin/subscribers"),
        "subscriber": admin.get(f"/newsletter/admin/subscribers/{sub_id}"),
        "drafts": admin.get("/newsletter/admin/drafts/"),
        "draft": admin.get(f"/newsletter/admin/drafts/{draft_id}"),
    })
    for name, response in pages.items():
        assert response.status_code in (200, 400, 404), (name, response.status_code)
    problems = html_errors({name: response.data for name, response in pages.items()})
    assert problems == [], "\n".join(map(str, problems))
