"""Site settings and the content stamp that public-page caching is built on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import g, url_for
from sqlalchemy import event, func, insert, update
from sqlalchemy.orm import Session

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core.time import is_valid_zone, utcnow
from blog.errors import NotFound, ValidationFailed
from blog.extensions import db
from blog.posts import services as posts
from blog.posts.models import VISIBLE_STATUSES, Post, PostKind, Tag
from blog.scholarly import services as scholarly
from blog.site.models import SETTINGS_ID, DemoObject, MenuItem, MenuKind, SiteSettings, new_content_version


def get_settings() -> SiteSettings:
    """The settings row, read once per request; defaults (unsaved) before it exists."""
    if "site_settings" not in g:
        g.site_settings = db.session.get(SiteSettings, SETTINGS_ID) or SiteSettings(
            id=SETTINGS_ID, site_name="Research Group Blog", tagline="", description="",
            timezone="Europe/London", language="en",
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


def update_settings(*, by: User, site_name: str, tagline: str, description: str, timezone: str,
                    footer_text: str, language: str = "en", licence: str | None = None) -> SiteSettings:
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
    if licence is not None:
        settings.licence = scholarly.check_licence(licence) or scholarly.DEFAULT_LICENCE
    settings.updated_at = utcnow()
    return settings


def set_logo_path(path: str, *, by: User) -> None:
    require_role(by, Role.ADMIN, "change the logo")
    settings = ensure_settings()
    settings.logo_path = path


# --- the menu ----------------------------------------------------------------------------------

MAX_LABEL_LENGTH = 80
ABOUT_SLUG = "about"


@dataclass(frozen=True)
class MenuLink:
    label: str
    href: str
    endpoint: str  # the page's endpoint, with ``slug``: marks the current page (aria-current)
    slug: str | None = None

    def is_current(self, endpoint: str | None, view_args: dict | None) -> bool:
        return endpoint == self.endpoint and (self.slug is None or (view_args or {}).get("slug") == self.slug)


def menu_items() -> list[MenuItem]:
    return list(db.session.execute(db.select(MenuItem).order_by(MenuItem.position, MenuItem.id)).scalars())


def menu_links() -> list[MenuLink]:
    """The header's menu (three small reads, when a page is rendered; a stored page costs none); a page
    readers cannot see (a draft) is left out."""
    items = menu_items()
    page_ids = [item.post_id for item in items if item.kind in (MenuKind.PAGE.value, MenuKind.POST.value)]
    now = utcnow()
    pages = {page.id: page for page in db.session.execute(
        db.select(Post).where(Post.id.in_(page_ids), posts.visible_filter(now)))
        .scalars()} if page_ids else {}
    tag_ids = [item.tag_id for item in items if item.kind == MenuKind.TAG.value]
    tags = {tag.id: tag for tag in db.session.execute(db.select(Tag).where(Tag.id.in_(tag_ids))).scalars()} \
        if tag_ids else {}
    links = []
    for item in items:
        if item.kind == MenuKind.POSTS.value:
            links.append(MenuLink(item.label, url_for("posts.home"), "posts.home"))
        elif item.kind == MenuKind.EVENTS.value:
            links.append(MenuLink(item.label, url_for("events.index"), "events.index"))
        elif item.kind in (MenuKind.PAGE.value, MenuKind.POST.value) and item.post_id in pages:
            page = pages[item.post_id]
            links.append(MenuLink(item.label, posts.post_url(page), posts.post_endpoint(page), page.slug))
        elif item.kind == MenuKind.TAG.value and item.tag_id in tags:
            tag = tags[item.tag_id]
            links.append(MenuLink(item.label, url_for("posts.tag", slug=tag.slug), "posts.tag", tag.slug))
        elif item.kind == MenuKind.LINK.value:
            links.append(MenuLink(item.label, item.url, ""))
    return links


def add_menu_item(*, by: User, kind: str, label: str = "", page_id: int | None = None,
                  tag_id: int | None = None, url: str = "", post_id: int | None = None) -> MenuItem:
    """A new last item of the menu; the label defaults to the page's or post's title or the tag's name.

    :raise ValidationFailed: for an unknown kind, page, post or tag, a link that is not http(s), or no label.
    """
    require_role(by, Role.ADMIN, "change the menu")
    try:
        kind = MenuKind(kind)
    except ValueError:
        raise ValidationFailed("Choose what the menu item links to.", field="kind") from None
    item = MenuItem(kind=kind.value, url="")
    default_label = {MenuKind.POSTS: "Posts", MenuKind.EVENTS: "Events"}.get(kind, "")
    if kind == MenuKind.PAGE:
        page = db.session.get(Post, page_id) if page_id else None
        if page is None or page.kind != PostKind.PAGE.value:
            raise ValidationFailed("Choose one of the site's pages.", field="page_id")
        item.post_id, default_label = page.id, page.title
    elif kind == MenuKind.POST:
        post = db.session.get(Post, post_id) if post_id else None
        if post is None or post.kind != PostKind.POST.value:
            raise ValidationFailed("Choose one of the site's posts.", field="post_id")
        item.post_id, default_label = post.id, post.title
    elif kind == MenuKind.TAG:
        tag = db.session.get(Tag, tag_id) if tag_id else None
        if tag is None:
            raise ValidationFailed("Choose one of the site's tags.", field="tag_id")
        item.tag_id, default_label = tag.id, tag.name
    elif kind == MenuKind.LINK:
        url = (url or "").strip()
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise ValidationFailed("An external link needs a full address starting with https://.", field="url")
        item.url = url[:500]
    item.label = (label or "").strip()[:MAX_LABEL_LENGTH] or default_label
    if not item.label:
        raise ValidationFailed("A link needs a label.", field="label")
    last = db.session.execute(db.select(func.max(MenuItem.position))).scalar_one_or_none()
    item.position = (last if last is not None else -1) + 1
    db.session.add(item)
    db.session.flush()
    return item


def menu_item(item_id: int) -> MenuItem:
    item = db.session.get(MenuItem, item_id)
    if item is None:
        raise NotFound("There is no such menu item.")
    return item


def move_menu_item(item: MenuItem, *, by: User, offset: int) -> None:
    """Move ``item`` up (``offset=-1``) or down (``+1``) one place; at either end nothing changes."""
    require_role(by, Role.ADMIN, "change the menu")
    items = menu_items()
    index = items.index(item)
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items):
        each.position = position
    db.session.flush()


def remove_menu_item(item: MenuItem, *, by: User) -> None:
    require_role(by, Role.ADMIN, "change the menu")
    db.session.delete(item)
    db.session.flush()


def ensure_about_page(*, by: User, markdown: str) -> Post:
    """The page at /about, created (published) with ``markdown`` unless a post or page has that slug."""
    found = db.session.execute(db.select(Post).where(Post.slug == ABOUT_SLUG)).scalar_one_or_none()
    if found is not None:
        return found
    page = posts.create_post(posts.PostInput(title="About", body_markdown=markdown, slug=ABOUT_SLUG,
                                             kind=PostKind.PAGE.value), by=by)
    posts.publish_post(page, by=by)
    return page


# The text of the About page ``flask init`` makes (blog.demo.NEW_SITE_ABOUT, kept equal by a test).
PLACEHOLDER_ABOUT = "Who we are and what we study: an editor writes this page under Editor → Pages."


def is_untouched_placeholder(page: Post) -> bool:
    """True for the About page ``flask init`` or migration 0014 made, never edited since.

    Told by its revision history: only the revisions of its making ("create", and "publish"
    for ``flask init``), each with the page's current title and text, the title "About", and
    the text the placeholder's (``flask init``'s, empty, or the site description migration 0014
    copied). Any save by a person adds a "save" revision, so an edited page never qualifies.
    """
    from blog.posts.models import PostRevision

    if page.kind != PostKind.PAGE.value or page.slug != ABOUT_SLUG or page.title != "About":
        return False
    settings = get_settings()
    if page.body_markdown.strip() not in {PLACEHOLDER_ABOUT, "", (settings.description or "").strip()}:
        return False
    revisions = db.session.execute(db.select(PostRevision).where(PostRevision.post_id == page.id)).scalars().all()
    return bool(revisions) and all(r.reason in ("create", "publish") and r.title == page.title
                                   and r.body_markdown == page.body_markdown for r in revisions)


def ensure_default_menu(about: Post | None) -> list[MenuItem]:
    """Posts, Events and About, on a site whose menu is empty (a new site, the demo)."""
    if menu_items():
        return menu_items()
    defaults = [MenuItem(kind=MenuKind.POSTS.value, label="Posts"),
                MenuItem(kind=MenuKind.EVENTS.value, label="Events")]
    if about is not None:
        defaults.append(MenuItem(kind=MenuKind.PAGE.value, label="About", post_id=about.id))
    for position, item in enumerate(defaults):
        item.position = position
        db.session.add(item)
    db.session.flush()
    return defaults


def is_default_menu() -> bool:
    """True while the menu is empty or still the one a new site gets (Posts, Events, About, as
    ``ensure_default_menu`` made them): nobody has edited it, so an import may replace it."""
    shape = [(i.kind, i.label, i.post_id, i.tag_id, i.url) for i in menu_items()]
    if not shape:
        return True
    about = db.session.execute(db.select(Post.id).where(Post.slug == ABOUT_SLUG,
                                                        Post.kind == PostKind.PAGE.value)).scalar_one_or_none()
    default = [(MenuKind.POSTS.value, "Posts", None, None, ""), (MenuKind.EVENTS.value, "Events", None, None, "")]
    return shape == default + ([(MenuKind.PAGE.value, "About", about, None, "")] if about else [])


def clear_menu(*, by: User) -> None:
    """Remove every item of the menu (before an import fills it)."""
    require_role(by, Role.ADMIN, "change the menu")
    db.session.execute(db.delete(MenuItem))
    db.session.flush()


def all_pages() -> list[Post]:
    return list(db.session.execute(db.select(Post).where(Post.kind == PostKind.PAGE.value)
                                   .order_by(Post.title)).scalars())


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
