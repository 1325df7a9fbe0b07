"""Throw-away benchmark sites: an app on an SQLite file and many published posts and events, inserted in bulk.

Shared by the scripts in bench/ (not a benchmark itself).
"""
from __future__ import annotations

import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # run as a script from anywhere

from blog import create_app  # noqa: E402
from blog.accounts import services as accounts  # noqa: E402
from blog.accounts.models import Role  # noqa: E402
from blog.core.time import utcnow  # noqa: E402
from blog.events.models import Event, event_tags  # noqa: E402
from blog.extensions import db  # noqa: E402
from blog.posts.models import Post, PostAuthor, Tag, post_tags  # noqa: E402

BODY = "<p>A paragraph of a workshop write-up with <em>emphasis</em> and a <a href=\"/x\">link</a>.</p>" * 12
BATCH = 5000


def make_app(folder: Path):
    return create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
        "SECRET_KEY": "bench", "SITE_URL": "http://bench.test", "INSTANCE_PATH": str(folder / "instance"),
        "MEDIA_ROOT": str(folder / "media"), "MAIL_FOLDER": str(folder / "mail"), "RATELIMIT_ENABLED": False,
    })


def insert_returning_ids(model, rows: list[dict]) -> list[int]:
    db.session.execute(db.insert(model), rows)
    return db.session.execute(db.select(model.id).order_by(model.id.desc()).limit(len(rows))).scalars().all()


def add_published_posts(count: int) -> Tag:
    """``count`` published posts, an hour apart, by "Bench Author" and tagged "Workshops" (returned)."""
    author = accounts.create_user("bench@example.org", None, role=Role.AUTHOR, display_name="Bench Author")
    tag = db.session.execute(db.select(Tag).where(Tag.slug == "workshops")).scalar_one_or_none()
    if tag is None:  # the demo content has it already
        tag = Tag(name="Workshops", slug="workshops")
        db.session.add(tag)
        db.session.flush()
    now = utcnow()
    for start in range(0, count, BATCH):
        ids = insert_returning_ids(Post, [{
            "uid": str(uuid.uuid4()), "title": f"Workshop report {n}", "slug": f"workshop-report-{n}",
            "body_markdown": "text", "body_html": BODY, "custom_excerpt": "", "excerpt": "A write-up.",
            "status": "published", "published_at": now - timedelta(hours=n + 1), "created_at": now,
            "updated_at": now, "version": 1,
        } for n in range(start, min(count, start + BATCH))])
        db.session.execute(db.insert(PostAuthor), [{"post_id": i, "user_id": author.id, "position": 0}
                                                   for i in ids])
        db.session.execute(post_tags.insert(), [{"post_id": i, "tag_id": tag.id} for i in ids])
    return tag


def add_events(count: int, tag: Tag) -> None:
    """``count`` published events spread over eight years around today, a quarter of them
    "watch this space" seasons, all tagged ``tag``."""
    now = utcnow()
    today = now.date()
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(count, start + BATCH)):
            day = today + timedelta(days=n % 3000 - 1500)
            rows.append({
                "uid": str(uuid.uuid4()), "title": f"Seminar {n}", "slug": f"seminar-{n}",
                "summary": "A seminar.", "description_markdown": "", "description_html": BODY,
                "timezone": "Europe/London", "precision": "day" if n % 4 else "season",
                "start_date": day if n % 4 else date(day.year, 3, 1),
                "season": None if n % 4 else "spring",
                "sort_at": now + timedelta(days=n % 3000 - 1500), "over_at": now + timedelta(days=n % 3000 - 1499),
                "venue_name": "Hall", "venue_address": "", "city": "Leeds", "map_url": "", "online_url": "",
                "registration_url": "", "registration_note": "", "status": "confirmed", "sequence": 1,
                "published_at": now - timedelta(days=1), "created_at": now,
                "updated_at": now - timedelta(minutes=n), "end_date": date(day.year, 5, 31) if n % 4 == 0 else None,
            })
        ids = insert_returning_ids(Event, rows)
        db.session.execute(event_tags.insert(), [{"event_id": i, "tag_id": tag.id} for i in ids])
