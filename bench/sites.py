"""Throw-away benchmark sites: an app on an SQLite file and many published posts, inserted in bulk.

Shared by the scripts in bench/ (not a benchmark itself).
"""
from __future__ import annotations

import sys
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from blog import create_app  # noqa: E402
from blog.accounts import services as accounts  # noqa: E402
from blog.accounts.models import Role  # noqa: E402
from blog.core.time import utcnow  # noqa: E402
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
