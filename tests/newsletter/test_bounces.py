"""The bounce mailbox, read from a real Dovecot over IMAPS and POP3S: DSNs (RFC 3464) and ARF
complaints (RFC 5965) in the formats Postfix and the large providers send."""
from __future__ import annotations

import imaplib
import ssl
from datetime import timedelta

import pytest

from blog.config import ConfigError, from_environment
from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import consent, services
from blog.newsletter.bounces import PROCESSED_KEYWORD, check_bounce_mailbox
from blog.newsletter.delivery import Worker
from blog.newsletter.models import Delivery, Subscriber
from tests.factories import make_post, make_user
from tests.newsletter.conftest import add_subscribers
from tests.newsletter.dovecot import PASSWORD, USER, dovecot  # noqa: F401  (the fixture)


def postfix_dsn(original: bytes, recipient: str, status: str, action: str = "failed",
                diagnostic: str = "", headers_only: bool = True) -> bytes:
    """A delivery status notification as Postfix writes it (the original's headers returned)."""
    head = original.split(b"\r\n\r\n", 1)[0].decode().replace("\r\n", "\n") if headers_only else ""
    returned = (f"Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n"
                f"Content-Transfer-Encoding: 7bit\n\n{head}\n") if head else ""
    return f"""Return-Path: <>
Received: by mx.example.org (Postfix) id 4F3A1C0155; Mon, 30 Nov 2026 10:12:01 +0000 (UTC)
Date: Mon, 30 Nov 2026 10:12:01 +0000 (UTC)
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: bounces@blog.test
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4F3A1C0155.1764497521/mx.example.org"
Message-Id: <20261130101201.4F3A1C0155@mx.example.org>

This is a MIME-encapsulated message.

--4F3A1C0155.1764497521/mx.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--4F3A1C0155.1764497521/mx.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
X-Postfix-Queue-ID: 4F3A1C0155
Arrival-Date: Mon, 30 Nov 2026 10:11:58 +0000 (UTC)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; inbound.example.org
Diagnostic-Code: smtp; {diagnostic or status + " mailbox problem"}

--4F3A1C0155.1764497521/mx.example.org
{returned}
--4F3A1C0155.1764497521/mx.example.org--
""".replace("\n", "\r\n").encode()


def arf_complaint(original: bytes, recipient: str) -> bytes:
    """An abuse report in the Abuse Reporting Format (RFC 5965), the original message attached."""
    return (f"""From: <staff@provider.example>
Date: Mon, 30 Nov 2026 11:00:00 +0000
Subject: FW: newsletter
To: <bounces@blog.test>
MIME-Version: 1.0
Message-ID: <arf-1@provider.example>
Content-Type: multipart/report; report-type=feedback-report;
     boundary="part1_13d.2e68ed54_boundary"

--part1_13d.2e68ed54_boundary
Content-Type: text/plain; charset="US-ASCII"
Content-Transfer-Encoding: 7bit

This is an email abuse report for an email message received from IP
192.0.2.1 on Mon, 30 Nov 2026 10:59:00 +0000.

--part1_13d.2e68ed54_boundary
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <bounces@blog.test>
Original-Rcpt-To: <{recipient}>
Arrival-Date: Mon, 30 Nov 2026 10:59:00 +0000
Source-IP: 192.0.2.1

--part1_13d.2e68ed54_boundary
Content-Type: message/rfc822
Content-Disposition: inline

""".replace("\n", "\r\n").encode() + original + b"\r\n--part1_13d.2e68ed54_boundary--\r\n")


HUMAN_REPLY = (b"From: reader@example.org\r\nTo: bounces@blog.test\r\nSubject: Re: news\r\n"
               b"Message-ID: <reply-1@example.org>\r\n\r\nThanks for the digest!\r\n")


