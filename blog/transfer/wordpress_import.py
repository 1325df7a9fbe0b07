"""Importing a WordPress export: posts and pages with their authors, tags, photos and old
addresses, in the caller's transaction (it flushes; the CLI or view commits once, or rolls
back everything on an error).

Each imported post, page and attachment is recorded in ``wordpress_items`` under the site's
address, so importing the same export again skips everything it already brought in.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import func

from blog.accounts.models import Role, User
from blog.accounts.services import create_byline_person
from blog.core.time import utcnow
from blog.embeds.models import SocialPost
from blog.embeds.parsing import parse_post_url
from blog.errors import DomainError, NotAllowed
from blog.extensions import db
from blog.media import services as media
from blog.media.models import Photo
from blog.posts import services as posts
from blog.posts.models import VISIBLE_STATUSES, Post, PostKind, Tag
from blog.site.services import get_settings
from blog.transfer.models import OldPath, WordPressItem
from blog.transfer.wordpress import WpItem, WxrExport, parse_wxr
from blog.transfer.wordpress_content import ContentConverter

IMPORTED_TYPES = {"post": PostKind.POST, "page": PostKind.PAGE}
SKIPPED_STATUSES = {"trash": "in WordPress's trash", "auto-draft": "an unsaved auto-draft",
                    "inherit": "a revision"}
_SIZED_NAME = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")
_UPLOADS = "wp-content/uploads/"
Track = Callable[[Iterable, str], Iterable]


@dataclass
class ImportReport:
    posts: int = 0
    pages: int = 0
    photos: int = 0
    quotes: int = 0  # social-post snapshots
    pull_quotes: int = 0
    tags: int = 0
    people: int = 0
    already_imported: int = 0
    skipped: list[str] = field(default_factory=list)  # "Title (WordPress id 12): reason"
    kept_as_html: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"posts": self.posts, "pages": self.pages, "photos": self.photos, "quotes": self.quotes,
                "pull quotes": self.pull_quotes, "tags": self.tags, "people": self.people,
                "skipped": len(self.skipped), "already imported": self.already_imported}


def _count(model) -> int:
    return db.session.execute(db.select(func.count()).select_from(model)).scalar()


class _Importer:
    def __init__(self, export: WxrExport, *, by: User, media_dir: Path | None, report: ImportReport):
        self.export = export
        self.by = by
        self.media_dir = media_dir.resolve() if media_dir else None
        self.report = report
        self.source = export.site_url
        self.attachments = {i.wp_id: i for i in export.items if i.post_type == "attachment"}
        self.people: dict[str, User] = {}
        self.photos: dict[int, str] = {}  # attachment id → photo key, this run
        self.written: dict[str, list[str]] = {}  # content hash → variant files of photos stored this run
        self.current: WpItem | None = None
        self.converter = ContentConverter(photo=self.photo, tweet=self.tweet, by=by,
                                          attachments_of=lambda parent: [
                                              i.wp_id for i in self.attachments.values() if i.parent_id == parent])

    def _done(self, wp_id: int) -> WordPressItem | None:
        return db.session.execute(db.select(WordPressItem).where(
            WordPressItem.source == self.source, WordPressItem.wp_id == wp_id)).scalar_one_or_none()

    # --- people ---------------------------------------------------------------------------

    def person(self, login: str) -> User:
        if login not in self.people:
            author = self.export.authors.get(login)
            email = (author.email if author else "").strip().lower()
            name = (author.display_name if author else "") or login or "WordPress author"
            found = db.session.execute(db.select(User).where(func.lower(User.email) == email)).scalar_one_or_none() \
                if email else db.session.execute(db.select(User).where(User.email.is_(None),
                                                                       User.display_name == name)).scalars().first()
            self.people[login] = found or create_byline_person(name, email=email or None)
        return self.people[login]

    # --- photos ---------------------------------------------------------------------------

    def _file(self, url: str) -> bytes | None:
        """The bytes behind an uploads address: from the media folder, else fetched if allowed."""
        path = unquote(urlsplit(url).path)
        relative = path.split(_UPLOADS, 1)[1] if _UPLOADS in path else path.rsplit("/", 1)[-1]
        if self.media_dir is not None:
            for name in dict.fromkeys([relative, _SIZED_NAME.sub("", relative)]):
                for candidate in (self.media_dir / name, self.media_dir / _UPLOADS / name):
                    resolved = candidate.resolve()
                    if resolved.is_relative_to(self.media_dir) and resolved.is_file():
                        return resolved.read_bytes()
        if current_app.config.get("ALLOW_IMPORT_FETCH") and url.startswith(("https://", "http://")):
            from blog.core import fetch  # public HTTPS addresses only, size and time limited
            original = "https://" + _SIZED_NAME.sub("", url).split("://", 1)[1]
            try:
                return fetch.fetch_public(original, max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
                                          timeout=20, accept="image/*")
            except DomainError:
                return None
        return None

    def photo(self, url: str, attachment_id: int, alt_text: str, caption: str) -> str | None:
        """The key of the photo for an attachment (or an image address): stored once per import,
        reused from an earlier import; None (and a line in the report) when its file is missing."""
        if attachment_id in self.photos:
            return self.photos[attachment_id]
        attachment = self.attachments.get(attachment_id)
        if attachment_id and (done := self._done(attachment_id)) is not None and done.photo_id:
            photo = db.session.get(Photo, done.photo_id)
            self.photos[attachment_id] = photo.key
            return photo.key
        url = (attachment.attachment_url if attachment else "") or url
        data = self._file(url) if url else None
        where = f"“{self.current.title}”" if self.current else "an attachment"
        if data is None:
            self.report.skipped.append(f"The image {url or f'attachment {attachment_id}'} in {where}: its file is not "
                                       "in the media folder" + ("" if current_app.config.get("ALLOW_IMPORT_FETCH")
                                                                 else " (nothing is fetched from the web)"))
            return None
        try:
            stored = media.store_photo(data, url.rsplit("/", 1)[-1] or "wordpress-image.jpg", by=self.by)
        except DomainError as error:
            self.report.skipped.append(f"The image {url} in {where}: {error.message}")
            return None
        self.written[stored.content_hash] = stored.file_names
        alt = alt_text or (attachment.meta.get("_wp_attachment_image_alt", "") if attachment else "")
        words = caption or (attachment.excerpt if attachment else "")
        media.update_photo(stored, by=self.by, alt_text=alt.strip()[:500], caption=words.strip())
        if attachment_id:
            db.session.add(WordPressItem(source=self.source, wp_id=attachment_id, post_type="attachment",
                                         photo_id=stored.id))
            self.photos[attachment_id] = stored.key
        return stored.key

    def tweet(self, url: str) -> str:
        """The tweet's embed code WordPress cached with the post (``_oembed_…`` fields), if any."""
        wanted = parse_post_url(url).external_id
        for key, value in (self.current.meta.items() if self.current else ()):
            if key.startswith("_oembed_") and "twitter-tweet" in value and wanted and f"/status/{wanted}" in value:
                return value
        return ""

    # --- posts ----------------------------------------------------------------------------

    def item(self, item: WpItem) -> None:
        kind = IMPORTED_TYPES.get(item.post_type)
        label = f"“{item.title or '(no title)'}” (WordPress id {item.wp_id})"
        if kind is None:
            if item.post_type not in ("attachment", "revision", "nav_menu_item", "custom_css",
                                      "customize_changeset", "wp_global_styles"):
                self.report.skipped.append(f"{label}: a {item.post_type}, which this site has no place for")
            return
        if item.status in SKIPPED_STATUSES:
            self.report.skipped.append(f"{label}: {SKIPPED_STATUSES[item.status]}")
            return
        if self._done(item.wp_id) is not None:
            self.report.already_imported += 1
            return
        self.current = item
        conversion = self.converter.convert(item.content, wp_id=item.wp_id)
        self.report.kept_as_html.extend(f"{label}: {line}" for line in conversion.kept)
        self.report.pull_quotes += conversion.pull_quotes
        authors = [self.person(item.author_login).id]
        post = posts.create_post(posts.PostInput(
            title=item.title or "Untitled", body_markdown=conversion.markdown, slug=item.slug or None,
            custom_excerpt=item.excerpt, tag_names=item.categories + item.tags if kind == PostKind.POST else [],
            author_ids=authors), by=self.by)
        post.kind = kind.value
        if item.date_gmt:
            post.created_at = item.date_gmt
        thumbnail = item.meta.get("_thumbnail_id", "")
        if thumbnail.isdigit() and (key := self.photo("", int(thumbnail), "", "")):
            media.set_feature_photo(post, key, by=self.by)
        if item.status in ("publish", "future") and item.date_gmt:
            posts.publish_post(post, by=self.by, at=item.date_gmt)
        db.session.add(WordPressItem(source=self.source, wp_id=item.wp_id, post_type=item.post_type,
                                     post_id=post.id))
        for path in self.old_paths(item, kind):
            if db.session.get(OldPath, path) is None:
                db.session.add(OldPath(path=path, post_id=post.id))
        db.session.flush()
        self.current = None
        if kind == PostKind.POST:
            self.report.posts += 1
        else:
            self.report.pages += 1

    def old_paths(self, item: WpItem, kind: PostKind) -> list[str]:
        """``/?p=ID`` (``/?page_id=ID`` for pages), the permalink the export gives (relative to the
        site's address), and ``/YYYY/MM/DD/slug`` and ``/slug`` (WordPress's common structures)."""
        paths = [f"/?p={item.wp_id}"] + ([f"/?page_id={item.wp_id}"] if kind == PostKind.PAGE else [])
        base = urlsplit(self.source).path.rstrip("/")
        link = urlsplit(item.link)
        if link.path and not link.query:
            paths.append(link.path.removeprefix(base) if base else link.path)
        if item.slug:
            if kind == PostKind.POST and item.date_gmt:
                paths.append(f"/{item.date_gmt:%Y/%m/%d}/{item.slug}")
            paths.append(f"/{item.slug}")
        return list(dict.fromkeys(normalise_path(p) for p in paths if normalise_path(p) not in ("", "/")))


