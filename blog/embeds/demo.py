"""The demo write-up's quoted posts: an announcement, a question and two replies to it.

People and handles are fictional. The quotes go after the paragraph about the
#netGUARD hashtag: the announcement as one card, the question and its replies as
one conversation (the question shown once). Idempotent.
"""
from __future__ import annotations

from datetime import datetime

from blog.core.time import UTC
from blog.embeds import services
from blog.embeds.services import SnapshotInput
from blog.posts import services as posts
from blog.site.services import mark_as_demo

ANCHOR = "under the *#netGUARD* hashtag."
DIRECTIVES = ("[[social:rivera-workshop-day]]\n\n"
              "[[social:netguard-circles-question,nandakumar-circles-reply,rivera-circles-reply]]")

QUOTES = [
    SnapshotInput(
        key="rivera-workshop-day", platform="x", display_name="Dr Tomás Rivera", handle="trivera_research",
        text=("Fascinating posts coming out of @netguard_lab's case formulation workshop today. "
              "Use #netGUARD to follow the discussion."),
        posted_at=datetime(2025, 3, 13, 1, 27, tzinfo=UTC)),
    SnapshotInput(
        key="netguard-circles-question", platform="x", display_name="netGUARD", handle="netguard_lab",
        text="Do we need peer support circles for people assessed as low risk? #netGUARD",
        posted_label="19h", like_count=1, counts_read_at=datetime(2025, 3, 13, 20, 0, tzinfo=UTC)),
    SnapshotInput(
        key="nandakumar-circles-reply", platform="x", display_name="Dr Priya Nandakumar",
        handle="pnandakumar", in_reply_to_key="netguard-circles-question",
        text=("@netguard_lab 1. Low-risk clients rarely meet the criteria 2. It cuts against risk-need-"
              "responsivity 3. It may pull circles away from the people who need them most #zerosum"),
        posted_at=datetime(2025, 3, 13, 1, 22, tzinfo=UTC)),
    SnapshotInput(
        key="rivera-circles-reply", platform="x", display_name="Dr Tomás Rivera", handle="trivera_research",
        in_reply_to_key="netguard-circles-question",
        text=("@netguard_lab Misplaced effort, in my view: intensive support for low-risk clients "
              "can do more harm than good."),
        posted_at=datetime(2025, 3, 13, 1, 21, tzinfo=UTC)),
]


def seed(created: dict) -> None:
    admin, writeup = created["admin"], created["writeup"]
    for quote in QUOTES:
        snapshot = services.snapshot_by_key(quote.key) or services.create_snapshot(quote, by=admin)
        mark_as_demo(snapshot)
    body = writeup.body_markdown
    if "[[social:" in body or ANCHOR not in body:
        return
    head, tail = body.split(ANCHOR, 1)
    new_body = f"{head}{ANCHOR}\n\n{DIRECTIVES}{tail}"
    posts.save_post(writeup, posts.PostInput(title=writeup.title, body_markdown=new_body), by=admin,
                    base_version=writeup.version)
