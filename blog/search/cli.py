"""``flask search reindex``: rebuild the search index from the content."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from blog.extensions import db
from blog.search import indexing

search = AppGroup("search", help="The full-text search index.")


@search.command("reindex")
@click.option("--if-empty", is_flag=True,
              help="Only when the index holds nothing yet (`make migrate` runs this after an upgrade).")
def reindex_command(if_empty: bool) -> None:
    """Empty the index and index every post, page, event, person, publication and photo again."""
    if if_empty and indexing.has_documents(db.session):
        return
    total = indexing.count_candidates(db.session)
    with click.progressbar(length=total, label="Indexing") as bar:
        written = indexing.rebuild(db.session, progress=bar.update)
        bar.update(max(0, total - bar.pos))
    db.session.commit()
    click.echo(f"Indexed {written} documents.")
