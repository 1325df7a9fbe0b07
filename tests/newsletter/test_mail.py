"""blog.core.mail: message structure, header injection, senders and the classification of failures."""
from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from blog.core import mail


def _parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_headers_cannot_be_injected_through_subject_or_names(appctx):
    template = mail.MessageTemplate(subject="Hello\r\nBcc: victim@example.net", text="Hi",
                                    from_name="Lab\nX-Evil: 1", reply_to="reply@example.org")
    raw = template.render("reader@example.org", "Ann\r\nCc: other@example.net\u2028X: y")
    message = _parse(raw)
    assert message["Bcc"] is None and message["Cc"] is None and message["X-Evil"] is None
    assert message["Subject"] == "Hello Bcc: victim@example.net"
    assert [a.addr_spec for a in message["To"].addresses] == ["reader@example.org"]
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert all(line.startswith((b" ", b"\t")) or b":" in line for line in header_block.split(b"\r\n"))
    with pytest.raises(ValueError):
        template.render("reader@example.org\r\nBcc: x@example.net")


def test_multipart_alternative_with_markers_and_unicode(appctx):
    html = mail.inline_css("<html><head><style>p { color: #123456 }</style></head><body>"
                           "<p>Café – " + "long line " * 40 + "</p><a href=\"%%UNSUBSCRIBE_URL%%\">Stop</a></body></html>")
    template = mail.MessageTemplate(subject="Grüße – news", text="Café\nStop: %%UNSUBSCRIBE_URL%%\n", html=html,
                                    from_name="Forschung “Lab”", list_id="Lab <news.example.org>")
    url = "https://blog.example.org/newsletter/unsubscribe/" + "Ab9_-." * 30
    raw = template.render("a@example.org", "Zoë", unsubscribe_url=url)
    body_lines = raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n")
    assert max(len(line) for line in body_lines) <= 76  # quoted-printable lines within RFC 2045
    message = _parse(raw)
    assert message["Subject"] == "Grüße – news"
    assert message["From"].addresses[0].display_name == "Forschung “Lab”"
    assert message["To"].addresses[0].display_name == "Zoë"
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["MIME-Version"] == "1.0" and message["Date"] is not None
    text = message.get_body(("plain",)).get_content()
    body = message.get_body(("html",)).get_content()
    assert text.replace("\r\n", "\n") == f"Café\nStop: {url}\n"
    assert f'href="{url}"' in body and 'style="color: #123456' in body
    assert template.render("a@example.org") != template.render("a@example.org")  # fresh Message-ID


def test_build_message_returns_an_email_message(appctx):
    message = mail.build_message("x@example.org", "Subject", "Text", "<p>HTML</p>")
    assert message.get_content_type() == "multipart/alternative"
    assert message["From"].addresses[0].addr_spec == "noreply@blog.test"
    assert message["Message-ID"].endswith("@blog.test>")


def test_mail_url_parsing():
    s = mail.SMTPSettings.from_url("smtp://user%40lab:p%3Ass@mail.example.org:587?starttls=true")
    assert (s.host, s.port, s.starttls, s.ssl, s.username, s.password) == \
        ("mail.example.org", 587, True, False, "user@lab", "p:ss")
    s = mail.SMTPSettings.from_url("smtps://u:p@mail.example.org")
    assert (s.port, s.ssl, s.starttls) == (465, True, False)
    with pytest.raises(ValueError):
        mail.SMTPSettings.from_url("http://mail.example.org")


def test_failures_are_classified():
    assert isinstance(mail.classify(550, "5.1.1 no such user"), mail.PermanentFailure)
    assert isinstance(mail.classify(421, "closing"), mail.Throttled)
    assert isinstance(mail.classify(450, "4.7.1 rate limit exceeded"), mail.Throttled)
    temporary = mail.classify(451, "4.3.0 local error")
    assert isinstance(temporary, mail.TemporaryFailure) and not isinstance(temporary, mail.Throttled)


def test_folder_sender_is_the_default(appctx, tmp_path):
    assert appctx.config["MAIL_URL"] == ""
    sender = mail.get_sender()
    assert isinstance(sender, mail.FolderSender)
    assert mail.send_email("someone@example.org", "Hello", "newsletter_already", link="http://blog.test/x")
    [path] = list(sender.folder.glob("*.eml"))
    message = _parse(path.read_bytes())
    assert message["Subject"] == "Hello" and "http://blog.test/x" in message.get_content()


def test_smtp_sender_against_a_real_server(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url)
    with app.app_context():
        template = mail.MessageTemplate(subject="S", text="T")
        with mail.get_sender().open() as connection:
            for n in range(3):
                connection.send(template.from_email, f"p{n}@example.org", template.render(f"p{n}@example.org"))
        smtp_server.refuse["bad@example.org"] = "550 5.1.1 unknown"
        with mail.get_sender().open() as connection, pytest.raises(mail.PermanentFailure):
            connection.send(template.from_email, "bad@example.org", template.render("bad@example.org"))
    assert smtp_server.recipients() == ["p0@example.org", "p1@example.org", "p2@example.org"]


def test_pipelined_sending_with_refusals_and_dot_stuffing(make_app, smtp_server):
    """MAIL/RCPT/DATA in one write (used when the server offers PIPELINING, as Postfix does)."""
    app = make_app(MAIL_URL=smtp_server.url)
    with app.app_context():
        template = mail.MessageTemplate(subject="S", text=".leading dot\n..two\nend\n")
        smtp_server.refuse["gone@example.org"] = "550 5.1.1 unknown"
        smtp_server.refuse["busy@example.org"] = "452 4.2.2 mailbox full"
        with mail.get_sender().open() as connection:
            connection.pipelining = True  # aiosmtpd accepts pipelined commands without announcing them
            connection.send(template.from_email, "a@example.org", template.render("a@example.org"))
            with pytest.raises(mail.PermanentFailure):
                connection.send(template.from_email, "gone@example.org", template.render("gone@example.org"))
            with pytest.raises(mail.TemporaryFailure):
                connection.send(template.from_email, "busy@example.org", template.render("busy@example.org"))
            connection.send(template.from_email, "b@example.org", template.render("b@example.org"))
    assert smtp_server.recipients() == ["a@example.org", "b@example.org"]
    for message in smtp_server.messages():
        assert message.get_content().replace("\r\n", "\n") == ".leading dot\n..two\nend\n"


@pytest.mark.parametrize("email, name", [
    ("a.b@example.org", "Reader 7"), ("a@example.org", ""), ("o'neil@example.org", "Pat O'Neil (lab)"),
    ("a@example.org", 'Quote " inside'), ("a@example.org", "Zoë"), ("a@example.org", "x" * 80),
    ("a@example.org", "Semi; colon <angle>"),
])
def test_to_header_fast_path_parses_like_the_general_one(appctx, email, name):
    template = mail.MessageTemplate(subject="S", text="T")
    message = _parse(template.render(email, name))
    [address] = message["To"].addresses
    assert (address.addr_spec, address.display_name) == (email, name)
