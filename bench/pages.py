"""The pages people read, against what the framework and nginx can do at best, in one run.

Builds two throw-away SQLite sites, each with the demo content (`flask demo`: the
write-up with photos, quoted posts and a linked event) plus many bulk posts and
events: a small one (100 posts, and 200 events so that its event feeds are as long
as the large site's) and a large one (100,000 posts and 10,000
events; ``--quick`` makes it 5,000 and 500). Each is served as in production:
gunicorn with 2 sync workers, and the shipped nginx configuration in front.
Then wrk (2 threads, 10 connections) measures, for every page and feed:

- the app alone, against the *framework ceiling*: a bare Flask view on the same
  gunicorn settings returning the same bytes from memory (goal: 0.5x);
- a conditional request answered 304, against an empty 304 from the bare view (goal: 0.7x);
- behind nginx, against nginx serving the same bytes as a static file (goal: 0.8x);
- large site against small (goal: within 1.5x);

and, in process, the SQL queries a request costs on a cache miss and on a hit
(goal: at most 1 on a hit). The machine is shared and noisy: compare ratios
from the same run, not absolute figures. Beside requests a second it prints the
CPU time the serving processes spent per request (read from /proc), which
another process's load hardly moves: the steadier figure for large against
small and for nginx's cache against its static files.

    .venv/bin/python bench/pages.py              # 100 vs 100,000 posts, 5 s per figure
    .venv/bin/python bench/pages.py --quick      # 100 vs 5,000 posts, 2 s per figure
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sites import PROJECT_ROOT, add_events, add_published_posts, make_app  # bench/sites.py

from blog.demo import WRITEUP_SLUG, create_demo_content
from blog.events.demo import WORKSHOP_SLUG
from blog.extensions import db
from blog.feeds.views import CALENDAR_ITEMS
from deploy import nginx

BIN = Path(sys.executable).parent
WORKERS = 2
WRK = shutil.which("wrk") or "wrk"
GOALS = {"ceiling": 0.5, "304": 0.7, "nginx": 0.8, "size": 1 / 1.5}
NGINX_ROUNDS = 3

PAGES = [
    ("demo write-up", f"/posts/{WRITEUP_SLUG}"),
    ("home page", "/"),
    ("tag page", "/tags/workshops"),
    ("event page", f"/events/{WORKSHOP_SLUG}"),
    ("events", "/events/"),
    ("archive year", "/archive/{oldest_year}/"),
    ("posts RSS", "/feeds/posts.rss"),
    ("posts Atom", "/feeds/posts.atom"),
    ("posts JSON Feed", "/feeds/posts.json"),
    ("tag Atom", "/feeds/tags/workshops.atom"),
    ("events Atom", "/feeds/events.atom"),
    ("events iCalendar", "/feeds/events.ics"),
]


def build_site(folder: Path, posts: int, events: int) -> int:
    """The demo content plus ``posts`` posts and ``events`` events; returns the oldest post's year."""
    with make_app(folder).app_context():
        db.create_all()
        create_demo_content()
        db.session.commit()
        add_events(events, add_published_posts(posts))
        db.session.commit()
        from blog.posts.models import Post

        oldest = db.session.execute(db.select(db.func.min(Post.published_at))).scalar_one()
        db.engine.dispose()
    return oldest.year


def count_queries(folder: Path, paths: list[str]) -> dict[str, tuple[int, int]]:
    """SQL statements per request, (first request, second request), through the WSGI test client.

    Counted by SQLite itself (a trace callback on every connection), so statements sent on a raw
    DB-API cursor, as the cached-page fast path does, count too.
    """
    from sqlalchemy import event

    app = make_app(folder)
    counted = []
    with app.app_context():
        engine = db.engine
    engine.dispose()  # every connection from now on is a traced one

    def listener(dbapi_connection, connection_record):
        dbapi_connection.set_trace_callback(lambda statement: counted.append(statement))

    event.listen(engine, "connect", listener)
    client = app.test_client()
    figures = {}
    try:
        for path in paths:
            row = []
            for _ in range(2):
                counted.clear()
                assert client.get(path).status_code == 200, path
                row.append(len(counted))
            figures[path] = tuple(row)
    finally:
        event.remove(engine, "connect", listener)
        with app.app_context():
            db.engine.dispose()
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers=None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.headers), body


