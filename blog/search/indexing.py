"""Keeping ``search_documents`` in step with the content, in the content's own transaction.

An ``after_flush`` listener looks at what the flush wrote (posts, events and their people, people
and their profiles, publications, photos) and, on the same connection, rewrites or removes each
one's document: a rollback takes the document change back with the content. Writes that bypass the
ORM (bulk ``UPDATE``s, migrations) are caught up by ``flask search reindex`` (``rebuild``).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.orm import Session

from blog.search.models import SearchDocument, sort_key

PUBLIC_KINDS = ("post", "page", "event", "person", "publication")
ALL_KINDS = (*PUBLIC_KINDS, "photo")
FAMILIES = {"post": ("post", "page"), "event": ("event",), "person": ("person",),
            "publication": ("publication",), "photo": ("photo",)}
MAX_BODY_CHARS = 200_000


@dataclass(frozen=True)
class Doc:
    kind: str
    object_id: int
    slug: str
    language: str
    title: str
    excerpt: str
    body: str
    published_at: datetime


def plain_text(html: str | None) -> str:
    return Markup(html or "").striptags()[:MAX_BODY_CHARS]


def base_language(tag: str | None) -> str:
    return (tag or "").split("-", 1)[0].strip().lower()[:16]


# --- what each kind of thing is as a document (None: not searchable) --------------------------

def post_doc(post, site_language: str) -> Doc | None:
    """Published and scheduled posts and pages (a scheduled one is found once its time has come)."""
    from blog.posts.models import VISIBLE_STATUSES

    if post.status not in VISIBLE_STATUSES or post.published_at is None:
        return None
    return Doc(post.kind or "post", post.id, post.slug, base_language(post.language or site_language),
               post.title or "", post.excerpt or "", plain_text(post.body_html), post.published_at)


def event_doc(item, site_language: str) -> Doc | None:
    if item.published_at is None:
        return None
    people = " ".join(f"{p.name} {p.affiliation}".strip() for p in item.people)
    place = " ".join(part for part in (item.venue_name, item.city) if part)
    body = " ".join(part for part in (plain_text(item.description_html), people, place) if part)
    return Doc("event", item.id, item.slug, base_language(site_language), item.title or "", item.summary or "",
               body, item.published_at)


def person_doc(user, profile, site_language: str) -> Doc | None:
    if not user.active:
        return None
    excerpt = " · ".join(part for part in ((profile.group_role if profile else ""), user.affiliation) if part)
    return Doc("person", user.id, user.slug, base_language(site_language), user.display_name or "", excerpt,
               user.bio or "", user.created_at)


def publication_doc(publication, site_language: str) -> Doc | None:
    item = json.loads(publication.csl_json or "{}")
    names = [a.get("literal") or " ".join(p for p in (a.get("given"), a.get("family")) if p)
             for a in item.get("author") or []]
    container = item.get("container-title") or ""
    if isinstance(container, list):
        container = container[0] if container else ""
    excerpt = ", ".join(n for n in names if n)
    extra = " ".join(str(part) for part in (container, publication.year or "", publication.doi) if part)
    body = " ".join(part for part in (extra, plain_text(item.get("abstract") or "")) if part)
    return Doc("publication", publication.id, publication.key, base_language(item.get("language") or site_language),
               publication.title or "", excerpt, body, publication.created_at)


def photo_doc(photo, site_language: str) -> Doc | None:
    body = " ".join(part for part in (photo.credit, photo.original_name) if part)
    return Doc("photo", photo.id, photo.key, base_language(site_language), photo.alt_text or "",
               photo.caption_markdown or "", body, photo.created_at)


# --- writing documents -------------------------------------------------------------------------

_COLUMNS = [f.name for f in fields(Doc)]


def _site_language(connection) -> str:
    from blog.site.models import SETTINGS_ID, SiteSettings

    found = connection.execute(select(SiteSettings.language).where(SiteSettings.id == SETTINGS_ID)).scalar()
    return found or "en"


def _free_key(connection, wanted: int, reserved: set[int]) -> int:
    """``wanted``, or the next value above it no document has (same microsecond: a hair older)."""
    taken = set(connection.execute(select(SearchDocument.id).where(
        SearchDocument.id >= wanted, SearchDocument.id < wanted + 256)).scalars()) | reserved
    while wanted in taken:
        wanted += 1
    return wanted


def write(connection, family: str, object_id: int, doc: Doc | None, reserved: set[int] | None = None) -> None:
    """Make the stored document of ``(family, object_id)`` be ``doc`` (None: no document)."""
    kinds = FAMILIES[family]
    old = connection.execute(select(SearchDocument.__table__).where(
        SearchDocument.kind.in_(kinds), SearchDocument.object_id == object_id)).mappings().all()
    if doc is not None and len(old) == 1 and all(old[0][c] == getattr(doc, c) for c in _COLUMNS):
        return  # unchanged: no index churn
    if old:
        connection.execute(delete(SearchDocument).where(SearchDocument.id.in_([row["id"] for row in old])))
    if doc is not None:
        key = _free_key(connection, sort_key(doc.published_at), reserved or set())
        connection.execute(insert(SearchDocument).values(id=key, **{c: getattr(doc, c) for c in _COLUMNS}))


def _changes(session: Session) -> Iterator[tuple[str, int, object | None]]:
    """``(family, object_id, object or None when deleted)`` for what this flush wrote."""
    from blog.accounts.models import User
    from blog.events.models import Event, EventPerson
    from blog.media.models import Photo
    from blog.people.models import PersonProfile, Publication
    from blog.posts.models import Post

    families = {Post: "post", Event: "event", User: "person", Publication: "publication", Photo: "photo"}
    for obj in (*session.new, *session.dirty):
        family = families.get(type(obj))
        if family:
            yield family, obj.id, obj
        elif isinstance(obj, EventPerson) and obj.event_id:
            yield "event", obj.event_id, session.get(Event, obj.event_id)
        elif isinstance(obj, PersonProfile):
            yield "person", obj.user_id, session.get(User, obj.user_id)
    for obj in session.deleted:
        family = families.get(type(obj))
        if family:
            yield family, obj.id, None
        elif isinstance(obj, EventPerson) and obj.event_id:
            event_obj = session.get(Event, obj.event_id)
            if event_obj is not None and event_obj not in session.deleted:
                yield "event", obj.event_id, event_obj


def document_for(family: str, obj, site_language: str, session: Session | None = None) -> Doc | None:
    if obj is None:
        return None
    if family == "post":
        return post_doc(obj, site_language)
    if family == "event":
        return event_doc(obj, site_language)
    if family == "person":
        from blog.people.models import PersonProfile

        profile = session.get(PersonProfile, obj.id) if session is not None else None
        return person_doc(obj, profile, site_language)
    if family == "publication":
        return publication_doc(obj, site_language)
    return photo_doc(obj, site_language)


@event.listens_for(Session, "after_flush")
def _index_flushed(session: Session, flush_context) -> None:
    """Rewrite the documents of what was just flushed (``new``/``dirty``/``deleted`` still list it)."""
    with session.no_autoflush:
        changes: dict[tuple[str, int], object | None] = {}
        for family, object_id, obj in _changes(session):
            if object_id is None:
                continue
            if (family, object_id) in changes and obj is not None and changes[(family, object_id)] is None:
                continue  # deleted in this flush wins
            changes[(family, object_id)] = obj
        if not changes:
            return
        connection = session.connection()
        language = _site_language(connection)
        for (family, object_id), obj in sorted(changes.items(), key=lambda item: item[0]):
            deleted = obj is not None and obj in session.deleted
            doc = None if deleted else document_for(family, obj, language, session)
            write(connection, family, object_id, doc)


# --- rebuilding the whole index ----------------------------------------------------------------

BATCH = 1000


def _batches(rows: Iterable[Doc | None], size: int = BATCH) -> Iterator[list[Doc]]:
    batch: list[Doc] = []
    for doc in rows:
        if doc is None:
            continue
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def all_documents(session: Session, site_language: str) -> Iterator[Doc | None]:
    """Every thing as its document (None for what is not searchable), posts read column-wise."""
    from blog.accounts.models import User
    from blog.events.models import Event
    from blog.media.models import Photo
    from blog.people.models import PersonProfile, Publication
    from blog.posts.models import VISIBLE_STATUSES, Post

    columns = (Post.id, Post.kind, Post.slug, Post.title, Post.excerpt, Post.body_html, Post.language,
               Post.status, Post.published_at)
    rows = session.execute(select(*columns).where(Post.status.in_(VISIBLE_STATUSES))
                           .order_by(Post.id).execution_options(yield_per=BATCH))
    for row in rows:
        yield post_doc(row, site_language)
    for item in session.execute(select(Event).where(Event.published_at.is_not(None)).order_by(Event.id)).scalars():
        yield event_doc(item, site_language)
    profiles = {p.user_id: p for p in session.execute(select(PersonProfile)).scalars()}
    for user in session.execute(select(User).order_by(User.id)).scalars():
        yield person_doc(user, profiles.get(user.id), site_language)
    for publication in session.execute(select(Publication).order_by(Publication.id)).scalars():
        yield publication_doc(publication, site_language)
    for photo in session.execute(select(Photo).order_by(Photo.id)).scalars():
        yield photo_doc(photo, site_language)


def count_candidates(session: Session) -> int:
    from blog.accounts.models import User
    from blog.events.models import Event
    from blog.media.models import Photo
    from blog.people.models import Publication
    from blog.posts.models import Post

    return sum(session.execute(select(func.count()).select_from(model)).scalar_one()
               for model in (Post, Event, User, Publication, Photo))


def has_documents(session: Session) -> bool:
    return session.execute(select(SearchDocument.id).limit(1)).first() is not None


def insert_documents(connection, docs: list[Doc], reserved: set[int]) -> None:
    """Bulk insert into an index that has none of these documents (the rebuild, the bench)."""
    values = []
    for doc in docs:
        key = sort_key(doc.published_at)
        while key in reserved:
            key += 1
        reserved.add(key)
        values.append({"id": key, **{c: getattr(doc, c) for c in _COLUMNS}})
    connection.execute(insert(SearchDocument), values)


def rebuild(session: Session, *, progress=None) -> int:
    """Empty the index and write every document again; returns how many. ``progress(n)`` is told
    of each batch. Flushes, does not commit."""
    session.flush()
    connection = session.connection()
    connection.execute(delete(SearchDocument))
    language = _site_language(connection)
    reserved: set[int] = set()
    written = 0
    for batch in _batches(all_documents(session, language)):
        insert_documents(connection, batch, reserved)
        written += len(batch)
        if progress:
            progress(len(batch))
    optimise(connection)
    return written


def optimise(connection) -> None:
    """Merge the FTS5 segments (one b-tree per index is what a query reads fastest)."""
    if connection.dialect.name == "sqlite":
        from blog.search.models import FTS_TABLES

        for name in FTS_TABLES:
            connection.exec_driver_sql(f"INSERT INTO {name}({name}) VALUES ('optimize')")

