"""``flask publications import FILE.bib``: add a BibTeX file's entries to the publications, all or none."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from blog.accounts.models import Role, User
from blog.errors import ValidationFailed
from blog.extensions import db
from blog.people import services

publications = AppGroup("publications", help="The group's publications.")


@publications.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str):
    """Import every entry of the BibTeX file PATH (nothing when any entry is refused)."""
    # The command line acts with an admin's rights: it is run by whoever runs the site.
    admin = db.session.execute(db.select(User).where(User.role == Role.ADMIN.value, User.active)
                               .order_by(User.id)).scalars().first()
    if admin is None:
        raise click.ClickException("Create an admin account first (flask init).")
    try:
        with open(path, encoding="utf-8") as source:
            text = source.read()
    except UnicodeDecodeError:
        raise click.ClickException("That file is not UTF-8 text. Nothing was imported.") from None
    try:
        added = services.import_bibtex(text, by=admin)
    except ValidationFailed as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{len(added)} publication{'s' if len(added) != 1 else ''} imported: "
               + ", ".join(p.key for p in added))
