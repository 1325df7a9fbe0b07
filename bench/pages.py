"""How the public pages scale with the number of posts, and what a conditional request saves.

Builds two throw-away SQLite databases in a temporary folder, one with a small
and one with a large number of published posts (tagged, with a credited
author), serves each with gunicorn as a deployment would, and measures
requests per second and median latency of the home page, a post page, a tag
page, the oldest archive year and a 304 answer, from concurrent clients.

Machines are noisy, so the figures that matter are ratios measured in the same
run: large/small (keyset pagination should keep it near 1) and 304/200.

    .venv/bin/python bench/pages.py            # 100 and 100,000 posts
    .venv/bin/python bench/pages.py --large 20000 --requests 200   # quicker
"""
from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sites import add_published_posts, make_app  # bench/sites.py; it puts the project on the path

from blog.core.time import utcnow
from blog.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS = 2
CLIENTS = 4


def build_site(folder: Path, posts: int) -> None:
    with make_app(folder).app_context():
        db.create_all()
        add_published_posts(posts)
        db.session.commit()
        db.engine.dispose()


def serve(folder: Path, port: int) -> subprocess.Popen:
    """gunicorn serving ``wsgi:app`` on the benchmark database, as a deployment would."""
    environment = {**os.environ, "BLOG_ENV": "production", "SECRET_KEY": "bench",
                   "SITE_URL": f"http://127.0.0.1:{port}", "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
                   "INSTANCE_PATH": str(folder / "instance"), "RATELIMIT_ENABLED": "false"}
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], env=environment, cwd=PROJECT_ROOT)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("gunicorn did not start")


def _timed_get(port: int, path: str, headers: dict, expect: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != expect:
        raise RuntimeError(f"{path}: {response.status}, expected {expect}")
    return elapsed


def load(port: int, path: str, requests: int, headers=None, expect=200) -> tuple[float, float]:
    """(requests per second, median latency in ms) with CLIENTS concurrent clients."""
    headers = headers or {}
    _timed_get(port, path, headers, expect)  # warm up
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        latencies = list(pool.map(lambda _: _timed_get(port, path, headers, expect), range(requests)))
    elapsed = time.perf_counter() - started
    return requests / elapsed, statistics.median(latencies) * 1000


def measure(folder: Path, posts: int, requests: int) -> dict[str, tuple[float, float]]:
    port = _free_port()
    server = serve(folder, port)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/")
        etag = connection.getresponse().getheader("ETag")
        connection.close()
        oldest_year = (utcnow() - timedelta(hours=posts)).year
        return {
            "home page": load(port, "/", requests),
            "post page": load(port, f"/posts/workshop-report-{posts // 2}", requests),
            "tag page": load(port, "/tags/workshops", requests),
            "archive (oldest year)": load(port, f"/archive/{oldest_year}/", requests),
            "home page, 304": load(port, "/", requests, headers={"If-None-Match": etag}, expect=304),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()

    results = {}
    for posts in (args.small, args.large):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            build_site(Path(folder), posts)
            print(f"built {posts:,} posts in {time.perf_counter() - started:.1f}s", file=sys.stderr)
            results[posts] = measure(Path(folder), posts, args.requests)

    small, large = results[args.small], results[args.large]
    print(f"gunicorn, {WORKERS} workers, {CLIENTS} concurrent clients, {args.requests} requests per figure")
    print(f"{'page':<24}{'req/s':>9}{'median':>10}  at {args.small:,} posts |"
          f"{'req/s':>9}{'median':>10}  at {args.large:,} | large/small req/s")
    for name in small:
        (rate_small, median_small), (rate_large, median_large) = small[name], large[name]
        print(f"{name:<24}{rate_small:>9.0f}{median_small:>8.1f}ms{'':>14}|{rate_large:>9.0f}{median_large:>8.1f}ms"
              f"{'':>14}| {rate_large / rate_small:.2f}")
    print(f"home page at {args.large:,} posts: a 304 answers {large['home page, 304'][0] / large['home page'][0]:.1f}x "
          "as many requests a second as a full page")


if __name__ == "__main__":
    main()
