"""Email: RFC 5322 messages built once and stamped per recipient, and the senders that deliver them.

A ``MessageTemplate`` holds everything that is the same for every recipient
(subject, From, Reply-To, List-Id, both bodies, already encoded); ``render``
adds what differs (To, Date, Message-ID, List-Unsubscribe and the per-person
links in the bodies) by joining pre-encoded pieces. Encoding a 40 KB body with
the ``email`` package takes milliseconds, so a digest to thousands of people
encodes each body once instead of once per person.

The bodies are ``multipart/alternative``: a real plain-text part first, then
HTML whose CSS is inlined with ``css-inline`` (mail clients ignore ``<style>``
and ``<link>``). Both are UTF-8, quoted-printable. Per-recipient values are
put in place of ``%%NAME%%`` markers; each value starts on its own encoded line,
so the pre-encoded pieces never need re-encoding.

Headers are folded and RFC 2047-encoded by ``email.policy.SMTP`` (through
``email.headerregistry``), after every control character of a subject or a
display name is replaced by a space: a subject such as ``"Hi\\r\\nBcc: x"``
stays one header.

Every message is rendered here, so it is also signed here: with DKIM configured,
``render`` puts a ``DKIM-Signature`` in front (``blog.core.dkim_signing``).

Senders: ``MAIL_URL`` ``smtp://user:pass@host:587?starttls=true`` or
``smtps://user:pass@host:465``; with no ``MAIL_URL`` every message is written as
an ``.eml`` file to ``MAIL_FOLDER`` (under ``instance/``). ``open()`` gives one
connection reused for many messages; failures are raised as
``TemporaryFailure`` (4xx, connection lost: retry later), ``Throttled`` (the
server asks us to slow down) or ``PermanentFailure`` (5xx: do not retry).
"""
from __future__ import annotations

import binascii
import re
import secrets
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import css_inline
from flask import current_app

from blog.core.dkim_signing import signer_from_config
from blog.core.time import utcnow

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_MARKER = re.compile(r"%%([A-Z_]+)%%")
_MARKER_START = re.compile(r"%(?=%)")
_LEADING_DOT = re.compile(rb"(?m)^\.")
_QP_LINE = 74  # room for the "=" of a soft line break within 76 characters
_SMTP_POLICY = policy.SMTP.clone(max_line_length=78)


def clean_header_text(value: str) -> str:
    """A subject or display name with line breaks and control characters made spaces."""
    return _CONTROL.sub(" ", value or "").strip()


def inline_css(html: str, extra_css: str = "") -> str:
    """Move ``<style>`` rules (and ``extra_css``) into ``style`` attributes: mail clients drop
    style sheets. Nothing is fetched: a mail must not depend on the network to be built."""
    return css_inline.inline(html, extra_css=extra_css or None, load_remote_stylesheets=False)


def _fold(name: str, value) -> bytes:
    return _SMTP_POLICY.fold_binary(name, _SMTP_POLICY.header_factory(name, value))


def _address(email: str, name: str = "") -> Address:
    email = (email or "").strip()
    if _CONTROL.search(email) or "@" not in email:
        raise ValueError(f"not a usable email address: {email!r}")
    local, _, domain = email.rpartition("@")
    return Address(display_name=clean_header_text(name), username=local, domain=domain)


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9 .,'()!#$%&*+/=?^_`{|}~-]*")


def _to_header(email: str, name: str) -> bytes:
    """The To header; plain ASCII names and addresses skip the (slow) general path of the email package."""
    name = clean_header_text(name)
    if _PLAIN_ADDRESS.fullmatch(email or "") and _PLAIN_NAME.fullmatch(name) and len(name) + len(email) < 60:
        return (f'To: "{name}" <{email}>\r\n' if name else f"To: {email}\r\n").encode("ascii")
    return _fold("To", _address(email, name))


