"""The consent log: every step of a subscription recorded, shown to admins, exported, downloadable."""
from __future__ import annotations

import csv
import io
import json

import pytest

from blog.accounts.models import Role
from blog.extensions import db
from blog.newsletter import consent, services
from blog.newsletter.models import ConsentEvent, Subscriber
from tests.factories import login, make_user
from tests.newsletter.conftest import links_in, path_of

READER_IP = "203.0.113.77"


def _log(app) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        return [(e.action, e.source, e.ip_address, e.consent_version) for e in
                db.session.execute(db.select(ConsentEvent).order_by(ConsentEvent.id)).scalars()]


def _subscriber(app) -> Subscriber:
    return db.session.execute(db.select(Subscriber)).scalar_one()


def test_every_step_is_logged_with_form_text_version_and_truncated_ip(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url, NEWSLETTER_CONSENT_TEXT="Monthly news; leave any time.",
                   NEWSLETTER_CONSENT_VERSION="2026-11")
    reader = app.test_client()
    reader.environ_base["REMOTE_ADDR"] = READER_IP
    reader.post("/newsletter/subscribe", data={"email": "ada@example.org", "receives": "both",
                                               "source": "footer"})
    [link] = [u for u in links_in(smtp_server.messages()[-1].get_body(("plain",)).get_content())
              if "/confirm/" in u]
    reader.post(path_of(link))
    with app.test_request_context():
        subscriber = _subscriber(app)
        prefs = path_of(services.preferences_url(subscriber))
        unsubscribe = path_of(services.unsubscribe_url(subscriber))
    reader.post(prefs, data={"name": "Ada", "receives": "events", "tags": "workshops"})
    reader.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})

    assert _log(app) == [("requested", "footer", "203.0.113.0", "2026-11"),
                         ("confirmed", "email", "203.0.113.0", ""),
                         ("preferences", "email", "203.0.113.0", ""),
                         ("unsubscribed", "one-click", "203.0.113.0", "")]
    with app.app_context():
        requested, _, preferences, _ = db.session.execute(
            db.select(ConsentEvent).order_by(ConsentEvent.id)).scalars()
        assert requested.consent_text == "Monthly news; leave any time."
        assert "receives: both → events" in preferences.detail and "interests: (none) → workshops" in preferences.detail

    # The form shows the configured consent text, and the page form says it is the page.
    page = reader.get("/newsletter/subscribe").get_data(as_text=True)
    assert "Monthly news; leave any time." in page
    reader.post("/newsletter/subscribe", data={"email": "bo@example.org", "receives": "both"})
    reader.post("/newsletter/subscribe?embed=1", data={"email": "cy@example.org", "embed": "1"})
    assert [row[1] for row in _log(app)[-2:]] == ["page", "embed"]


@pytest.mark.parametrize("mode, ipv4, ipv6", [
    ("full", "203.0.113.77", "2001:db8:1234:5678::9"),
    ("truncated", "203.0.113.0", "2001:db8:1234::"),
    ("none", "", ""),
])
def test_ip_address_is_stored_as_configured(make_app, mode, ipv4, ipv6):
    app = make_app(NEWSLETTER_STORE_IP=mode)
    with app.app_context():
        assert consent.stored_ip("203.0.113.77") == ipv4
        assert consent.stored_ip("2001:db8:1234:5678::9") == ipv6


def test_consent_version_follows_the_text_when_not_set(make_app):
    with make_app(NEWSLETTER_CONSENT_TEXT="One text.").app_context():
        first = consent.consent_text()[1]
    with make_app(NEWSLETTER_CONSENT_TEXT="Another text.").app_context():
        second = consent.consent_text()[1]
    assert first != second and len(first) == 12


def test_bounce_complaint_and_import_are_logged(make_app):
    app = make_app(NEWSLETTER_BOUNCE_THRESHOLD=2)
    with app.test_request_context():
        admin = make_user(Role.ADMIN)
        services.import_csv("email,consent\nbo@example.org,signed up at the workshop\n"
                            "cy@example.org,business card\n", by=admin)
        bo, cy = db.session.execute(db.select(Subscriber).order_by(Subscriber.email)).scalars()
        services.record_bounce(bo, "550 5.1.1 no such user")
        services.record_bounce(bo, "550 5.1.1 no such user")
        services.unsubscribe(cy, source=consent.Source.MAIL_SYSTEM, action="complaint", detail="abuse report")
        db.session.commit()
        assert bo.status == "bounced" and bo.unsubscribed_at is not None
        assert [(e.action, e.source) for e in consent.history(bo)] == [("imported", "import"),
                                                                        ("bounced", "relay")]
        assert "signed up at the workshop" in consent.history(bo)[0].detail
        assert [(e.action, e.source, e.detail) for e in consent.history(cy)][1:] == [
            ("complaint", "mail-system", "abuse report")]
        assert cy.status == "unsubscribed"


def test_admin_sees_the_log_and_exports_it_as_csv_others_cannot(make_app):
    app = make_app()
    with app.test_request_context():
        admin, editor = make_user(Role.ADMIN), make_user(Role.EDITOR)
        outcome = services.subscribe("ada@example.org", ip="198.51.100.4", source=consent.Source.PAGE)
        services.subscribe("=other@example.org", source=consent.Source.FOOTER)  # a formula to a spreadsheet
        db.session.commit()
        subscriber_id = outcome.subscriber.id
        client, other = app.test_client(), app.test_client()
        login(client, admin)
        login(other, editor)
    page = client.get(f"/newsletter/admin/subscribers/{subscriber_id}")
    assert page.status_code == 200
    assert "198.51.100.0" in page.get_data(as_text=True) and "requested" in page.get_data(as_text=True)
    listing = client.get("/newsletter/admin/subscribers").get_data(as_text=True)
    assert f"/newsletter/admin/subscribers/{subscriber_id}" in listing

    rows = list(csv.DictReader(io.StringIO(client.get("/newsletter/admin/consent.csv").get_data(as_text=True))))
    assert [(r["action"], r["source"]) for r in rows] == [("requested", "page"), ("requested", "footer")]
    assert rows[0]["ip_address"] == "198.51.100.0" and rows[0]["consent_version"]
    assert rows[1]["email"] == "'=other@example.org"  # shown as text, never run
    one = client.get(f"/newsletter/admin/consent.csv?subscriber={subscriber_id}").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(one)))) == 1

    assert other.get("/newsletter/admin/consent.csv").status_code == 403
    assert other.get(f"/newsletter/admin/subscribers/{subscriber_id}").status_code == 403


def test_subscriber_downloads_their_own_data_as_json(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url)
    with app.test_request_context():
        outcome = services.subscribe("ada@example.org", name="Ada", ip="203.0.113.5")
        db.session.commit()
        services.confirm(services.confirmation_link(outcome.subscriber, outcome.requested).rsplit("/", 1)[1])
        db.session.commit()
        url = path_of(services.preferences_url(outcome.subscriber))
    client = app.test_client()
    page = client.get(url).get_data(as_text=True)
    assert f'href="{url}/data.json"' in page
    response = client.get(url + "/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["email"] == "ada@example.org" and data["status"] == "subscribed"
    assert [e["action"] for e in data["consent_log"]] == ["requested", "confirmed"]
    assert data["consent_log"][0]["ip_address"] == "203.0.113.0"
    assert client.get(url.replace("preferences/", "preferences/x") + "/data.json").status_code == 404
