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
from blog.errors import DomainError, NotAllowed, ValidationFailed
from blog.extensions import db
from blog.media import services as media
from blog.media.models import Photo
from blog.posts import services as posts
from blog.posts.models import VISIBLE_STATUSES, Post, PostKind, Tag
from blog.site import services as site
from blog.site.models import MenuItem
from blog.site.services import get_settings
from blog.transfer.models import OldPath, WordPressItem
from blog.transfer.wordpress import WpItem, WxrExport, _int, parse_wxr
from blog.transfer.wordpress_content import ContentConverter

IMPORTED_TYPES = {"post": PostKind.POST, "page": PostKind.PAGE}
SKIPPED_STATUSES = {"trash": "in WordPress's trash", "auto-draft": "an unsaved auto-draft",
                    "inherit": "a revision"}
NO_COMMENTS = "comments are not imported: this blog has no comments"
# Custom fields the importer reads (the rest of WordPress's own, ``_``-prefixed, fields are its
# bookkeeping); public custom fields (no ``_``) it does not know are listed in the report.
UNDERSTOOD_FIELDS = ("_thumbnail_id", "_wp_attachment_image_alt", "_yoast_wpseo_metadesc", "rank_math_description",
                     "footnotes")
SEO_DESCRIPTIONS = ("_yoast_wpseo_metadesc", "rank_math_description")  # the excerpt, when the post has none
_MENU_NAMES = re.compile(r"\b(primary|main|header|top|navigation)\b", re.I)
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
    menu_items: int = 0
    already_imported: int = 0
    skipped: list[str] = field(default_factory=list)  # "Title (WordPress id 12): reason"
    kept_as_html: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # imported, but not quite as it was
    menu: list[str] = field(default_factory=list)  # what became of the WordPress menus

    def counts(self) -> dict[str, int]:
        return {"posts": self.posts, "pages": self.pages, "photos": self.photos, "quotes": self.quotes,
                "pull quotes": self.pull_quotes, "tags": self.tags, "people": self.people,
                "menu items": self.menu_items, "skipped": len(self.skipped),
                "already imported": self.already_imported}

    def sections(self) -> list[tuple[str, str, list[str]]]:
        """The report's lists: (title, what they mean, lines), those with lines only."""
        return [(title, meaning, lines) for title, meaning, lines in (
            ("Skipped", "Not imported, each with the reason.", self.skipped),
            ("Kept as HTML or text", "These parts have no Markdown form here; they stay in the posts as "
             "sanitised HTML, a link or text. Check them in the editor.", self.kept_as_html),
            ("Changed on the way", "Imported, but not exactly as they were in WordPress.", self.changed),
            ("Menu", "The site has one menu, without sub-menus.", self.menu),
        ) if lines]


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
        self.used: set[int] = set()  # attachments an imported post shows (found or not)
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
        self.used.add(attachment_id)
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
                self.report.skipped.append(f"{label}: a {item.post_type}, which this site has no place for"
                                           + self._comments_note(item))
            return
        if item.status in SKIPPED_STATUSES:
            self.report.skipped.append(f"{label}: {SKIPPED_STATUSES[item.status]}" + self._comments_note(item))
            return
        if self._done(item.wp_id) is not None:
            self.report.already_imported += 1
            return
        self.current = item
        conversion = self.converter.convert(item.content, wp_id=item.wp_id, footnotes=item.meta.get("footnotes", ""))
        self.report.kept_as_html.extend(f"{label}: {line}" for line in conversion.kept)
        self.report.pull_quotes += conversion.pull_quotes
        authors = [self.person(item.author_login).id]
        slug = item.slug or None
        if kind == PostKind.PAGE and slug and posts.make_slug(slug) in posts.reserved_page_slugs():
            slug = None  # a part of this site has that address: the page gets a free one below
        placeholder = self._placeholder_at(slug) if kind == PostKind.PAGE and slug else None
        excerpt = item.excerpt or next((item.meta[k].strip() for k in SEO_DESCRIPTIONS if item.meta.get(k, "").strip()),
                                       "")
        post = posts.create_post(posts.PostInput(
            title=item.title or "Untitled", body_markdown=conversion.markdown, slug=slug,
            custom_excerpt=excerpt, tag_names=item.categories + item.tags if kind == PostKind.POST else [],
            author_ids=authors, kind=kind.value), by=self.by)
        if item.date_gmt:
            post.created_at = item.date_gmt
        if placeholder is not None:
            self._replace_placeholder(placeholder, post, label)
        thumbnail = item.meta.get("_thumbnail_id", "")
        if thumbnail.isdigit() and (key := self.photo("", int(thumbnail), "", "")):
            media.set_feature_photo(post, key, by=self.by)
        if item.status in ("publish", "future") and item.date_gmt and not item.password:
            posts.publish_post(post, by=self.by, at=item.date_gmt)
        db.session.add(WordPressItem(source=self.source, wp_id=item.wp_id, post_type=item.post_type,
                                     post_id=post.id))
        for path in self.old_paths(item, kind):
            if db.session.get(OldPath, path) is None:
                db.session.add(OldPath(path=path, post_id=post.id))
        db.session.flush()
        self.current = None
        self._note_changes(item, post, label)
        if item.comments or item.unapproved_comments:
            self.report.skipped.append(f"{label}: {self._comments(item)} — {NO_COMMENTS}")
        if kind == PostKind.POST:
            self.report.posts += 1
        else:
            self.report.pages += 1

    def _placeholder_at(self, slug: str) -> Post | None:
        """The untouched About page ``flask init`` made, if it holds ``slug``: moved aside so the
        imported page gets the address (it is removed once the imported page exists)."""
        found = db.session.execute(db.select(Post).where(Post.slug == posts.make_slug(slug))).scalar_one_or_none()
        if found is None or not site.is_untouched_placeholder(found):
            return None
        found.slug = f"{found.slug}-placeholder-{found.id}"
        db.session.flush()
        return found

    def _replace_placeholder(self, placeholder: Post, page: Post, label: str) -> None:
        for entry in db.session.execute(db.select(MenuItem).where(MenuItem.post_id == placeholder.id)).scalars():
            entry.post_id = page.id  # the menu's About now leads to the imported page
        db.session.flush()
        db.session.delete(placeholder)
        db.session.flush()
        self.report.changed.append(f"{label}: took the address /{page.slug} from the placeholder About page that "
                                   "`flask init` made (never edited), which was removed")

    @staticmethod
    def _comments(item: WpItem) -> str:
        words = [f"{item.comments} comment{'s' * (item.comments != 1)}"] if item.comments else []
        if item.unapproved_comments:
            words.append(f"{item.unapproved_comments} unapproved or spam comment"
                         f"{'s' * (item.unapproved_comments != 1)}")
        return " and ".join(words)

    def _comments_note(self, item: WpItem) -> str:
        return f" (with {self._comments(item)})" if item.comments or item.unapproved_comments else ""

    def _note_changes(self, item: WpItem, post: Post, label: str) -> None:
        """What the report says changed on the way: a private post is a draft here, a slug taken
        here gives another, and custom fields this site has no place for are named."""
        if item.password and item.status in ("publish", "future"):
            self.report.changed.append(f"{label}: password-protected in WordPress, imported as a draft (this site "
                                       "has no passwords on posts: publish it if everyone may read it)")
        elif item.status == "private":
            self.report.changed.append(f"{label}: private in WordPress, imported as a draft (only editors see it)")
        elif item.status == "pending":
            self.report.changed.append(f"{label}: pending review in WordPress, imported as a draft")
        if item.slug and post.slug != posts.make_slug(item.slug):
            self.report.changed.append(f"{label}: its address “{item.slug}” is taken on this site, so it is “{post.slug}”")
        unknown = sorted(k for k in item.meta if not k.startswith("_") and k not in UNDERSTOOD_FIELDS)
        if unknown:
            self.report.skipped.append(f"{label}: the custom field{'s' * (len(unknown) != 1)} "
                                       f"{', '.join(unknown)}, which this site has no place for")

    def unused_attachments(self) -> None:
        """Files of the media library that no imported post shows are not imported: say how many."""
        unused = [i for i in self.attachments.values() if i.wp_id not in self.used and self._done(i.wp_id) is None]
        if unused:
            self.report.skipped.append(
                f"{len(unused)} file{'s' * (len(unused) != 1)} of WordPress's media library that no imported post or "
                f"page shows ({', '.join(i.attachment_url.rsplit('/', 1)[-1] or str(i.wp_id) for i in unused[:5])}"
                f"{', …' if len(unused) > 5 else ''}): photos are imported where they are used")

    # --- the navigation menu ----------------------------------------------------------------

    def menu(self) -> None:
        """The primary WordPress menu becomes the site's menu, if the site's is still the default one.

        The primary menu is the only one, else the first whose name says so (Primary, Main, Header,
        Top, Navigation), else the first. Theme locations are not in WXR, so the name is all there is.
        """
        menus = self.export.menus
        if not menus:
            return
        chosen = next((m for m in menus if _MENU_NAMES.search(m.name) or _MENU_NAMES.search(m.slug)), menus[0])
        items = self._menu_items(chosen)
        others = []
        for other in menus:
            if other is not chosen:
                count = len(self._menu_items(other))
                others.append(f"The WordPress menu “{other.name}” ({count} item{'s' * (count != 1)}) was not "
                              f"imported: this site has one menu, and “{chosen.name}” is the main one")
        self.report.menu.extend(self._import_menu(chosen, items) + others)

    def _import_menu(self, chosen, items: list[WpItem]) -> list[str]:
        if not items:
            return []
        if any(self._done(i.wp_id) is not None for i in items):
            return [f"The WordPress menu “{chosen.name}” was imported before: the menu is unchanged"]
        if not site.is_default_menu():
            labels = ", ".join(f"“{self._menu_label(i)}”" for i in items)
            return [f"The site's menu was kept (it has been edited here): the WordPress menu “{chosen.name}” "
                    f"was not imported. Its items: {labels}"]
        site.clear_menu(by=self.by)
        lines = []
        depth = {}
        for entry in items:
            parent_id = _int(entry.meta.get("_menu_item_menu_item_parent", ""))
            depth[entry.wp_id] = depth.get(parent_id, -1) + 1
            title = self._menu_label(entry)
            try:
                self._add_menu_item(entry, title)
            except ValidationFailed as error:
                lines.append(f"The menu item “{title}” was left out: {error.message}")
            else:
                self.report.menu_items += 1
                if depth[entry.wp_id]:
                    parent = next(i for i in items if i.wp_id == parent_id)
                    lines.append(f"The menu item “{title}” was under “{self._menu_label(parent)}”: the site's menu "
                                 "has no sub-menus, so it follows it in the one list")
            db.session.add(WordPressItem(source=self.source, wp_id=entry.wp_id, post_type="nav_menu_item"))
        db.session.flush()
        count = self.report.menu_items
        return [f"The WordPress menu “{chosen.name}” became the site's menu ({count} item{'s' * (count != 1)})",
                *lines]

    def _menu_items(self, menu) -> list[WpItem]:
        """The menu's items in the order WordPress shows them: each followed by its sub-items."""
        items = [i for i in self.export.items if i.post_type == "nav_menu_item" and menu.slug in i.menus]
        ids = {i.wp_id for i in items}
        children: dict[int, list[WpItem]] = {}
        for item in items:
            parent = _int(item.meta.get("_menu_item_menu_item_parent", ""))
            children.setdefault(parent if parent in ids else 0, []).append(item)
        ordered: list[WpItem] = []

        def walk(parent: int) -> None:
            for child in sorted(children.get(parent, []), key=lambda i: (i.menu_order, i.wp_id)):
                if child not in ordered:
                    ordered.append(child)
                    walk(child.wp_id)
        walk(0)
        return ordered

    def _target(self, entry: WpItem):
        """What a menu item links to: ("post", Post), ("tag", name), ("posts", None), ("link", url), or
        (None, reason)."""
        kind, obj, object_id = (entry.meta.get(k, "").strip() for k in
                                ("_menu_item_type", "_menu_item_object", "_menu_item_object_id"))
        if kind == "post_type":
            done = self._done(_int(object_id))
            post = db.session.get(Post, done.post_id) if done is not None and done.post_id else None
            if post is None:
                return None, f"the {obj or 'item'} it links to (WordPress id {object_id}) was not imported"
            return "post", post
        if kind == "taxonomy":
            term = self.export.term(_int(object_id), obj)
            if obj not in ("category", "post_tag") or term is None:
                return None, f"it links to a {obj or 'taxonomy'} this export does not carry"
            return "tag", term.name
        if kind == "post_type_archive":
            return ("posts", None) if obj == "post" else (None, f"it lists {obj}s, which this site has no place for")
        if kind == "custom":
            return self._custom_target(entry.meta.get("_menu_item_url", "").strip())
        return None, f"a menu item of the kind “{kind or 'unknown'}”"

    def _custom_target(self, url: str):
        """A custom link: one to the old site leads to what it became here; others stay links."""
        if not url or url.startswith("#"):
            return None, "it links nowhere (a heading for sub-items in WordPress)"
        parts, old = urlsplit(url), urlsplit(self.source)
        if parts.scheme and parts.scheme not in ("http", "https"):
            return None, f"the menu takes only web addresses, not {parts.scheme}: links"
        if not parts.netloc or parts.netloc.lower() == old.netloc.lower():
            path = parts.path
            base = old.path.rstrip("/")
            if base and path.startswith(base):
                path = path[len(base):]
            if normalise_path(path) in ("", "/") and not parts.query:
                return "posts", None
            query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
            keys = [normalise_path(path)] + [f"/?{n}={query[n]}" for n in ("p", "page_id") if n in query]
            for key in keys:
                found = db.session.get(OldPath, key)
                if found is not None:
                    return "post", db.session.get(Post, found.post_id)
            if not parts.netloc:
                return None, f"the address {url} is not one of the imported posts or pages"
        return "link", url

    def _menu_label(self, entry: WpItem) -> str:
        if entry.title.strip():
            return entry.title.strip()
        kind, target = self._target(entry)
        if kind == "post":
            return target.title
        if kind == "tag":
            return target
        return entry.meta.get("_menu_item_url", "").strip() or f"WordPress menu item {entry.wp_id}"

    def _add_menu_item(self, entry: WpItem, title: str):
        kind, target = self._target(entry)
        if kind is None:
            raise ValidationFailed(target)
        label = title[:site.MAX_LABEL_LENGTH]
        if kind == "post":
            page = target.kind == PostKind.PAGE.value
            return site.add_menu_item(by=self.by, kind="page" if page else "post", label=label,
                                      page_id=target.id if page else None, post_id=None if page else target.id)
        if kind == "tag":
            [tag] = posts.tags_from_names([target], by=self.by)
            return site.add_menu_item(by=self.by, kind="tag", label=label, tag_id=tag.id)
        if kind == "posts":
            return site.add_menu_item(by=self.by, kind="posts", label=label)
        return site.add_menu_item(by=self.by, kind="link", label=label, url=target)

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
        importer.menu()
        importer.unused_attachments()
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