def _qp(text: str) -> str:
    """Quoted-printable (CRLF line ends) that ends with a line break, so whatever follows starts a line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text:
        return ""
    # binascii's encoder is C (fast); it breaks lines with LF here, made CRLF after.
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii").replace("\n", "\r\n")
    if text.endswith("\n"):
        return encoded
    return encoded + "=\r\n"


def _qp_value(value: str) -> str:
    """A per-recipient value (URL-safe ASCII) as soft-broken quoted-printable lines."""
    value = value.replace("=", "=3D")
    chunks = [value[i:i + _QP_LINE] for i in range(0, len(value), _QP_LINE)] or [""]
    return "".join(chunk + "=\r\n" for chunk in chunks)


def escape_markers(text: str) -> str:
    """Text in which no ``%%NAME%%`` marker can be found: a word joiner (U+2060, invisible)
    after each ``%`` that another ``%`` follows."""
    return _MARKER_START.sub("%\u2060", text)


class PersonalSlots:
    """The places of per-recipient values in one rendered email, known only to its template.

    Render the template with ``slots["UNSUBSCRIBE_URL"]`` where the link goes, then
    ``seal`` the result: what the content brought cannot become a marker.
    """

    def __init__(self):
        self._prefix = f"personal-slot-{secrets.token_hex(12)}-"
        self._slot = re.compile(re.escape(self._prefix) + r"([A-Z_]+)")

    def __getitem__(self, name: str) -> str:
        return self._prefix + name

    def seal(self, rendered: str) -> str:
        return self._slot.sub(r"%%\1%%", escape_markers(rendered))


def fill_markers(text: str, values: dict[str, str]) -> str:
    """The markers of a sealed body replaced by ``values`` as plain text (previews, dry runs)."""
    return _MARKER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _split_markers(text: str) -> list[str]:
    """``"a %%X%% b"`` → ``["a ", "X", " b"]``: text at even indexes, marker names at odd ones."""
    return _MARKER.split(text)


@dataclass
class _Body:
    pieces: list  # encoded text at even indexes, marker names at odd ones

    @classmethod
    def encode(cls, text: str) -> "_Body":
        parts = _split_markers(text)
        return cls([_qp(p) if i % 2 == 0 else p for i, p in enumerate(parts)])

    def render(self, values: dict[str, str]) -> str:
        out = []
        for i, piece in enumerate(self.pieces):
            out.append(piece if i % 2 == 0 else _qp_value(values.get(piece, "")))
        return "".join(out)


def site_host() -> str:
    return urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"


def default_from() -> tuple[str, str]:
    """``(name, address)`` from ``MAIL_FROM`` (``"Name <a@b>"`` or ``"a@b"``), else ``noreply@<site host>``."""
    name, address = parseaddr(current_app.config.get("MAIL_FROM") or "")
    if not address:
        host = site_host()
        address = f"noreply@{host if '.' in host else host + '.localdomain'}"
    return name, address


@dataclass
class MessageTemplate:
    """Everything about a message that is the same for each recipient, encoded once.

    ``text`` and ``html`` may hold ``%%NAME%%`` markers whose values (URL-safe
    ASCII such as links with signed tokens) are given to ``render``.
    """

    subject: str
    text: str
    html: str | None = None
    from_email: str = ""
    from_name: str = ""
    reply_to: str | None = None
    list_id: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if not self.from_email:
            name, self.from_email = default_from()
            self.from_name = self.from_name or name
        self.domain = self.from_email.rpartition("@")[2] or "localhost"
        head = [_fold("From", _address(self.from_email, self.from_name)),
                _fold("Subject", clean_header_text(self.subject)), b"MIME-Version: 1.0\r\n"]
        if self.reply_to:
            head.append(_fold("Reply-To", _address(self.reply_to)))
        if self.list_id:
            head.append(_fold("List-Id", clean_header_text(self.list_id)))
        for name, value in self.extra_headers.items():
            head.append(_fold(name, clean_header_text(value)))
        self._head = b"".join(head)
        text_body = _Body.encode(self.text)
        if self.html is None:
            self._content_head = (b'Content-Type: text/plain; charset="utf-8"\r\n'
                                  b"Content-Transfer-Encoding: quoted-printable\r\n\r\n")
            self._parts = [text_body]
            self._boundary = None
        else:
            self._boundary = "==alt_" + secrets.token_hex(8)
            self._content_head = (f'Content-Type: multipart/alternative; boundary="{self._boundary}"\r\n'
                                  "\r\n").encode()
            self._parts = [text_body, _Body.encode(self.html)]
        self.from_header = self.from_email
        self._signer = signer_from_config(current_app.config)

    def new_message_id(self) -> str:
        return f"<{int(time.time())}.{secrets.token_hex(10)}@{self.domain}>"

    def render(self, to_email: str, to_name: str = "", *, values: dict[str, str] | None = None,
               unsubscribe_url: str | None = None, message_id: str | None = None,
               date=None) -> bytes:
        """The whole message as bytes, ready for SMTP (CRLF line ends)."""
        values = dict(values or {})
        if unsubscribe_url:
            values.setdefault("UNSUBSCRIBE_URL", unsubscribe_url)
        head = [
            _to_header(to_email, to_name),
            f"Date: {format_datetime(date or utcnow())}\r\n".encode(),
            f"Message-ID: {message_id or self.new_message_id()}\r\n".encode(),
            self._head,
        ]
        if unsubscribe_url:
            if _CONTROL.search(unsubscribe_url) or ">" in unsubscribe_url:
                raise ValueError("bad unsubscribe URL")
            head.append(f"List-Unsubscribe: <{unsubscribe_url}>\r\n".encode())
            head.append(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
        head.append(self._content_head)
        if self._boundary is None:
            body = self._parts[0].render(values)
        else:
            chunks = []
            for part, kind in zip(self._parts, ("plain", "html")):
                # The line break before a boundary belongs to the boundary (RFC 2046).
                chunks.append(f"{chr(13) + chr(10) if chunks else ''}--{self._boundary}\r\n"
                              f"Content-Type: text/{kind}; charset=\"utf-8\"\r\n"
                              f"Content-Transfer-Encoding: quoted-printable\r\n\r\n")
                chunks.append(part.render(values))
            chunks.append(f"\r\n--{self._boundary}--\r\n")
            body = "".join(chunks)
        raw = b"".join(head) + body.encode("ascii")
        return self._signer.sign(raw) if self._signer else raw


def build_message(to_email: str, subject: str, text: str, html: str | None = None, *, to_name: str = "",
                  reply_to: str | None = None, list_id: str | None = None,
                  unsubscribe_url: str | None = None, values: dict[str, str] | None = None) -> EmailMessage:
    """One message as an ``EmailMessage`` (parsed back from the bytes that would be sent)."""
    template = MessageTemplate(subject=subject, text=text, html=html, reply_to=reply_to, list_id=list_id)
    raw = template.render(to_email, to_name, values=values, unsubscribe_url=unsubscribe_url)
    return message_from_bytes(raw, policy=policy.default)


# --- failures ---------------------------------------------------------------------------------

class MailError(Exception):
    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class TemporaryFailure(MailError):
    """Try again later: a 4xx answer, or the connection failed or was lost."""


class Throttled(TemporaryFailure):
    """The server asks us to send more slowly."""


class PermanentFailure(MailError):
    """A 5xx answer for this recipient: do not retry."""


_THROTTLE_WORDS = re.compile(rb"throttl|rate|too many|slow down|try again later|limit", re.I)


class ReservedAddress(MailError):
    """An address in a domain reserved for examples and tests: never handed to a mail server."""


# RFC 2606 and RFC 6761: names that can never belong to a real mailbox.
RESERVED_DOMAINS = ("example.org", "example.com", "example.net")
RESERVED_TOP_LEVEL = ("test", "invalid", "example", "localhost")


def is_reserved_address(email: str) -> bool:
    domain = email.rpartition("@")[2].strip().rstrip(".").lower()
    return (domain.rsplit(".", 1)[-1] in RESERVED_TOP_LEVEL
            or any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS))


def classify(code: int | None, text: bytes | str = b"") -> MailError:
    if isinstance(text, str):
        text = text.encode("utf-8", "replace")
    message = f"{code} {text.decode('utf-8', 'replace')}".strip()
    if code is not None and 500 <= code < 600:
        return PermanentFailure(message, code)
    if code is not None and 400 <= code < 500 and (code == 421 or _THROTTLE_WORDS.search(text)):
        return Throttled(message, code)
    return TemporaryFailure(message, code)


# --- senders ----------------------------------------------------------------------------------

@dataclass
class SMTPSettings:
    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30
    skip_reserved: bool = True  # see ``is_reserved_address``

    @classmethod
    def from_url(cls, url: str, timeout: float = 30, skip_reserved: bool = True) -> "SMTPSettings":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"MAIL_URL must start with smtp:// or smtps://, not {parts.scheme}://")
        query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
        secure = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if secure else 25),
            ssl=secure,
            starttls=query.get("starttls", "false") in ("1", "true", "yes", "on"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=float(query.get("timeout", timeout)),
            skip_reserved=skip_reserved,
        )


class SMTPConnection:
    """One SMTP session, reused for many messages."""

    def __init__(self, settings: SMTPSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.pipelining = False

    def __enter__(self) -> "SMTPConnection":
        s = self.settings
        try:
            if s.ssl:
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                             context=ssl.create_default_context())
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    self.smtp.starttls(context=ssl.create_default_context())
            if s.username:
                self.smtp.login(s.username, s.password or "")
            self.smtp.ehlo_or_helo_if_needed()
            self.pipelining = self.smtp.does_esmtp and self.smtp.has_extn("pipelining")
            # Commands are small and each waits for its reply: do not let Nagle hold them back.
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentFailure(f"SMTP sign-in refused: {exc.smtp_code} {exc.smtp_error!r}",
                                   exc.smtp_code) from exc
        except smtplib.SMTPResponseException as exc:
            raise classify(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"cannot connect to {s.host}:{s.port}: {exc}") from exc
        return self

    def send(self, from_email: str, to_email: str, raw: bytes) -> None:
        """:raise ReservedAddress: before any SMTP command, for an address no one can own."""
        if self.settings.skip_reserved and is_reserved_address(to_email):
            raise ReservedAddress(f"not sent: {to_email.rpartition('@')[2]} is a reserved domain (RFC 2606/6761)")
        try:
            if self.pipelining:
                self._send_pipelined(from_email, to_email, raw)
                return
            self.smtp.sendmail(from_email, [to_email], raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise classify(code, text) from exc
        except smtplib.SMTPResponseException as exc:  # sender refused, data error, ...
            raise classify(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPServerDisconnected, OSError, socket.timeout) as exc:
            raise TemporaryFailure(f"connection lost: {exc}") from exc

    def _send_pipelined(self, from_email: str, to_email: str, raw: bytes) -> None:
        """MAIL, RCPT and DATA in one write (RFC 2920): two round trips a message instead of four."""
        smtp = self.smtp
        if _CONTROL.search(from_email + to_email) or ">" in from_email + to_email:
            raise PermanentFailure(f"unusable address {to_email!r}")
        smtp.send(f"MAIL FROM:<{from_email}>\r\nRCPT TO:<{to_email}>\r\nDATA\r\n")
        replies = [smtp.getreply() for _ in range(3)]
        (mail_code, mail_text), (rcpt_code, rcpt_text), (data_code, data_text) = replies
        accepted = mail_code == 250 and rcpt_code in (250, 251)
        if data_code == 354 and not accepted:  # a server that opened DATA anyway: send nothing
            smtp.send(b".\r\n")
            smtp.getreply()
        if not accepted or data_code != 354:
            code, text = ((mail_code, mail_text) if mail_code != 250 else
                          (rcpt_code, rcpt_text) if rcpt_code not in (250, 251) else (data_code, data_text))
            if code != 421:
                try:
                    smtp.rset()
                except (smtplib.SMTPException, OSError):
                    pass
            raise classify(code, text)
        body = _LEADING_DOT.sub(b"..", raw) if raw.startswith(b".") or b"\n." in raw else raw
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        smtp.send(body + b".\r\n")
        code, text = smtp.getreply()
        if code != 250:
            raise classify(code, text)

    def __exit__(self, *exc_info) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


class FolderConnection:
    def __init__(self, folder: Path):
        self.folder = folder

    def __enter__(self) -> "FolderConnection":
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def send(self, from_email: str, to_email: str, raw: bytes) -> None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        safe = re.sub(r"[^A-Za-z0-9@._-]", "_", to_email)[:80]
        path = self.folder / f"{stamp}-{secrets.token_hex(4)}-{safe}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(raw)
        tmp.replace(path)  # a reader never sees half a file

    def __exit__(self, *exc_info) -> None:
        pass


class SMTPSender:
    def __init__(self, settings: SMTPSettings):
        self.settings = settings

    def open(self) -> SMTPConnection:
        return SMTPConnection(self.settings)

    def describe(self) -> str:
        return f"SMTP {self.settings.host}:{self.settings.port}"


class FolderSender:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def open(self) -> FolderConnection:
        return FolderConnection(self.folder)

    def describe(self) -> str:
        return f".eml files in {self.folder}"


def get_sender():
    """The sender ``MAIL_URL`` names, or the folder of ``.eml`` files when it is empty."""
    url = current_app.config.get("MAIL_URL") or ""
    if url:
        return SMTPSender(SMTPSettings.from_url(url, timeout=current_app.config.get("MAIL_TIMEOUT", 30),
                                                skip_reserved=current_app.config.get("MAIL_SKIP_RESERVED", True)))
    return FolderSender(Path(current_app.config["MAIL_FOLDER"]))


def send_message(message: EmailMessage | bytes, *, to_email: str | None = None,
                 from_email: str | None = None) -> None:
    """Send one message now (call after the database commit). Raises ``MailError`` subclasses."""
    if isinstance(message, EmailMessage):
        to_email = to_email or message["To"].addresses[0].addr_spec
        from_email = from_email or message["From"].addresses[0].addr_spec
        raw = message.as_bytes(policy=policy.SMTP)
    else:
        raw = message
    with get_sender().open() as connection:
        connection.send(from_email or default_from()[1], to_email, raw)


def send_email(to_email: str, subject: str, template: str, *, to_name: str = "", **context) -> bool:
    """Render ``templates/email/<template>.txt`` (and ``.html`` if present) and send it now.

    For one-off mail (confirmations, invitations, password resets). Returns
    False, after logging, when the mail could not be handed over, so the
    caller can say so instead of failing the request.
    """
    from flask import render_template
    from jinja2 import TemplateNotFound

    from blog.site.services import get_settings

    site = get_settings()
    context.setdefault("site", site)
    # One-off mail has no per-recipient markers: a name typed in a form stays text.
    text = escape_markers(render_template(f"email/{template}.txt", **context))
    try:
        html = escape_markers(inline_css(render_template(f"email/{template}.html", **context)))
    except TemplateNotFound:
        html = None
    template_obj = MessageTemplate(subject=subject, text=text, html=html,
                                   from_name=default_from()[0] or site.site_name)
    try:
        raw = template_obj.render(to_email, to_name)
        with get_sender().open() as connection:
            connection.send(template_obj.from_email, to_email, raw)
    except (MailError, ValueError) as exc:
        current_app.logger.warning("could not send %r to %s: %s", subject, to_email, exc)
        return False
    return True
