"""The ``flask import`` group (``flask import wordpress EXPORT.xml``, ``flask import SITE.zip``) and
``flask export DIR``.

A file name in place of a command restores a site export (the ``archive`` command), so the short
form the README gives works without naming it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup

from blog.accounts.models import User
from blog.accounts.services import password_reset_token
from blog.core.urls import absolute_url
from blog.extensions import db
from blog.transfer.archive import export_file_name, restore_archive, write_export
from blog.transfer.document import DocumentError


class ImportGroup(AppGroup):
    """An ``AppGroup`` whose first argument, when it names no command, is an export to restore."""

    default_command = "archive"

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in self.commands and not args[0].startswith("-") \
                and self.default_command in self.commands:
            args = [self.default_command, *args]
        return super().resolve_command(ctx, args)


import_group = ImportGroup("import", help="Bring content in: a WordPress export, or a site export to restore.")


def _progress(items, label):
    """Click's progress bar around a step's items (shown only on a terminal)."""
    items = list(items)
    with click.progressbar(items, label=label) as bar:
        yield from bar


@click.command("export")
@click.argument("destination", type=click.Path(path_type=Path))
def export_command(destination: Path):
    """Write the whole site as a ZIP: into DESTINATION if it is a folder (named
    site-export-YYYYMMDD-HHMMSS.zip), else to the file DESTINATION itself."""
    target = destination / export_file_name() if destination.is_dir() else destination
    if not target.parent.is_dir():
        raise click.ClickException(f"There is no folder {target.parent}.")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as out:
            summary = write_export(out, track=_progress)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    click.echo(f"Exported to {target}: " + ", ".join(f"{count} {name}" for name, count in summary.counts.items())
               + f", {summary.photo_files} photo files.")
    for name in summary.missing_files:
        click.echo(f"Warning: the photo file {name} is missing from MEDIA_ROOT and is not in the export.",
                   err=True)


@import_group.command("archive")
@click.argument("archive_path", metavar="SITE.zip", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive_path: Path):
    """Restore a site export (from `flask export` or Site settings → Export) into this empty site."""
    try:
        result = restore_archive(archive_path, track=_progress)
    except DocumentError as error:
        db.session.rollback()
        raise click.ClickException(f"Nothing was imported: {error.message}") from None
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        result.remove_written_files()
        raise
    click.echo("Restored: " + ", ".join(f"{count} {name}" for name, count in result.counts.items()) + ".")
    for note in result.notes:
        click.echo(note)
    click.echo("No password leaves a site: people with an account set a new one. Admins, open your link "
               "(valid two hours; an admin makes more at /admin/people):")
    for user_id in result.admins:
        user = db.session.get(User, user_id)
        link = absolute_url("accounts.reset_password_landing", token=password_reset_token(user))
        click.echo(f"  {user.email}: {link}")


@import_group.command("wordpress")
@click.argument("export_path", metavar="EXPORT.xml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--media-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A copy of the old site's wp-content/uploads, where the photos are read from.")
@click.option("--as", "admin_email", metavar="EMAIL", help="The admin the import acts as (default: the first admin).")
def wordpress_command(export_path: Path, media_dir: Path | None, admin_email: str | None):
    """Import a WordPress export (Tools → Export) in one transaction; importing it again changes nothing."""
    from flask import current_app

    from blog.accounts.models import Role
    from blog.transfer.wordpress import WxrError, read_limited
    from blog.transfer.wordpress_import import import_wordpress

    query = db.select(User).where(User.role == Role.ADMIN.value)
    if admin_email:
        query = query.where(db.func.lower(User.email) == admin_email.strip().lower())
    admin = db.session.execute(query.order_by(User.id).limit(1)).scalar_one_or_none()
    if admin is None:
        raise click.ClickException("There is no such admin: create one first (flask users create).")
    folder = media_dir or (Path(current_app.config["IMPORT_MEDIA_DIR"]) if current_app.config["IMPORT_MEDIA_DIR"]
                           else None)
    try:
        with export_path.open("rb") as stream:
            data = read_limited(stream, current_app.config["WORDPRESS_IMPORT_MAX_BYTES"])
        report = import_wordpress(data, by=admin, media_dir=folder, track=_progress)
        db.session.commit()
    except WxrError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    except BaseException:
        db.session.rollback()
        raise
    click.echo("Imported: " + ", ".join(f"{count} {name}" for name, count in report.counts().items()) + ".")
    for title, _meaning, lines in report.sections():
        click.echo(f"{title}:")
        for line in lines:
            click.echo(f"  - {line}")
