"""Site settings and the content stamp that public-page caching is built on."""
from __future__ import annotations

from datetime import datetime

from flask import g
from sqlalchemy import event, func, insert, update
from sqlalchemy.orm import Session

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core.markdown import render_markdown
from blog.core.time import is_valid_zone, utcnow
from blog.core.usage import Usage, shows
from blog.errors import ValidationFailed
from blog.extensions import db
from blog.posts.models import VISIBLE_STATUSES, Post
from blog.scholarly import services as scholarly
from blog.site.models import SETTINGS_ID, DemoObject, SiteSettings, new_content_version


def get_settings() -> SiteSettings:
    """The settings row, read once per request; defaults (unsaved) before it exists."""
    if "site_settings" not in g:
        g.site_settings = db.session.get(SiteSettings, SETTINGS_ID) or SiteSettings(
            id=SETTINGS_ID, site_name="Research Group Blog", tagline="", description="",
            about_markdown="", about_html="", timezone="Europe/London", language="en",
            logo_path="", footer_text="", content_changed_at=utcnow(), updated_at=utcnow(),
            content_version=NO_VERSION,
        )
    return g.site_settings


def ensure_settings() -> SiteSettings:
    settings = db.session.get(SiteSettings, SETTINGS_ID)
    if settings is None:
        settings = SiteSettings(id=SETTINGS_ID)
        db.session.add(settings)
        db.session.flush()
    return settings


def settings_showing(kind: str, obj) -> list[Usage]:
    """Usages (``blog.core.usage``) of a shared object in the site settings (the about page)."""
    settings = db.session.get(SiteSettings, SETTINGS_ID)
    if settings is None or not shows(settings.about_markdown, kind, obj.key):
        return []
    return [Usage("settings", settings, "About page (site settings)", True,
                  lambda user: user.can(Role.ADMIN), "site.settings")]


def update_settings(*, by: User, site_name: str, tagline: str, description: str, timezone: str,
                    footer_text: str, about_markdown: str, language: str = "en",
                    licence: str | None = None) -> SiteSettings:
    require_role(by, Role.ADMIN, "change site settings")
    if not site_name.strip():
        raise ValidationFailed("The site needs a name.", field="site_name")
    if not is_valid_zone(timezone):
        raise ValidationFailed(f"Unknown time zone {timezone!r}; use a name such as Europe/London.",
                               field="timezone")
    settings = ensure_settings()
    settings.site_name = site_name.strip()
    settings.tagline = tagline.strip()
    settings.description = description.strip()
    settings.timezone = timezone
    settings.footer_text = footer_text.strip()
    settings.language = language.strip() or "en"
    settings.about_markdown = about_markdown
    settings.about_html = render_markdown(about_markdown)
    if licence is not None:
        settings.licence = scholarly.check_licence(licence) or scholarly.DEFAULT_LICENCE
    settings.updated_at = utcnow()
    return settings


def set_logo_path(path: str, *, by: User) -> None:
    require_role(by, Role.ADMIN, "change the logo")
    settings = ensure_settings()
    settings.logo_path = path


# Features whose public pages change with time alone (an event starting) say when that happens next.
_time_sources: list = []


def register_next_change(next_moment) -> None:
    """``next_moment(now)`` returns the earliest moment after ``now`` at which readers' pages
    change with no write (or None); the content version moves then."""
    _time_sources.append(next_moment)


def _next_scheduled_post(now: datetime) -> datetime | None:
    return db.session.execute(
        db.select(func.min(Post.published_at))
        .where(Post.status.in_(VISIBLE_STATUSES), Post.published_at > now)
    ).scalar_one_or_none()


def next_change_after(now: datetime) -> datetime | None:
    """The earliest moment after ``now`` when pages change by themselves (a few indexed reads)."""
    moments = [source(now) for source in (_next_scheduled_post, *_time_sources)]
    moments = [m if m.tzinfo else m.replace(tzinfo=now.tzinfo) for m in moments if m is not None]
    return min(moments, default=None)  # SQLite aggregates bypass the column type: hence tzinfo above


NO_VERSION = ""  # a site nothing was ever written to: pages are not stored


