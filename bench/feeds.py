"""How each feed's cost grows with the site, and what a conditional request saves.

Builds two throw-away SQLite databases: a small site (100 posts, 100 events)
and a large one (100,000 posts and 10,000 events with --full; 20,000 and 2,000
by default, so the run stays well under two minutes). Then it times every feed
in-process through the WSGI test client (the median of N requests, after a
warm-up) and a conditional request answered 304; then, with the page store off, the
Atom feed's head and its oldest and newest ``?page=N`` archive pages.

Machines are noisy, so the figures that matter are the ratios measured in the
same run: large/small (a fixed number of newest items should keep them near 1)
and 304/200.

    .venv/bin/python bench/feeds.py            # 100 vs 20,000 posts (2,000 events)
    .venv/bin/python bench/feeds.py --full     # 100 vs 100,000 posts (10,000 events)
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sites import add_events, add_published_posts, make_app  # bench/sites.py

from blog.extensions import db

FEEDS = [
    ("posts RSS", "/feeds/posts.rss"),
    ("posts Atom", "/feeds/posts.atom"),
    ("posts JSON Feed", "/feeds/posts.json"),
    ("tag Atom", "/feeds/tags/workshops.atom"),
    ("author RSS", "/feeds/authors/bench-author.rss"),
    ("events Atom", "/feeds/events.atom"),
    ("events iCalendar", "/feeds/events.ics"),
    ("tag iCalendar", "/feeds/tags/workshops/events.ics"),
]


def build_site(folder: Path, posts: int, events: int) -> None:
    app = make_app(folder)
    with app.app_context():
        db.create_all()
        add_events(events, add_published_posts(posts))
        db.session.commit()
        db.engine.dispose()


def timed(client, path: str, requests: int, headers=None, expect=200) -> float:
    """Median milliseconds of ``requests`` GETs after one warm-up."""
    headers = headers or {}
    client.get(path, headers=headers)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append(time.perf_counter() - started)
        if response.status_code != expect:
            raise RuntimeError(f"{path}: {response.status_code}, expected {expect}")
    return statistics.median(samples) * 1000


def measure(folder: Path, requests: int) -> dict[str, float]:
    app = make_app(folder)
    client = app.test_client()
    figures = {name: timed(client, path, requests) for name, path in FEEDS}
    etag = client.get("/feeds/posts.atom").headers["ETag"]
    figures["posts Atom 304"] = timed(client, "/feeds/posts.atom", requests, {"If-None-Match": etag}, 304)
    etag = client.get("/feeds/events.ics").headers["ETag"]
    figures["events iCalendar 304"] = timed(client, "/feeds/events.ics", requests, {"If-None-Match": etag}, 304)
    with app.app_context():
        db.engine.dispose()
    return figures


def measure_archive_pages(folder: Path, requests: int, posts: int) -> dict[str, float]:
    """Rendering cost (page store off) of the Atom feed's head and of its oldest and newest archive
    pages (``?page=N`` numbered from the oldest post: the newest page has the largest offset)."""
    from blog.core.pagestore import NoStore
    from blog.feeds.build import FEED_ITEMS

    app = make_app(folder)
    app.extensions["page_store"] = NoStore()
    client = app.test_client()
    newest = posts // FEED_ITEMS
    figures = {
        "Atom head, no store": timed(client, "/feeds/posts.atom", requests),
        "Atom ?page=1, no store": timed(client, "/feeds/posts.atom?page=1", requests),
        "Atom newest page, no st.": timed(client, f"/feeds/posts.atom?page={newest}", requests),
    }
    with app.app_context():
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="100,000 posts and 10,000 events")
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=None, help="posts in the large site")
    parser.add_argument("--events", type=int, default=None, help="events in the large site")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    large = args.large or (100_000 if args.full else 20_000)
    large_events = args.events or (10_000 if args.full else 2_000)
    with tempfile.TemporaryDirectory() as tmp:
        small_dir, large_dir = Path(tmp, "small"), Path(tmp, "large")
        small_dir.mkdir()
        large_dir.mkdir()
        started = time.perf_counter()
        build_site(small_dir, args.small, args.small)
        build_site(large_dir, large, large_events)
        print(f"built sites in {time.perf_counter() - started:.1f} s: {args.small} posts/{args.small} events "
              f"and {large:,} posts/{large_events:,} events; median of {args.requests} requests each\n")
        small = measure(small_dir, args.requests) | measure_archive_pages(small_dir, args.requests, args.small)
        big = measure(large_dir, args.requests) | measure_archive_pages(large_dir, args.requests, large)
    print(f"{'feed':<22}{'small ms':>10}{'large ms':>10}{'large/small':>13}{'304/200':>10}")
    for name in small:
        ratio_304 = ""
        if name.endswith(" 304"):
            base = name[:-4]
            ratio_304 = f"{big[name] / big[base]:.2f}"
        print(f"{name:<22}{small[name]:>10.2f}{big[name]:>10.2f}{big[name] / small[name]:>13.2f}{ratio_304:>10}")


if __name__ == "__main__":
    main()