def _send_digests(count: int = 1):
    for number in range(count):
        make_post(make_user(), title=f"News {number}")
        services.queue_mailing(services.compose_digest(since=utcnow() - timedelta(days=1)), by=None)
        db.session.commit()
        Worker(sleep=lambda s: None).run(once=True)


def _sent_to(smtp_server, address: str) -> list[bytes]:
    return [raw for rcpts, raw in smtp_server.received if address in rcpts]


def _subscriber(email: str) -> Subscriber:
    db.session.expire_all()
    return db.session.execute(db.select(Subscriber).where(Subscriber.email == email)).scalar_one()


@pytest.fixture
def bounce_app(make_app, smtp_server, dovecot):  # noqa: F811
    def build(scheme="imaps", **overrides):
        settings = {"NEWSLETTER_BOUNCE_THRESHOLD": 2, **overrides}
        return make_app(MAIL_URL=smtp_server.url, BOUNCE_MAILBOX_URL=dovecot.url(scheme),
                        BOUNCE_MAILBOX_CA_FILE=str(dovecot.cert), **settings)
    return build


def test_imap_hard_soft_complaint_and_fallback_then_a_second_run_changes_nothing(bounce_app, smtp_server,
                                                                                  dovecot):  # noqa: F811
    app = bounce_app()
    with app.test_request_context():
        add_subscribers(5)
        _send_digests(2)
        first, second = _sent_to(smtp_server, "reader1@example.org")
        for original in (first, second):  # two hard bounces of reader1: the threshold is 2
            dovecot.deliver(postfix_dsn(original, "reader1@example.org", "5.1.1",
                                        diagnostic="550 5.1.1 <reader1@example.org>: Recipient address rejected"))
        dovecot.deliver(postfix_dsn(_sent_to(smtp_server, "reader2@example.org")[0], "reader2@example.org",
                                    "4.2.2", action="delayed", diagnostic="452 4.2.2 Mailbox full"))
        dovecot.deliver(arf_complaint(_sent_to(smtp_server, "reader0@example.org")[0], "reader0@example.org"))
        # No original headers: matched by the failed recipient.
        dovecot.deliver(postfix_dsn(b"", "reader3@example.org", "5.2.1", headers_only=False))
        dovecot.deliver(postfix_dsn(b"", "stranger@example.net", "5.1.1", headers_only=False))
        dovecot.deliver(HUMAN_REPLY)

        result = check_bounce_mailbox()
        assert (result.messages, result.hard, result.soft, result.complaints, result.unmatched, result.other) == (
            7, 3, 1, 1, 1, 1)
        reader0, reader1, reader2, reader3 = (_subscriber(f"reader{i}@example.org") for i in range(4))
        assert (reader1.status, reader1.bounce_count) == ("bounced", 2)
        assert "5.1.1" in reader1.last_bounce and "Recipient address rejected" in reader1.last_bounce
        failed = db.session.execute(db.select(Delivery).where(Delivery.status == "failed")).scalars().all()
        assert {d.subscriber.email for d in failed} == {"reader1@example.org"} and len(failed) == 2
        assert failed[0].last_error.startswith("bounced: 5.1.1")
        assert (reader2.status, reader2.bounce_count) == ("subscribed", 0)  # soft: the relay retries
        assert reader0.status == "unsubscribed"
        assert [(e.action, e.source) for e in consent.history(reader0)] == [("complaint", "mail-system")]
        assert "abuse report from SomeGenerator/1.0" in consent.history(reader0)[0].detail
        assert [(e.action, e.source) for e in consent.history(reader1)] == [("bounced", "mail-system")]
        assert (reader3.status, reader3.bounce_count) == ("subscribed", 1)

        # Processed reports are flagged on the server; the reply is left for a person.
        client = imaplib.IMAP4_SSL("127.0.0.1", dovecot.imaps_port,
                                   ssl_context=ssl.create_default_context(cafile=str(dovecot.cert)))
        client.login(USER, PASSWORD)
        client.select("INBOX", readonly=True)
        assert len(client.search(None, "KEYWORD", PROCESSED_KEYWORD)[1][0].split()) == 6
        assert client.search(None, "UNKEYWORD", PROCESSED_KEYWORD)[1][0].split() == [b"7"]
        client.logout()

        again = check_bounce_mailbox()
        assert (again.messages, again.hard, again.complaints, again.other) == (1, 0, 0, 1)
        assert _subscriber("reader3@example.org").bounce_count == 1
        assert services.queue_mailing(services.compose_digest(since=utcnow() - timedelta(days=1)),
                                      by=None).recipient_count == 3  # neither the bounced nor the complainer


