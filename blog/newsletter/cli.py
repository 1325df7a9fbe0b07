"""``flask newsletter send | run | worker | retention | bounces``: queue digests, deliver the outbox,
keep the list clean."""
from __future__ import annotations

import functools
import signal
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from blog.core.dkim_signing import dns_record, new_private_key
from blog.core.mail import default_from, fill_markers, get_sender
from blog.core.time import UTC
from blog.errors import ValidationFailed
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.bounces import MailboxError, check_bounce_mailbox
from blog.newsletter.delivery import AnotherWorkerRunning, Worker, outstanding_count
from blog.newsletter.retention import apply_retention


def _with_site_urls(command):
    """Run inside a request context on SITE_URL, so links in mail point at the public site."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with current_app.test_request_context("/", base_url=current_app.config["SITE_URL"]):
            return command(*args, **kwargs)

    return wrapper


newsletter = AppGroup("newsletter", help="Digests and the delivery outbox.")


@newsletter.command("send")
@click.option("--dry-run", is_flag=True, help="Print the digest instead of queueing it.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), default=None,
              help="Cover posts published since this UTC date instead of since the last digest.")
@_with_site_urls
def send_command(dry_run: bool, since):
    """Compose the digest of what is new and queue it for every subscriber now."""
    composition = services.compose_digest(since=since.replace(tzinfo=UTC) if since else None)
    if dry_run:
        click.echo(f"Subject: {composition.subject}")
        click.echo(f"HTML: {len(composition.html.encode()) / 1024:.1f} KB; "
                   f"{'EMPTY: would not be sent' if composition.empty else 'would be sent'}")
        click.echo()
        click.echo(fill_markers(composition.text, services.personal_values(None)))
        db.session.rollback()
        return
    try:
        mailing = services.queue_mailing(composition, by=None)
    except ValidationFailed as error:
        db.session.rollback()
        click.echo(error.message)
        return
    versions = services.queued_together(mailing)
    db.session.commit()
    click.echo(f"Digest {mailing.id} queued for {sum(v.recipient_count for v in versions)} subscribers "
               f"({len(versions)} version{'s' if len(versions) > 1 else ''} by interests). "
               "Run `flask newsletter worker` to deliver it.")


@newsletter.command("run")
@_with_site_urls
def run_command():
    """Queue the digest if the schedule says it is due (for cron or a systemd timer)."""
    message, _ = services.queue_due_digest()
    db.session.commit()
    click.echo(message)


@newsletter.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--batch-size", type=int, default=None, help="Messages per claimed batch (one SMTP connection).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@_with_site_urls
def worker_command(once: bool, batch_size: int | None, quiet: bool):
    """Deliver the outbox. Safe to kill at any moment, and to run several at once on PostgreSQL."""
    sender = get_sender()
    click.echo(f"Delivering through {sender.describe()}.", err=True)
    total = outstanding_count()
    db.session.commit()
    stopping = {"now": False}

    def stop(signum, frame):
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bar = None
    if not quiet:
        bar = click.progressbar(length=max(total, 1), label="Sending", show_pos=True, file=sys.stderr,
                                item_show_func=lambda stats: stats.line() if stats else "")
        bar.__enter__()
    done_before = {"n": 0}

    def progress(stats):
        if bar is None:
            return
        done = stats.sent + stats.failed + stats.skipped
        bar.length = max(done + stats.remaining, 1)
        bar.update(done - done_before["n"], stats)
        done_before["n"] = done

    worker = Worker(sender=sender, batch_size=batch_size, on_progress=progress)
    try:
        stats = worker.run(once=once, should_stop=lambda: stopping["now"])
    except AnotherWorkerRunning as error:
        raise click.ClickException(str(error)) from error
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(f"Done: {stats.line()}; {stats.retried} to retry, {stats.skipped} skipped"
               + (f", {stats.deferred} deferred by NEWSLETTER_RATE" if stats.deferred else "") + ".")
    if hasattr(sender, "folder"):
        click.echo(f"Messages were written to {sender.folder}")


@newsletter.command("retention")
def retention_command():
    """Delete expired unconfirmed subscriptions; reduce long-gone addresses to suppression hashes."""
    result = apply_retention()
    db.session.commit()
    click.echo(result.line())


@newsletter.command("bounces")
def bounces_command():
    """Read the bounce mailbox (BOUNCE_MAILBOX_URL) and apply its bounce and complaint reports."""
    try:
        result = check_bounce_mailbox()
    except MailboxError as error:
        raise click.ClickException(str(error)) from error
    if result is None:
        raise click.ClickException("BOUNCE_MAILBOX_URL is not set: there is no bounce mailbox to read.")
    click.echo(result.line())


@newsletter.command("dkim-key")
@click.option("--selector", default=None, help="The DKIM selector (default: DKIM_SELECTOR, else \"blog\").")
@click.option("--domain", default=None, help="The signing domain (default: DKIM_DOMAIN, else MAIL_FROM's).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the private key (default: DKIM_PRIVATE_KEY_FILE, else instance/dkim.pem).")
@click.option("--bits", type=click.IntRange(1024, 4096), default=2048, show_default=True)
def dkim_key_command(selector: str | None, domain: str | None, output: Path | None, bits: int):
    """Make a DKIM key pair: the private key to a file (never overwritten), the DNS record to publish."""
    config = current_app.config
    selector = selector or config["DKIM_SELECTOR"] or "blog"
    domain = (domain or config["DKIM_DOMAIN"] or default_from()[1].rpartition("@")[2]).lower()
    output = output or Path(config["DKIM_PRIVATE_KEY_FILE"] or Path(config["INSTANCE_PATH"]) / "dkim.pem")
    if output.exists():
        raise click.ClickException(f"{output} exists; move it away or choose another --output.")
    key = new_private_key(bits)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.touch(mode=0o600)
    output.write_bytes(key)
    click.echo(f"Private key written to {output} (readable by this user only).\n")
    click.echo("Publish this DNS record:\n")
    click.echo(dns_record(selector, domain, key))
    click.echo("\nThen set, and restart the site and the workers:\n")
    click.echo(f"DKIM_SELECTOR={selector}\nDKIM_DOMAIN={domain}\nDKIM_PRIVATE_KEY_FILE={output.resolve()}")
