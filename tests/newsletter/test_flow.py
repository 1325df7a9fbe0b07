"""The whole path against a real SMTP server: subscribe, confirm, digest, one-click unsubscribe."""
from __future__ import annotations

from datetime import timedelta

from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter.models import Subscriber
from tests.factories import make_post, make_user
from tests.newsletter.conftest import links_in, path_of


def _subscribe(client, email, **extra):
    data = {"email": email, "name": "Ada", "receives": "both", "tags": "workshops"}
    data.update(extra)
    return client.post("/newsletter/subscribe", data=data)


def test_subscribe_confirm_digest_and_one_click_unsubscribe(mail_app, smtp_server):
    client = mail_app.test_client()
    response = _subscribe(client, "Ada.Lovelace@Example.ORG")
    assert response.status_code == 200
    assert b"Check your inbox" in response.data

    [confirmation] = smtp_server.messages()
    assert confirmation["To"].addresses[0].addr_spec == "ada.lovelace@example.org"
    text = confirmation.get_body(("plain",)).get_content()
    html = confirmation.get_body(("html",)).get_content()
    [link] = [u for u in links_in(text) if "/newsletter/confirm/" in u]
    assert link in html
    with mail_app.app_context():
        subscriber = db.session.execute(db.select(Subscriber)).scalar_one()
        assert subscriber.status == "pending" and subscriber.consent_at is None

    page = client.get(path_of(link))  # a link scanner's GET changes nothing
    assert page.status_code == 200 and b"Yes, subscribe me" in page.data
    confirmed = client.post(path_of(link))
    assert confirmed.status_code == 302 and "/newsletter/preferences/" in confirmed.headers["Location"]

    with mail_app.app_context():
        subscriber = db.session.execute(db.select(Subscriber)).scalar_one()
        assert subscriber.status == "subscribed" and subscriber.consent_at is not None
        assert subscriber.tags == "workshops" and subscriber.name == "Ada"
        author = make_user()
        author_id = author.id
        make_post(author, title="Workshop: “Safer Screens” & more", body="A *full* day.\n\n![Team](/media/team.jpg)")

    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["newsletter", "send"])
    assert "queued for 1 subscribers" in result.output, result.output
    result = runner.invoke(args=["newsletter", "worker", "--once", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output

    digest = smtp_server.messages()[-1]
    assert digest.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in digest.iter_parts()] == ["text/plain", "text/html"]
    assert digest["Subject"] == "Research Group Blog: Workshop: “Safer Screens” & more"
    assert digest["From"].addresses[0].display_name == "Research Group Blog"
    assert digest["Reply-To"] and digest["Date"] and digest["Message-ID"].startswith("<")
    assert "newsletter.blog.test" in digest["List-Id"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = digest["List-Unsubscribe"].strip("<>")
    html = digest.get_body(("html",)).get_content()
    text = digest.get_body(("plain",)).get_content()
    assert 'src="http://blog.test/media/team.jpg"' in html  # images as absolute URLs
    assert 'style="' in html and "<style" not in html  # CSS inlined
    assert "Workshop: “Safer Screens” & more" in text and "&amp;" not in text
    assert unsubscribe in html and unsubscribe in text
    post_link = [u for u in links_in(text) if "/posts/" in u][0]
    assert client.get(path_of(post_link)).status_code == 200
    preferences = [u for u in links_in(text) if "/newsletter/preferences/" in u][0]
    assert client.get(path_of(preferences)).status_code == 200

    # RFC 8058: a bare POST, no session, no CSRF token.
    fresh = mail_app.test_client()
    response = fresh.post(path_of(unsubscribe), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with mail_app.app_context():
        subscriber = db.session.execute(db.select(Subscriber)).scalar_one()
        assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at is not None
        from blog.accounts.models import User
        make_post(db.session.get(User, author_id), title="Another one")
    runner.invoke(args=["newsletter", "send"])
    runner.invoke(args=["newsletter", "worker", "--once", "--quiet"])
    assert len(smtp_server.messages()) == 2  # nothing more for them


def test_one_click_unsubscribe_works_with_csrf_on(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, WTF_CSRF_ENABLED=True)
    from blog.newsletter import services
    from tests.newsletter.conftest import add_subscribers

    with app.test_request_context():
        [subscriber] = add_subscribers(1)
        url = services.unsubscribe_url(subscriber)
    client = app.test_client()
    get = client.get(path_of(url))
    assert get.status_code == 200 and b"Unsubscribe</button>" in get.data
    assert client.post(path_of(url), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context():
        assert db.session.execute(db.select(Subscriber)).scalar_one().status == "unsubscribed"


def test_same_answer_for_new_pending_and_subscribed(mail_app, smtp_server):
    client = mail_app.test_client()
    new = _subscribe(client, "a@example.org")
    with mail_app.app_context():
        db.session.execute(db.update(Subscriber).values(confirmation_sent_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    pending = _subscribe(client, "a@example.org")
    with mail_app.app_context():
        db.session.execute(db.update(Subscriber).values(status="subscribed",
                                                        confirmation_sent_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    subscribed = _subscribe(client, "a@example.org")
    assert new.status_code == pending.status_code == subscribed.status_code == 200
    assert new.data == pending.data == subscribed.data
    subjects = [m["Subject"] for m in smtp_server.messages()]
    assert subjects == ["Please confirm your subscription to Research Group Blog"] * 2 + \
        ["You are already subscribed to Research Group Blog"]
    # Asking again at once sends nothing more (no inbox flooding), same answer.
    again = _subscribe(client, "a@example.org")
    assert again.data == new.data and len(smtp_server.messages()) == 3


def test_honeypot_and_invalid_address(mail_app, smtp_server):
    client = mail_app.test_client()
    bot = _subscribe(client, "bot@example.org", website="http://spam.example")
    assert bot.status_code == 200 and b"Check your inbox" in bot.data
    bad = _subscribe(client, "not an address")
    assert bad.status_code == 400 and b"not valid" in bad.data
    with mail_app.app_context():
        assert db.session.execute(db.select(Subscriber)).first() is None
    assert smtp_server.messages() == []


def test_subscribe_is_rate_limited(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, RATELIMIT_ENABLED=True, SUBSCRIBE_LIMITS="3 per minute")
    client = app.test_client()
    codes = [_subscribe(client, f"r{i}@example.org").status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_expired_or_forged_confirmation_link(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, NEWSLETTER_CONFIRM_HOURS=0)
    client = app.test_client()
    _subscribe(client, "late@example.org")
    [link] = [u for u in links_in(smtp_server.messages()[0].get_body(("plain",)).get_content())
              if "/confirm/" in u]
    import time
    time.sleep(1.1)
    assert client.post(path_of(link)).status_code == 404
    assert client.post("/newsletter/confirm/forged.token").status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(Subscriber)).scalar_one().status == "pending"


def test_preferences_change_and_delete_my_data(mail_app, smtp_server):
    from blog.newsletter import services
    from tests.newsletter.conftest import add_subscribers

    with mail_app.test_request_context():
        [subscriber] = add_subscribers(1)
        url = services.preferences_url(subscriber)
    client = mail_app.test_client()
    response = client.post(path_of(url), data={"name": "New Name", "receives": "events", "tags": "a, b"})
    assert response.status_code == 302
    with mail_app.app_context():
        subscriber = db.session.execute(db.select(Subscriber)).scalar_one()
        assert (subscriber.receives, subscriber.name, subscriber.tags) == ("events", "New Name", "a, b")
    assert client.post(path_of(url) + "/delete").status_code == 200
    with mail_app.app_context():
        assert db.session.execute(db.select(Subscriber)).first() is None
    assert client.get(path_of(url)).status_code == 404  # old links stop working


def test_footer_form_and_embeddable_form(app, client):
    home = client.get("/")
    assert b'action="/newsletter/subscribe"' in home.data and b'name="website"' in home.data
    embed = client.get("/newsletter/embed")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    assert 'name="embed" value="1"' in embed.get_data(as_text=True)
