"""Soak: the site behind the shipped nginx configuration under steady load while an editor writes.

Serves the demo site (plus 1,000 posts and 100 events) with gunicorn (2 sync
workers, production mode) behind nginx, then for ``--minutes`` (10 by default)
wrk keeps 200 connections busy on loopback with a mix of page reads and feed
polls carrying If-None-Match, while an editor saves the demo write-up every
``--save-every`` seconds (through the same service the editor's save button
calls). Prints requests served, 5xx answers (goal 0), socket errors, p50/p99
latency, and each gunicorn worker's memory at start and end (goal: under 10%
growth). Not part of ``make test``.

    .venv/bin/python bench/soak.py                 # 10 minutes
    .venv/bin/python bench/soak.py --minutes 2     # shorter
"""
from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import threading
from pathlib import Path

from pages import (PAGES, WRK, build_site, free_port, get, gunicorn,  # bench/pages.py
                   production_environment, wait_for)
from sites import make_app  # bench/sites.py

from blog.demo import WRITEUP_SLUG
from blog.extensions import db
from deploy import nginx

CONNECTIONS = 200
POLLED_FEEDS = ["/feeds/posts.atom", "/feeds/posts.rss", "/feeds/events.ics"]

LUA = """
local targets = {%s}
local counter = 0
errors = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
request = function()
  counter = counter + 1
  local target = targets[(counter %% #targets) + 1]
  if target[2] ~= "" then return wrk.format("GET", target[1], {["If-None-Match"] = target[2]}) end
  return wrk.format("GET", target[1])
end
response = function(status, headers, body)
  if status >= 500 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("errors") end
  io.write(string.format("SOAK 5xx %%d p50 %%.2f p99 %%.2f\\n", total,
                         latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def worker_memory(master: int) -> dict[int, int]:
    """Resident memory in KiB of each child of the gunicorn master."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    memory = {}
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        memory[int(pid)] = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return memory


class Editor(threading.Thread):
    """Saves the write-up (a new paragraph each time) every ``every`` seconds until stopped."""

    def __init__(self, folder: Path, every: float):
        super().__init__(daemon=True)
        self.app, self.every, self.saves = make_app(folder), every, 0
        self.stopping = threading.Event()

    def run(self) -> None:
        from blog.accounts.models import User
        from blog.posts import services as posts
        from blog.posts.models import Post

        with self.app.app_context():
            while not self.stopping.wait(self.every):
                post = db.session.execute(db.select(Post).where(Post.slug == WRITEUP_SLUG)).scalar_one()
                editor = db.session.execute(db.select(User).where(User.role == "admin")).scalars().first()
                body = post.body_markdown + f"\n\nSoak {self.saves}."
                data = posts.PostInput(title=post.title, body_markdown=body,
                                       tag_names=[t.name for t in post.tags],
                                       author_ids=[a.id for a in post.authors])
                posts.save_post(post, data, by=editor, base_version=post.version)
                db.session.commit()
                self.saves += 1
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--save-every", type=float, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        oldest_year = build_site(folder, 1000, 100)
        app_port, proxy_port = free_port(), free_port()
        master = gunicorn("wsgi:app", app_port, production_environment(folder, proxy_port))
        config = nginx.write_config(folder / "nginx", listen=proxy_port, app=f"127.0.0.1:{app_port}",
                                    media_root=str(folder / "media"), access_log=False)
        proxy = nginx.start(config)
        editor = Editor(folder, args.save_every)
        try:
            wait_for(app_port, "/")
            wait_for(proxy_port, "/")
            pages = [path.format(oldest_year=oldest_year) for _, path in PAGES]
            targets = [(path, "") for path in pages] + [
                (feed, get(proxy_port, feed)[1].get("ETag", "").replace('"', '\\"')) for feed in POLLED_FEEDS]
            script = folder / "soak.lua"
            script.write_text(LUA % ", ".join(f'{{"{path}", "{etag}"}}' for path, etag in targets))
            for path in pages:  # every page rendered once, so the start figure is a warm worker's
                get(app_port, path)
            memory_start = worker_memory(master.pid)
            editor.start()
            seconds = int(args.minutes * 60)
            output = subprocess.run([WRK, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
                                     "-s", str(script), f"http://127.0.0.1:{proxy_port}/"],
                                    capture_output=True, text=True, check=True).stdout
            memory_end = worker_memory(master.pid)
        finally:
            editor.stopping.set()
            editor.join(timeout=30)
            proxy.terminate()
            master.terminate()
            proxy.wait(timeout=30)
            master.wait(timeout=60)

    served = re.search(r"(\d+) requests in", output).group(1)
    soak = re.search(r"SOAK 5xx (\d+) p50 ([\d.]+) p99 ([\d.]+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    print(f"{args.minutes:g} minutes, {CONNECTIONS} connections through nginx, "
          f"{len(targets)} addresses ({len(POLLED_FEEDS)} feeds polled with If-None-Match), "
          f"{editor.saves} saves by the editor")
    print(f"requests served: {int(served):,}  5xx: {soak.group(1)} (goal 0)  "
          f"socket errors: {socket_errors.group(1) if socket_errors else 'none'}")
    print(f"latency p50 {soak.group(2)} ms, p99 {soak.group(3)} ms")
    for pid, start in memory_start.items():
        end = memory_end.get(pid)
        if end is None:
            print(f"worker {pid}: {start / 1024:.1f} MiB at start, gone by the end (restarted)")
            continue
        print(f"worker {pid}: {start / 1024:.1f} MiB at start, {end / 1024:.1f} MiB at end: "
              f"{(end - start) / start * 100:+.1f}% (goal under +10%)")


if __name__ == "__main__":
    main()