def wait_for(port: int, path: str) -> None:
    """Until every worker answers (workers load the app after the port opens)."""
    for _ in range(1200):
        try:
            if all(get(port, path)[0] == 200 for _ in range(WORKERS * 2)):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


def production_environment(folder: Path, proxy_port: int) -> dict:
    """The blog in production mode on the site in ``folder``, behind nginx on ``proxy_port``
    (production wants shared rate-limit storage: Redis on 127.0.0.1:6379, though limits are off)."""
    return {"BLOG_ENV": "production", "SECRET_KEY": "bench", "SITE_URL": f"http://127.0.0.1:{proxy_port}",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "INSTANCE_PATH": str(folder / "instance"),
            "MEDIA_ROOT": str(folder / "media"), "RATELIMIT_ENABLED": "false", "PROXY_COUNT": "1",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "RATELIMIT_KEY_PREFIX": f"bench-{folder.name}"}


def gunicorn(app: str, port: int, environment: dict) -> subprocess.Popen:
    """``app`` under gunicorn with the shipped settings, access log off (as wrk would fill it)."""
    return subprocess.Popen([str(BIN / "gunicorn"), "-c", str(PROJECT_ROOT / "deploy" / "gunicorn.conf.py"),
                             "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                             "--log-level", "warning", app], env={**os.environ, **environment}, cwd=PROJECT_ROOT)


def wrk(port: int, path: str, seconds: int, headers=None, cpu_of: list[int] | None = None):
    """Requests a second (2 threads, 10 connections); fails if any answer was not 2xx/3xx.

    With ``cpu_of`` (process ids), returns (requests a second, CPU microseconds those processes
    spent per request): CPU per request hardly moves when other processes load the machine,
    requests a second do."""
    before = cpu_seconds(cpu_of) if cpu_of else 0.0
    command = [WRK, "-t2", "-c10", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"{path}: errors under load\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    if not cpu_of:
        return rate
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return rate, (cpu_seconds(cpu_of) - before) / requests * 1e6


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used so far (from /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int, named: str = "") -> list[int]:
    """The child processes of ``pid`` whose command line holds ``named``."""
    found = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [child for child in found if named.encode() in Path(f"/proc/{child}/cmdline").read_bytes()]


class Servers:
    """The app's gunicorn, the ceiling's gunicorn, and one nginx with the shipped proxy
    configuration plus a static-file server of the same bytes."""

    def __init__(self, folder: Path, paths: list[str]):
        self.folder = folder
        self.app, self.ceiling, self.proxy, self.static = (free_port() for _ in range(4))
        self.processes = [gunicorn("wsgi:app", self.app, production_environment(folder, self.proxy))]
        wait_for(self.app, "/")
        self.bodies = folder / "bodies"
        self.bodies.mkdir()
        self.names = {}
        for number, path in enumerate(paths):
            status, _, body = get(self.app, path)
            if status != 200:
                raise RuntimeError(f"{path}: {status}")
            self.names[path] = f"page{number}"
            (self.bodies / f"page{number}").write_bytes(body)
        self.processes.append(gunicorn("ceiling:app", self.ceiling, {
            "CEILING_BODIES": str(self.bodies), "PYTHONPATH": str(Path(__file__).parent)}))
        wait_for(self.ceiling, "/page0")
        static = (f"    server {{ listen 127.0.0.1:{self.static}; root {self.bodies}; access_log off;\n"
                  f"             location / {{ default_type text/html; }} }}\n")
        config = nginx.write_config(folder / "nginx", listen=self.proxy, app=f"127.0.0.1:{self.app}",
                                    media_root=str(folder / "media"), access_log=False, extra=static)
        self.processes.append(nginx.start(config))
        wait_for(self.proxy, "/")

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            process.wait(timeout=60)


def best_of_alternating(app, ceiling, rounds: int = NGINX_ROUNDS) -> dict:
    """Each figure's best of a few rounds taken in turn: nginx answers tens of thousands of
    requests a second, so a burst of load from another process moves one short run a lot.
    ``app`` and ``ceiling`` return (requests a second, CPU microseconds per request)."""
    runs = [(app(), ceiling()) for _ in range(rounds)]
    return {"app": max(a[0] for a, _ in runs), "ceiling": max(c[0] for _, c in runs),
            "app cpu": min(a[1] for a, _ in runs), "ceiling cpu": min(c[1] for _, c in runs)}


def measure(folder: Path, paths: list[str], seconds: int) -> dict:
    servers = Servers(folder, paths)
    figures = {}
    try:
        app_workers = children(servers.processes[0].pid)
        ceiling_workers = children(servers.processes[1].pid)
        for path in paths:
            name = servers.names[path]
            (app, app_cpu), (ceiling, ceiling_cpu) = (
                wrk(servers.app, path, seconds, cpu_of=app_workers),
                wrk(servers.ceiling, f"/{name}", seconds, cpu_of=ceiling_workers))
            figures[path] = {"app": app, "ceiling": ceiling, "app cpu": app_cpu, "ceiling cpu": ceiling_cpu}
        home = paths[0]
        etag = get(servers.app, home)[1]["ETag"]
        (app, app_cpu), (ceiling, ceiling_cpu) = (
            wrk(servers.app, home, seconds, {"If-None-Match": etag}, cpu_of=app_workers),
            wrk(servers.ceiling, "/empty-304", seconds, cpu_of=ceiling_workers))
        figures["304"] = {"app": app, "ceiling": ceiling, "app cpu": app_cpu, "ceiling cpu": ceiling_cpu}
        nginx_workers = children(servers.processes[-1].pid, named="worker process")
        for path in paths[:2]:
            get(servers.proxy, path)
            figures[f"nginx {path}"] = best_of_alternating(
                lambda: wrk(servers.proxy, path, seconds, cpu_of=nginx_workers),
                lambda: wrk(servers.static, f"/{servers.names[path]}", seconds, cpu_of=nginx_workers))
    finally:
        servers.stop()
    return figures


def _verdict(ratio: float, goal: float) -> str:
    return "met" if ratio >= goal else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 posts and 500 events, 2 s per figure")
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--small-events", type=int, default=CALENDAR_ITEMS,
                        help="events in the small site: by default enough to fill the longest event feed, "
                             "so both sites' feeds are equally long and large/small measures the database's "
                             "growth, not a longer feed")
    parser.add_argument("--large", type=int, default=None)
    parser.add_argument("--events", type=int, default=None, help="events in the large site")
    parser.add_argument("--seconds", type=int, default=None, help="wrk duration of each figure")
    args = parser.parse_args()
    large = args.large or (5_000 if args.quick else 100_000)
    large_events = args.events or (500 if args.quick else 10_000)
    seconds = args.seconds or (2 if args.quick else 5)

    results, queries = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for posts, events in ((args.small, args.small_events), (large, large_events)):
            folder = Path(tmp, str(posts))
            folder.mkdir()
            started = time.perf_counter()
            oldest_year = build_site(folder, posts, events)
            paths = [path.format(oldest_year=oldest_year) for _, path in PAGES]
            print(f"built the demo plus {posts:,} posts and {events:,} events in "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
            queries[posts] = count_queries(folder, paths)
            results[posts] = (paths, measure(folder, paths, seconds))

    (small_paths, small), (large_paths, big) = results[args.small], results[large]
    print(f"wrk -t2 -c10 -d{seconds}s; gunicorn {WORKERS} sync workers (production); requests/s; "
          f"ceiling = a bare Flask view returning the same bytes from memory on the same gunicorn")
    print("large/small: requests a second (noisy on a shared machine), then app CPU microseconds per request "
          "(small over large; steady under load), then the large site's app/ceiling over the small one's "
          "(the same bytes served by the bare view: a page that is longer on the large site, such as /events/ "
          "listing its upcoming events, costs no more per byte)")
    print(f"{'page':<18}{'app':>8}{'ceiling':>9}{'ratio':>7}   {'large app':>9}{'ceiling':>9}{'ratio':>7}"
          f"  {'large/small':>11} {'by CPU':>7} {'per byte':>8}  {'queries miss/hit':>16}")
    worst = {"ceiling": 9.0, "size": 9.0, "size cpu": 9.0, "size per byte": 9.0}
    for (name, _), small_path, large_path in zip(PAGES, small_paths, large_paths):
        s, b = small[small_path], big[large_path]
        ratio_small, ratio_large = s["app"] / s["ceiling"], b["app"] / b["ceiling"]
        size, size_cpu = b["app"] / s["app"], s["app cpu"] / b["app cpu"]
        worst["ceiling"] = min(worst["ceiling"], ratio_small, ratio_large)
        worst["ceiling cpu"] = min(worst.get("ceiling cpu", 9.0), s["ceiling cpu"] / s["app cpu"],
                                   b["ceiling cpu"] / b["app cpu"])
        worst["size"] = min(worst["size"], size)
        worst["size cpu"] = min(worst["size cpu"], size_cpu)
        per_byte = ratio_large / ratio_small
        worst["size per byte"] = min(worst["size per byte"], per_byte)
        miss, hit = queries[large][large_path]
        print(f"{name:<18}{s['app']:>8.0f}{s['ceiling']:>9.0f}{ratio_small:>7.2f}   {b['app']:>9.0f}"
              f"{b['ceiling']:>9.0f}{ratio_large:>7.2f}  {size:>11.2f} {size_cpu:>7.2f} {per_byte:>8.2f}  {miss:>10}/{hit}")
    print()
    for label, figures in (("small", small), ("large", big)):
        f = figures["304"]
        ratio = f["app"] / f["ceiling"]
        print(f"{label}: 304 for the write-up {f['app']:.0f}/s vs an empty 304 {f['ceiling']:.0f}/s: "
              f"{ratio:.2f}x (goal {GOALS['304']}x: {_verdict(ratio, GOALS['304'])}); gunicorn CPU per "
              f"request {f['app cpu']:.0f} vs {f['ceiling cpu']:.0f} us: {f['ceiling cpu'] / f['app cpu']:.2f}x")
        for path in (small_paths if label == "small" else large_paths)[:2]:
            f = figures[f"nginx {path}"]
            print(f"{label}: behind nginx {path} {f['app']:.0f}/s vs the same bytes as a static file "
                  f"{f['ceiling']:.0f}/s (best of {NGINX_ROUNDS} rounds each): {f['app'] / f['ceiling']:.2f}x "
                  f"(goal {GOALS['nginx']}x: {_verdict(f['app'] / f['ceiling'], GOALS['nginx'])}); "
                  f"nginx CPU per request {f['app cpu']:.1f} vs {f['ceiling cpu']:.1f} us: "
                  f"{f['ceiling cpu'] / f['app cpu']:.2f}x")
    print(f"worst app/ceiling {worst['ceiling']:.2f}x, {worst['ceiling cpu']:.2f}x by CPU per request "
          f"(goal {GOALS['ceiling']}x: {_verdict(worst['ceiling'], GOALS['ceiling'])}, "
          f"{_verdict(worst['ceiling cpu'], GOALS['ceiling'])}); worst large/small {worst['size']:.2f} by requests "
          f"a second, {worst['size cpu']:.2f} by CPU per request, {worst['size per byte']:.2f} per byte (goal >= "
          f"{GOALS['size']:.2f}: {_verdict(worst['size'], GOALS['size'])}, {_verdict(worst['size cpu'], GOALS['size'])}, "
          f"{_verdict(worst['size per byte'], GOALS['size'])})")
    most = max(hit for figures in queries.values() for _, hit in figures.values())
    print(f"most queries on a cache hit: {most} (goal at most 1: {_verdict(1, most)})")


if __name__ == "__main__":
    main()
