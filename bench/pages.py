"""How the public pages scale with the number of posts, and what a conditional request saves.

Builds two throw-away SQLite databases in a temporary folder, one with a small
and one with a large number of published posts (tagged, with a credited
author), then times the home page, a post page, a tag page, a deep archive
page and a 304 answer through the WSGI app (no network), reporting medians.

Machines are noisy, so the figures that matter are ratios measured in the same
run: large/small (keyset pagination should keep it near 1) and 304/200.

    .venv/bin/python bench/pages.py            # 100 and 20,000 posts
    .venv/bin/python bench/pages.py --large 100000
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from blog import create_app  # noqa: E402
from blog.accounts import services as accounts  # noqa: E402
from blog.accounts.models import Role  # noqa: E402
from blog.core.time import utcnow  # noqa: E402
from blog.extensions import db  # noqa: E402
from blog.posts.models import Post, PostAuthor, Tag, post_tags  # noqa: E402

BODY = "<p>A paragraph of a workshop write-up with <em>emphasis</em> and a <a href=\"/x\">link</a>.</p>" * 12


def build_site(folder: Path, posts: int):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
        "SECRET_KEY": "bench", "SITE_URL": "http://bench.test", "INSTANCE_PATH": str(folder / "instance"),
        "MEDIA_ROOT": str(folder / "media"), "MAIL_FOLDER": str(folder / "mail"), "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
        author = accounts.create_user("bench@example.org", None, role=Role.AUTHOR, display_name="Bench Author")
        tag = Tag(name="Workshops", slug="workshops")
        db.session.add(tag)
        db.session.flush()
        now = utcnow()
        for start in range(0, posts, 5000):
            rows = [{
                "uid": str(uuid.uuid4()), "title": f"Workshop report {n}", "slug": f"workshop-report-{n}",
                "body_markdown": "text", "body_html": BODY, "custom_excerpt": "", "excerpt": "A write-up.",
                "status": "published", "published_at": now - timedelta(hours=n + 1), "created_at": now,
                "updated_at": now, "version": 1,
            } for n in range(start, min(posts, start + 5000))]
            db.session.execute(db.insert(Post), rows)
            ids = db.session.execute(db.select(Post.id).where(Post.id > 0).order_by(Post.id.desc())
                                     .limit(len(rows))).scalars().all()
            db.session.execute(db.insert(PostAuthor), [{"post_id": i, "user_id": author.id, "position": 0}
                                                       for i in ids])
            db.session.execute(post_tags.insert(), [{"post_id": i, "tag_id": tag.id} for i in ids])
        db.session.commit()
    return app


def median_ms(client, path: str, repeat: int, headers=None, expect=200) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, headers=headers or {})
        times.append(time.perf_counter() - started)
        assert response.status_code == expect, (path, response.status_code)
    return statistics.median(times) * 1000


def measure(app, posts: int, repeat: int) -> dict[str, float]:
    client = app.test_client()
    oldest = f"/posts/workshop-report-{posts - 1}"
    first = client.get("/")
    etag = first.headers["ETag"]
    with app.app_context():
        year = db.session.execute(db.select(Post.published_at).order_by(Post.published_at)).scalars().first().year
    return {
        "home page": median_ms(client, "/", repeat),
        "newest post": median_ms(client, "/posts/workshop-report-0", repeat),
        "oldest post": median_ms(client, oldest, repeat),
        "tag page": median_ms(client, "/tags/workshops", repeat),
        "oldest archive year": median_ms(client, f"/archive/{year}/", repeat),
        "home page, 304": median_ms(client, "/", repeat, headers={"If-None-Match": etag}, expect=304),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    results = {}
    for posts in (args.small, args.large):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            app = build_site(Path(folder), posts)
            print(f"built {posts:,} posts in {time.perf_counter() - started:.1f}s", file=sys.stderr)
            results[posts] = measure(app, posts, args.repeat)

    small, large = results[args.small], results[args.large]
    print(f"{'page':<22}{args.small:>10,} posts{args.large:>12,} posts{'large/small':>13}")
    for name in small:
        print(f"{name:<22}{small[name]:>13.2f} ms{large[name]:>13.2f} ms{large[name] / small[name]:>12.2f}x")
    print(f"304 / 200 on the home page at {args.large:,} posts: "
          f"{large['home page, 304'] / large['home page']:.2f} (lower is better)")


if __name__ == "__main__":
    main()
