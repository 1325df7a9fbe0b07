"""Delivery speed: one digest to N confirmed subscribers through Postfix's ``smtp-sink``.

Measured in the same run:

* the ceiling: ``smtplib`` sending already-rendered bytes of the same size over one
  connection (what one Python sender can do at best here);
* one worker process (``flask newsletter worker --once``) draining the outbox: emails/s
  and its peak memory (max RSS), and the ratio to the ceiling;
* on PostgreSQL, two worker processes at once and the speed-up over one.

``--interests`` gives the subscribers interests (eight different sets, a third without any) and
the digest three tagged write-ups and an untagged one, so the digest is queued as one version
per distinct selection: queueing time and the number of renderings are printed. ``--dkim``
signs every message (a fresh 2048-bit key), as a site with DKIM configured does.

Worker times exclude interpreter and app start-up, measured separately (a worker run on
an empty outbox) and subtracted. Needs ``smtp-sink`` (Debian package ``postfix``; the
Postfix daemon itself need not run).

    .venv/bin/python bench/delivery.py                  # 5,000 subscribers, PostgreSQL if reachable
    .venv/bin/python bench/delivery.py --full           # 10,000 subscribers
    .venv/bin/python bench/delivery.py --database sqlite
    .venv/bin/python bench/delivery.py --interests --dkim
"""
from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TAGS = ["Workshops", "Policy", "Events"]
INTEREST_SETS = ["", "", "", "Workshops", "Policy", "Workshops, Policy", "Events", "Policy, Events, Methods"]
PARAGRAPH = ("The workshop brought together practitioners and researchers to work through anonymised "
             "case studies, compare assessment tools and plan what each service would change next. ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    if not Path(binary).exists():
        sys.exit("smtp-sink not found: apt-get install postfix (the daemon need not run)")
    args = [binary] + (["-u", "nobody"] if os.geteuid() == 0 else []) + [f"127.0.0.1:{port}", "1024"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    sys.exit("smtp-sink did not start")


def postgres_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
        return True
    except OSError:
        return False


def make_database(kind: str, folder: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None
    from sqlalchemy import create_engine, make_url, text

    name = f"bench_delivery_{os.getpid()}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_BASE).set(database=name).render_as_string(hide_password=False), drop


def prepare(config: dict, subscribers: int, body_kb: int, interests: bool) -> None:
    """Create the schema, the subscribers and the posts to send (one, or with ``interests`` one per tag
    and an untagged one, sharing ``body_kb``)."""
    from sqlalchemy import insert

    from blog import create_app
    from blog.accounts.models import Role
    from blog.accounts.services import create_user
    from blog.core.time import utcnow
    from blog.extensions import db
    from blog.newsletter.models import Subscriber
    from blog.posts import services as posts

    app = create_app(config)
    with app.app_context():
        db.create_all()
        now = utcnow()
        db.session.execute(insert(Subscriber), [
            {"email": f"reader{i}@example.org", "name": f"Reader {i}", "status": "subscribed", "receives": "both",
             "tags": INTEREST_SETS[i % len(INTEREST_SETS)] if interests else "", "token_key": f"k{i:08d}",
             "created_at": now, "consent_at": now, "consent_method": "bench", "bounce_count": 0,
             "last_bounce": ""} for i in range(subscribers)])
        author = create_user("author@example.org", None, role=Role.EDITOR, display_name="Dr Bench")
        tag_lists = [[tag] for tag in TAGS] + [[]] if interests else [[]]
        paragraphs = max(1, body_kb * 1024 // (len(PARAGRAPH) * 3) // len(tag_lists))
        body = "\n\n".join(f"{PARAGRAPH * 3}*Part {n}.*" for n in range(paragraphs))
        for n, tags in enumerate(tag_lists):
            post = posts.create_post(posts.PostInput(title=f"A workshop report {n}", body_markdown=body,
                                                     tag_names=tags), by=author)
            posts.publish_post(post, by=author, at=now - timedelta(minutes=1))
        db.session.commit()
        db.engine.dispose()


def queue_digest(config: dict) -> tuple[bytes, float, int, int]:
    """Queue the digest (timed); one rendered message of it, the seconds, versions and renderings."""
    from blog import create_app
    from blog.core.mail import MessageTemplate
    from blog.core.time import utcnow
    from blog.extensions import db
    from blog.newsletter import services

    renderings = []
    render = services._render
    services._render = lambda *args, **kwargs: renderings.append(args[0]) or render(*args, **kwargs)
    app = create_app(config)
    with app.test_request_context(base_url=config["SITE_URL"]):
        started = time.perf_counter()
        mailing = services.queue_mailing(services.compose_digest(since=utcnow() - timedelta(days=1)), by=None)
        versions = len(services.queued_together(mailing))
        db.session.commit()
        queue_seconds = time.perf_counter() - started
        template = MessageTemplate(subject=mailing.subject, text=mailing.body_text, html=mailing.body_html,
                                   reply_to="reply@example.org", list_id="Bench <news.example.org>")
        sample = template.render("reader0@example.org", "Reader 0",
                                 unsubscribe_url=config["SITE_URL"] + "/newsletter/unsubscribe/" + "x" * 40,
                                 values={"PREFERENCES_URL": config["SITE_URL"] + "/p/" + "x" * 40})
        db.engine.dispose()
    services._render = render
    return sample, queue_seconds, versions, renderings.count("digest")


def reset_outbox(config: dict) -> None:
    from blog import create_app
    from blog.extensions import db
    from blog.newsletter.models import Delivery

    app = create_app(config)
    with app.app_context():
        db.session.execute(db.update(Delivery).values(status="queued", attempts=0, sent_at=None, claimed_by=None,
                                                      claimed_at=None, message_id=None))
        db.session.commit()
        db.engine.dispose()


def count_sent(config: dict) -> int:
    from blog import create_app
    from blog.extensions import db
    from blog.newsletter.models import Delivery

    app = create_app(config)
    with app.app_context():
        sent = db.session.scalar(db.select(db.func.count()).select_from(Delivery).where(Delivery.status == "sent"))
        db.engine.dispose()
    return sent


def ceiling(port: int, raw: bytes, count: int) -> float:
    smtp = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for n in range(count):
        smtp.sendmail("noreply@example.org", [f"reader{n}@example.org"], raw)
    elapsed = time.perf_counter() - started
    smtp.quit()
    return count / elapsed


def run_workers(env: dict, workers: int) -> tuple[float, int]:
    """Wall seconds for ``workers`` processes to drain the outbox, and the largest max RSS (KiB)."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "newsletter", "worker", "--once", "--quiet"]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for _ in range(workers)]
    peak = 0
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        output = process.stdout.read().decode()
        if process.returncode != 0:
            sys.exit(f"worker failed:\n{output}")
        peak = max(peak, usage.ru_maxrss)
    return time.perf_counter() - started, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=None,
                        help="default 5,000 on PostgreSQL, 1,000 on SQLite (under two minutes)")
    parser.add_argument("--full", action="store_true", help="the full size: 10,000 subscribers")
    parser.add_argument("--body-kb", type=int, default=16,
                        help="size of the post in the digest (KB of text; 16 makes a message of about 40 KB)")
    parser.add_argument("--database", choices=["auto", "postgresql", "sqlite"], default="auto")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--interests", action="store_true", help="subscribers with interests, tagged write-ups")
    parser.add_argument("--dkim", action="store_true", help="sign every message with DKIM")
    args = parser.parse_args()
    kind = args.database if args.database != "auto" else ("postgresql" if postgres_reachable() else "sqlite")

    folder = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    port = free_port()
    sink = start_sink(port)
    url, drop = make_database(kind, folder)
    try:
        config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SITE_URL": "https://blog.example.org",
                  "INSTANCE_PATH": str(folder / "instance"), "MAIL_URL": f"smtp://127.0.0.1:{port}",
                  "RATELIMIT_ENABLED": False, "MAIL_SKIP_RESERVED": False}
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench", SITE_URL=config["SITE_URL"],
                   INSTANCE_PATH=config["INSTANCE_PATH"], MAIL_URL=config["MAIL_URL"], PYTHONPATH=str(ROOT),
                   NEWSLETTER_BATCH_SIZE=str(args.batch_size),
                   MAIL_SKIP_RESERVED="false")  # smtp-sink takes the subscribers' example.org addresses
        if args.dkim:
            from blog.core.dkim_signing import new_private_key

            dkim = {"DKIM_SELECTOR": "bench", "DKIM_DOMAIN": "example.org",
                    "DKIM_PRIVATE_KEY": new_private_key().decode()}
            config.update(dkim)
            env.update(dkim)
        n = 10_000 if args.full else args.subscribers or (5_000 if kind == "postgresql" else 1_000)
        print(f"Delivery benchmark: {n} subscribers, one digest, {kind}, smtp-sink on 127.0.0.1:{port}"
              + (", interests" if args.interests else "") + (", DKIM-signed" if args.dkim else ""))
        prepare(config, n, args.body_kb, args.interests)
        startup, _ = run_workers(env, 1)  # an empty outbox: interpreter, app and connection start-up
        sample, queue_seconds, versions, renderings = queue_digest(config)
        print(f"  message size                  {len(sample) / 1024:8.1f} KB")
        print(f"  queueing (one transaction)    {queue_seconds:8.2f} s for {n} outbox rows, "
              f"{versions} version(s) by interests, {renderings} digest rendering(s)")

        ceiling_rate = ceiling(port, sample, n)
        print(f"  ceiling: raw smtplib          {ceiling_rate:8.0f} emails/s (pre-rendered bytes, one connection)")

        one_wall, one_peak = run_workers(env, 1)
        if count_sent(config) != n:
            sys.exit("one worker did not send everything")
        one_rate = n / max(one_wall - startup, 1e-6)
        print(f"  worker start-up (subtracted)  {startup:8.2f} s")
        print(f"  1 worker                      {one_rate:8.0f} emails/s, peak memory {one_peak / 1024:.0f} MiB")
        print(f"  ratio to the ceiling          {one_rate / ceiling_rate:8.0%}")
        if kind == "postgresql":
            reset_outbox(config)
            two_wall, two_peak = run_workers(env, 2)
            if count_sent(config) != n:
                sys.exit("two workers did not send everything")
            two_rate = n / max(two_wall - startup, 1e-6)
            print(f"  2 workers                     {two_rate:8.0f} emails/s, peak memory {two_peak / 1024:.0f} MiB each")
            print(f"  speed-up with 2 workers       {two_rate / one_rate:8.2f}x")
        else:
            print("  2 workers: PostgreSQL only (SQLite runs one worker)")
    finally:
        sink.terminate()
        sink.wait()
        drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