def normalise_path(path: str) -> str:
    """A path as old addresses are stored: percent-decoded, lower case, without a trailing slash."""
    return unquote(path).lower().rstrip("/")[:500]


def import_wordpress(data: bytes, *, by: User, media_dir: Path | None = None,
                     track: Track = lambda items, label: items) -> ImportReport:
    """Import a WXR export (the bytes of the file) as ``by``, an admin. Flushes, never commits;
    on an error it rolls the session back and removes the photo files it wrote, so nothing is left.

    :raise WxrError: for a file that is refused (nothing is imported).
    :raise NotAllowed: for anyone but an admin.
    """
    if not by.can(Role.ADMIN):
        raise NotAllowed("Only an admin can import a WordPress site.")
    export = parse_wxr(data, timezone=get_settings().timezone)
    report = ImportReport()
    before = {"photos": _count(Photo), "quotes": _count(SocialPost), "tags": _count(Tag), "people": _count(User)}
    importer = _Importer(export, by=by, media_dir=media_dir, report=report)
    try:
        for item in track(export.items, "Importing posts and pages"):
            importer.item(item)
        db.session.flush()
    except BaseException:
        db.session.rollback()
        _remove_unused_files(importer.written)
        raise
    report.photos = _count(Photo) - before["photos"]
    report.quotes = _count(SocialPost) - before["quotes"]
    report.tags = _count(Tag) - before["tags"]
    report.people = _count(User) - before["people"]
    return report


def _remove_unused_files(written: dict[str, list[str]]) -> None:
    """Photo files are content-addressed: keep those a photo still in the database shares."""
    if not written:
        return
    kept = set(db.session.execute(db.select(Photo.content_hash).where(Photo.content_hash.in_(written))).scalars())
    media.delete_files([name for digest, names in written.items() if digest not in kept for name in names])


def redirect_for_old_path(path: str, query: dict) -> str | None:
    """Where an address of the imported site now lives, if it names a public post or page."""
    keys = [normalise_path(path)] if path not in ("", "/") else []
    for name in ("p", "page_id"):
        if path in ("", "/") and str(query.get(name, "")).isdigit():
            keys.append(f"/?{name}={query[name]}")
    for key in keys:
        old = db.session.get(OldPath, key)
        if old is None:
            continue
        post = db.session.get(Post, old.post_id)
        if post.status in VISIBLE_STATUSES and post.published_at and post.published_at <= utcnow():
            return posts.post_url(post)
    return None
