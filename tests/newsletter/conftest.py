"""A real SMTP server on loopback (aiosmtpd) and helpers to read what it received."""
from __future__ import annotations

import asyncio
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter.models import Subscriber
from tests.ports import free_port


class Recorder:
    """Accepts mail and keeps it; can refuse chosen recipients or slow down."""

    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []
        self.refuse: dict[str, str] = {}
        self.refuse_times: dict[str, list] = {}  # address -> [times left, reply]
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        if self.refuse_times.get(address, [0])[0] > 0:
            self.refuse_times[address][0] -= 1
            return self.refuse_times[address][1]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted"

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        with self.lock:
            items = list(self.received)
        return [message_from_bytes(raw, policy=policy.default) for rcpts, raw in items
                if to is None or to in rcpts]

    def recipients(self) -> list[str]:
        with self.lock:
            return [r for rcpts, _ in self.received for r in rcpts]


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.url = f"smtp://127.0.0.1:{controller.port}"
    yield recorder
    controller.stop()


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(MAIL_URL=smtp_server.url)


def add_subscribers(count: int, *, prefix: str = "reader", receives: str = "both") -> list[Subscriber]:
    subscribers = [Subscriber(email=f"{prefix}{i}@example.org", name=f"Reader {i}", status="subscribed",
                              receives=receives, consent_at=utcnow(), consent_method="test")
                   for i in range(count)]
    db.session.add_all(subscribers)
    db.session.commit()
    return subscribers


def links_in(text: str) -> list[str]:
    import re

    return re.findall(r"https?://[^\s\"'<>]+", text)


def path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
