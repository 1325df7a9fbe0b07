"""The writing page's services: autosave (working copies that never flood the revision history or
touch the live post), the link dialog's search, and events made from the post editor."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from blog.accounts.models import Role, User
from blog.core.time import utcnow
from blog.editor.models import WorkingCopy
from blog.errors import ValidationFailed
from blog.extensions import db
from blog.posts.models import Post, PostRevision
from blog.posts.services import MAX_TITLE_LENGTH, is_page, post_endpoint, post_latest_revision, require_edit

# While someone keeps typing, autosave keeps a revision at most this often.
AUTOSAVE_REVISION_EVERY = timedelta(minutes=5)
MAX_BODY_CHARS = 2_000_000


@dataclass
class AutosaveResult:
    copy: WorkingCopy
    conflict: bool  # someone saved the post since this text's base version
    revision_kept: bool


def working_copy(post: Post, user: User) -> WorkingCopy | None:
    return db.session.get(WorkingCopy, (post.id, user.id))


def autosave(post: Post, *, by: User, title: str, body: str, base_version: int,
             now: datetime | None = None) -> AutosaveResult:
    """Keep ``by``'s current text of ``post`` without changing the post.

    A revision (reason "autosave") is kept at most every ``AUTOSAVE_REVISION_EVERY``,
    and only when the text differs from the latest revision.
    """
    require_edit(post, by)
    now = now or utcnow()
    copy = working_copy(post, by)
    if copy is None:
        copy = WorkingCopy(post_id=post.id, user_id=by.id, revision_kept_at=now)
        db.session.add(copy)
    copy.title = (title or "")[:MAX_TITLE_LENGTH]
    copy.body_markdown = (body or "")[:MAX_BODY_CHARS]
    copy.base_version = base_version
    copy.saved_at = now
    kept = False
    if copy.revision_kept_at is None or now - copy.revision_kept_at >= AUTOSAVE_REVISION_EVERY:
        latest = post_latest_revision(post)
        if latest is None or (latest.title, latest.body_markdown) != (copy.title, copy.body_markdown):
            db.session.add(PostRevision(post_id=post.id, number=post.version, title=copy.title or post.title,
                                        body_markdown=copy.body_markdown, reason="autosave", author_id=by.id))
            kept = True
        copy.revision_kept_at = now
    db.session.flush()
    return AutosaveResult(copy=copy, conflict=base_version != post.version, revision_kept=kept)


def pending_copy(post: Post, user: User) -> WorkingCopy | None:
    """The working copy to offer when ``user`` opens the post, if it holds unsaved text."""
    copy = working_copy(post, user)
    if copy is None or (copy.title, copy.body_markdown) == (post.title, post.body_markdown):
        return None
    if post.created_at and copy.saved_at < post.created_at:
        return None  # left by a deleted post whose id SQLite gave to this one
    return copy


def discard_all_copies(post: Post) -> None:
    """Before a post is deleted (SQLite does not enforce ON DELETE CASCADE unless asked to)."""
    db.session.execute(db.delete(WorkingCopy).where(WorkingCopy.post_id == post.id))


def discard_working_copy(post: Post, user: User) -> None:
    copy = working_copy(post, user)
    if copy is not None:
        db.session.delete(copy)
        db.session.flush()


@dataclass
class LinkTarget:
    """A page of this site an author can link to: ``endpoint`` and ``slug`` make its path."""
    kind: str  # "post", "event" or "tag"
    label: str
    endpoint: str
    slug: str


def link_targets(query: str, *, limit: int = 8) -> list[LinkTarget]:
    """Posts (published or scheduled), events and tags whose name contains ``query``, best first:
    names starting with it before the rest, newest posts and events first."""
    from blog.events.models import Event  # events builds on posts: imported here, not at the top
    from blog.posts.models import PostStatus, Tag

    query = (query or "").strip()[:100]
    if not query:
        return []
    pattern = f"%{query}%"
    posts = db.session.execute(
        db.select(Post).where(Post.title.ilike(pattern),
                              Post.status.in_([PostStatus.PUBLISHED.value, PostStatus.SCHEDULED.value]))
        .order_by(Post.published_at.desc()).limit(limit)).scalars()
    events = db.session.execute(
        db.select(Event).where(Event.title.ilike(pattern)).order_by(Event.id.desc()).limit(limit)).scalars()
    tags = db.session.execute(db.select(Tag).where(Tag.name.ilike(pattern)).order_by(Tag.name).limit(limit)).scalars()
    found = ([LinkTarget("page" if is_page(p) else "post", p.title, post_endpoint(p), p.slug) for p in posts]
             + [LinkTarget("event", e.title, "events.event", e.slug) for e in events]
             + [LinkTarget("tag", t.name, "posts.tag", t.slug) for t in tags])
    lowered = query.lower()
    found.sort(key=lambda target: not target.label.lower().startswith(lowered))  # stable: keeps kinds in order
    return found[:limit]


EVENT_PRECISIONS = ("day", "month", "tba")


def create_event_for_post(*, title: str, precision: str, when: str, venue: str, city: str, by: User,
                          timezone: str, today: date):
    """The post editor's "New event" dialog: an event made in one step while writing about it.

    ``when`` is ``YYYY-MM-DD`` for a day, ``YYYY-MM`` for a month, ignored when the date is to be
    announced. An event on a day already past is recorded as held; one the author may publish is
    published, so the write-up's readers can follow the link. :raise ValidationFailed: on bad input.
    """
    from blog.events import services as events  # the editor calls other features' services
    from blog.events.models import EventStatus

    if precision not in EVENT_PRECISIONS:
        raise ValidationFailed("Choose a day, a month, or “to be announced”.", field="precision")
    data = events.EventInput(title=title.strip(), precision=precision, timezone=timezone,
                             venue_name=venue.strip(), city=city.strip())
    try:
        if precision == "day":
            data.start_date = date.fromisoformat(when.strip())
        elif precision == "month":
            year, month = when.strip().split("-")[:2]
            data.year, data.month = int(year), int(month)
    except ValueError:
        raise ValidationFailed("Give the date as on a calendar, e.g. 2014-11-20.", field="when") from None
    if not data.title:
        raise ValidationFailed("An event needs a title.", field="title")
    if data.start_date is not None and data.start_date < today and by.can(Role.AUTHOR):
        data.status = EventStatus.HELD.value
    event = events.create_event(data, by=by)
    if events.can_publish_event(event, by):
        events.publish_event(event, by=by)
    return event