def test_pop3_reports_are_applied_and_deleted(bounce_app, smtp_server, dovecot):  # noqa: F811
    app = bounce_app("pop3s", NEWSLETTER_BOUNCE_THRESHOLD=1)
    with app.test_request_context():
        add_subscribers(2)
        _send_digests()
        dovecot.deliver(postfix_dsn(_sent_to(smtp_server, "reader1@example.org")[0], "reader1@example.org", "5.1.1"))
        dovecot.deliver(arf_complaint(_sent_to(smtp_server, "reader0@example.org")[0], "reader0@example.org"))
        result = check_bounce_mailbox()
        assert (result.hard, result.complaints) == (1, 1)
        assert _subscriber("reader1@example.org").status == "bounced"
        assert _subscriber("reader0@example.org").status == "unsubscribed"
        assert check_bounce_mailbox().messages == 0  # deleted on the server


def test_worker_reads_the_mailbox_and_the_command_reports(bounce_app, smtp_server, dovecot):  # noqa: F811
    app = bounce_app("imap")  # plain IMAP is allowed on loopback
    with app.test_request_context():
        add_subscribers(1)
        _send_digests()
        dovecot.deliver(arf_complaint(smtp_server.received[-1][1], "reader0@example.org"))
        Worker(sleep=lambda s: None).run(once=True)  # its housekeeping reads the mailbox
        assert _subscriber("reader0@example.org").status == "unsubscribed"
    result = app.test_cli_runner().invoke(args=["newsletter", "bounces"])
    assert result.exit_code == 0 and "0 messages read" in result.output


def test_command_says_what_is_wrong(make_app, dovecot):  # noqa: F811
    runner = make_app(BOUNCE_MAILBOX_URL="").test_cli_runner()
    assert "BOUNCE_MAILBOX_URL is not set" in runner.invoke(args=["newsletter", "bounces"]).output
    wrong = dovecot.url("imaps").replace("s3cret", "wrong")
    output = make_app(BOUNCE_MAILBOX_URL=wrong, BOUNCE_MAILBOX_CA_FILE=str(dovecot.cert)).test_cli_runner().invoke(
        args=["newsletter", "bounces"]).output
    assert "cannot read the bounce mailbox 127.0.0.1" in output
    # Without the test's CA the self-signed certificate is refused.
    output = make_app(BOUNCE_MAILBOX_URL=dovecot.url("imaps")).test_cli_runner().invoke(
        args=["newsletter", "bounces"]).output
    assert "CERTIFICATE_VERIFY_FAILED" in output


def test_mailbox_url_setting():
    base = {"SECRET_KEY": "x"}
    assert from_environment({**base, "BOUNCE_MAILBOX_URL": "imaps://u:p@mail.example.org/INBOX"})[
        "BOUNCE_MAILBOX_URL"] == "imaps://u:p@mail.example.org/INBOX"
    with pytest.raises(ConfigError, match="without TLS only a loopback"):
        from_environment({**base, "BOUNCE_MAILBOX_URL": "imap://u:p@mail.example.org/INBOX"})
    with pytest.raises(ConfigError, match="must look like"):
        from_environment({**base, "BOUNCE_MAILBOX_URL": "https://mail.example.org"})