def content_stamp(now: datetime | None = None) -> tuple[datetime, str]:
    """``(last_modified, version)`` of everything readers can see.

    One primary-key read while nothing is due. Once the stored next time-based
    change has passed, the first request to notice moves the version (one small
    write, which concurrent workers cannot do twice) and stores the change after it.
    """
    now = now or utcnow()
    row = _read_version()
    if row is None:
        return datetime(2000, 1, 1, tzinfo=now.tzinfo), NO_VERSION
    if row.next_change_at is not None and row.next_change_at <= now:
        db.session.execute(
            update(SiteSettings)
            .where(SiteSettings.id == SETTINGS_ID, SiteSettings.next_change_at == row.next_change_at)
            .values(content_version=new_content_version(),
                    content_changed_at=max(row.content_changed_at, row.next_change_at),
                    next_change_at=next_change_after(now))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        row = _read_version()
    return row.content_changed_at, row.content_version


_VERSION_QUERY = db.select(SiteSettings.content_version, SiteSettings.content_changed_at,
                           SiteSettings.next_change_at).where(SiteSettings.id == SETTINGS_ID)


def _read_version():
    """The committed version, read on a pooled connection of its own: this runs on every public
    request, and skipping the ORM session's set-up and tear-down is a good part of a cache hit."""
    with db.engine.connect() as connection:
        return connection.execute(_VERSION_QUERY).one_or_none()


class CommittedStamp:
    """``content_stamp`` for code that runs before Flask (``blog.core.fastpath``): called, it returns
    ``(last_modified, version)`` as committed, or None when only ``content_stamp`` can answer (on a
    fresh site, or once a time-based change is due: it moves the version then).

    The read goes through a raw DB-API cursor, a third of the cost of a Core query on the path
    every reader's request takes; the values still go through the columns' own types.
    """

    def __init__(self, engine):
        self.engine = engine
        dialect = engine.dialect
        self.sql = str(_VERSION_QUERY.compile(engine, compile_kwargs={"literal_binds": True}))
        self.converters = [column.type.dialect_impl(dialect).result_processor(dialect, None) or (lambda v: v)
                           for column in _VERSION_QUERY.selected_columns]

    def __call__(self) -> tuple[datetime, str] | None:
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(self.sql)
            row = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        if row is None:
            return None
        version, changed_at, next_change_at = (convert(value) for convert, value in zip(self.converters, row))
        if next_change_at is not None and next_change_at <= utcnow():
            return None
        return changed_at, version


@event.listens_for(Session, "before_flush")
def _note_public_change(session: Session, flush_context, instances) -> None:
    """Remember whether this transaction changes anything readers may see.

    Models set ``affects_public_pages = False`` to opt out (outbox rows,
    revisions, invitations...): forgetting it costs a cache miss, never a stale page.
    """
    if any(getattr(obj, "affects_public_pages", True)
           for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["public_change"] = True


@event.listens_for(Session, "before_commit")
def _move_content_version(session: Session) -> None:
    """Move the content version in the same transaction as the write, as its last statement, and
    work out (now that the write is visible to queries) the next moment pages will change by
    themselves.

    Last, because every public write updates this one row: a transaction that locked it early and
    then waited for another row (a photo, a post) could deadlock with one holding that row and
    waiting for this one. Taken just before the commit, the lock is never held while waiting.
    """
    if session.in_nested_transaction():
        return  # the outermost commit moves it
    session.flush()
    if not session.info.pop("public_change", False):
        return
    now = utcnow()
    values = {"content_version": new_content_version(), "content_changed_at": now,
              "next_change_at": next_change_after(now)}
    result = session.execute(update(SiteSettings).where(SiteSettings.id == SETTINGS_ID).values(**values)
                             .execution_options(synchronize_session=False))
    if result.rowcount == 0:  # the first write on a fresh site
        session.execute(insert(SiteSettings).values(id=SETTINGS_ID, **values))


@event.listens_for(Session, "after_rollback")
def _forget_public_change(session: Session) -> None:
    session.info.pop("public_change", None)


# --- demo marks --------------------------------------------------------------------------------

def mark_as_demo(*objects) -> None:
    """Record rows as demo content (idempotent). Call from ``flask demo`` for what it creates or finds."""
    db.session.flush()  # every object has its id
    for obj in objects:
        key = (obj.__tablename__, obj.id)
        if db.session.get(DemoObject, key) is None:
            db.session.add(DemoObject(kind=key[0], object_id=key[1]))
    db.session.flush()


def demo_ids(model) -> list[int]:
    """Ids of ``model``'s rows marked as demo content."""
    return list(db.session.execute(
        db.select(DemoObject.object_id).where(DemoObject.kind == model.__tablename__)
        .order_by(DemoObject.object_id)).scalars())


def has_demo_content() -> bool:
    return db.session.execute(db.select(DemoObject.kind).limit(1)).first() is not None


def forget_demo_marks() -> None:
    db.session.execute(db.delete(DemoObject))
