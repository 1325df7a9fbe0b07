"""``flask search reindex``: rebuild the search index from the content."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from blog.extensions import db
from blog.search import indexing

search = AppGroup("search", help="The full-text search index.")


@search.command("reindex")
def reindex_command() -> None:
    """Empty the index and index every post, page, event, person, publication and photo again."""
    total = indexing.count_candidates(db.session)
    with click.progressbar(length=total, label="Indexing") as bar:
        written = indexing.rebuild(db.session, progress=bar.update)
        bar.update(max(0, total - bar.pos))
    db.session.commit()
    click.echo(f"Indexed {written} documents.")
