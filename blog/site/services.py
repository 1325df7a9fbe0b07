"""Site settings and the content stamp that public-page caching is built on."""
from __future__ import annotations

from datetime import datetime

from flask import g
from sqlalchemy import event, func, update
from sqlalchemy.orm import Session

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core.markdown import render_markdown
from blog.core.time import is_valid_zone, utcnow
from blog.core.usage import Usage, shows
from blog.errors import ValidationFailed
from blog.extensions import db
from blog.posts.models import VISIBLE_STATUSES, Post
from blog.site.models import SETTINGS_ID, SiteSettings


def get_settings() -> SiteSettings:
    """The settings row, read once per request; defaults (unsaved) before it exists."""
    if "site_settings" not in g:
        g.site_settings = db.session.get(SiteSettings, SETTINGS_ID) or SiteSettings(
            id=SETTINGS_ID, site_name="Research Group Blog", tagline="", description="",
            about_markdown="", about_html="", timezone="Europe/London", language="en",
            logo_path="", footer_text="", content_changed_at=utcnow(), updated_at=utcnow(),
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
                    footer_text: str, about_markdown: str, language: str = "en") -> SiteSettings:
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
    settings.updated_at = utcnow()
    settings.content_changed_at = utcnow()
    return settings


def set_logo_path(path: str, *, by: User) -> None:
    require_role(by, Role.ADMIN, "change the logo")
    settings = ensure_settings()
    settings.logo_path = path
    settings.content_changed_at = utcnow()


# Features whose public content changes with time alone (an event ending) add that moment here.
_time_stamps: list = []


def register_time_stamp(latest_moment) -> None:
    """``latest_moment(now)`` returns the latest moment <= now at which readers' pages changed, or None."""
    _time_stamps.append(latest_moment)


def content_stamp(now: datetime | None = None) -> tuple[datetime, str]:
    """``(last_modified, version)`` of everything readers can see.

    Two indexed reads: the stamp moved by every write, and the newest post
    whose publication time has passed (so a scheduled post going live changes
    it without any write at all).
    """
    now = now or utcnow()
    changed = db.session.execute(
        db.select(SiteSettings.content_changed_at).where(SiteSettings.id == SETTINGS_ID)
    ).scalar_one_or_none() or datetime(2000, 1, 1, tzinfo=now.tzinfo)
    newest = db.session.execute(
        db.select(func.max(Post.published_at)).where(
            Post.status.in_(VISIBLE_STATUSES), Post.published_at <= now
        )
    ).scalar_one_or_none()
    if newest is not None and newest.tzinfo is None:  # SQLite aggregates bypass the column type
        newest = newest.replace(tzinfo=now.tzinfo)
    last_modified = max(changed, newest) if newest else changed
    version = f"{changed.timestamp()}:{newest.timestamp() if newest else 0}"
    for latest_moment in _time_stamps:
        moment = latest_moment(now)
        if moment is not None:
            last_modified = max(last_modified, moment)
        version += f":{moment.timestamp() if moment else 0}"
    return last_modified, version


@event.listens_for(Session, "before_flush")
def _touch_content_stamp(session: Session, flush_context, instances) -> None:
    """Move the content stamp when a flush changes anything readers may see.

    Models set ``affects_public_pages = False`` to opt out (outbox rows,
    revisions, invitations...): forgetting it costs a cache miss, never a stale page.
    """
    changed = any(
        getattr(obj, "affects_public_pages", True)
        for obj in (*session.new, *session.dirty, *session.deleted)
    )
    if changed:
        result = session.execute(
            update(SiteSettings).where(SiteSettings.id == SETTINGS_ID).values(content_changed_at=utcnow())
        )
        if result.rowcount == 0 and session.get(SiteSettings, SETTINGS_ID) is None:
            session.add(SiteSettings(id=SETTINGS_ID))  # first write on a fresh site
