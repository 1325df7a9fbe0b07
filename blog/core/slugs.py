"""URL slugs from Unicode titles, kept unique per table."""
from __future__ import annotations

from slugify import slugify

from blog.extensions import db

MAX_SLUG_LENGTH = 120


def make_slug(text: str) -> str:
    """'“Internet-based Sex Offending” – a workshop' -> 'internet-based-sex-offending-a-workshop'."""
    return slugify(text or "", max_length=MAX_SLUG_LENGTH, word_boundary=True) or "untitled"


def unique_slug(model, wanted: str, *, exclude_id: int | None = None, taken=None) -> str:
    """``wanted`` if free in ``model.slug``, else ``wanted-2``, ``wanted-3``...

    ``taken(slug)`` may add another namespace to check (e.g. old slugs that redirect).
    """
    base = make_slug(wanted)
    candidate, number = base, 1
    while _slug_used(model, candidate, exclude_id) or (taken and taken(candidate)):
        number += 1
        candidate = f"{base[: MAX_SLUG_LENGTH - len(str(number)) - 1]}-{number}"
    return candidate


def _slug_used(model, slug: str, exclude_id: int | None) -> bool:
    query = db.select(model.id).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.execute(query.limit(1)).first() is not None
