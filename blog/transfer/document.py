"""The export document: every content table of the site as JSON, and back.

Rows are serialised generically from the tables' mapped columns, so a column a
feature adds later is exported and restored without a change here; only what must
not leave the site is listed (``EXCLUDED_TABLES``, ``EXCLUDED_COLUMNS``, and any
column whose name says it holds a password, token or secret), and a model can mark a
derived column ``info={"export": False}``. A table that no section names, and that
is not excluded, goes into ``extra_tables``: new features' tables are carried too,
never dropped silently.

The document is described by ``docs/export.schema.json`` (JSON Schema 2020-12).
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any

from sqlalchemy import Table

from blog.core.time import UTC
from blog.errors import ValidationFailed
from blog.extensions import db

FORMAT = "research-group-blog-export"
# 1: before pages (site settings held the About text, ``about_markdown``/``about_html``; no menu).
# 2: About is the page /about and the menu is the table ``menu_items`` (migration 0014).
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # older documents are upgraded in memory before they are checked


@dataclass(frozen=True)
class Child:
    """Rows of ``table`` nested in their parent's entry under ``name``; ``parent_column`` is left
    out of them (it is the parent's id)."""

    name: str
    table: str
    parent_column: str


@dataclass(frozen=True)
class Section:
    name: str
    table: str
    children: tuple[Child, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section("site_settings", "site_settings"),
    Section("newsletter_settings", "newsletter_settings"),
    Section("people", "users"),
    Section("tags", "tags"),
    Section("photos", "photos"),
    Section("posts", "posts", (
        Child("authors", "post_authors", "post_id"),
        Child("tags", "post_tags", "post_id"),
        Child("revisions", "post_revisions", "post_id"),
    )),
    Section("redirects", "slug_redirects"),
    Section("events", "events", (
        Child("people", "event_people", "event_id"),
        Child("tags", "event_tags", "event_id"),
        Child("changes", "event_changes", "event_id"),
        Child("writeups", "event_writeups", "event_id"),
    )),
    Section("social_posts", "social_posts", (
        Child("attachments", "social_post_attachments", "social_post_id"),
        Child("revisions", "social_post_revisions", "social_post_id"),
    )),
    Section("subscribers", "subscribers", (
        Child("consent_events", "consent_events", "subscriber_id"),
    )),
    Section("demo_marks", "demo_objects"),
)

# Tables that are not content, with the reason they stay behind.
EXCLUDED_TABLES: dict[str, str] = {
    "invitations": "one-use sign-up links",
    "working_copies": "unsaved autosaves of open editors",
    "mailings": "the newsletter's sent mail (its content is the posts and events)",
    "mailing_drafts": "mail waiting for review",
    "deliveries": "the mail outbox",
    "send_counters": "rate-limit counters",
    "suppressed_addresses": "hashes keyed with this site's secret key, useless elsewhere",
    "api_tokens": "personal API tokens: credentials, made again by their owners on the new site",
    "search_documents": "the search index, made again from the content on restore",
}
# Columns that are secrets or this installation's state rather than content.
EXCLUDED_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"password_hash", "session_version"}),
    "site_settings": frozenset({"content_version", "content_changed_at", "next_change_at"}),
}
SECRET_WORDS = ("password", "token", "secret")
# Values computed for readers of the document, ignored on restore.
DERIVED_KEYS: dict[str, frozenset[str]] = {
    "users": frozenset({"has_account"}),
    "photos": frozenset({"files"}),
}
# Singleton rows a freshly migrated site may already have: replaced on restore, not "content".
SETTINGS_TABLES = ("site_settings", "newsletter_settings")


class DocumentError(ValidationFailed):
    """The export cannot be restored here; the message says why, for a person."""


def is_excluded_table(name: str) -> bool:
    return name in EXCLUDED_TABLES or any(word in name for word in ("token", "session", "secret"))


def exported_columns(table: Table) -> list:
    """The columns that travel: not excluded here, not secret by name, not computed by the database,
    and not marked ``info={"export": False}`` by their model (a derived column, a search index)."""
    excluded = EXCLUDED_COLUMNS.get(table.name, frozenset())
    return [c for c in table.columns
            if c.name not in excluded and not any(word in c.name for word in SECRET_WORDS)
            and c.computed is None and c.info.get("export", True)]


def _tables() -> dict[str, Table]:
    return dict(db.metadata.tables)


def section_tables() -> set[str]:
    return {s.table for s in SECTIONS} | {c.table for s in SECTIONS for c in s.children}


def extra_table_names() -> list[str]:
    """Tables no section names and none excluded: carried as they are (new features' tables)."""
    named = section_tables()
    return sorted(name for name in _tables() if name not in named and not is_excluded_table(name))


# --- values ------------------------------------------------------------------------------------

def encode(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool, dict, list)):
        return value
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _python_type(column):
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator's underlying type
    try:
        return kind.python_type
    except NotImplementedError:
        return object


def decode(column, value: Any) -> Any:
    if value is None:
        return None
    kind = _python_type(column)
    try:
        if kind is datetime:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        if kind is date:
            return date.fromisoformat(value)
    except (AttributeError, ValueError):
        raise DocumentError(f"{column.table.name}.{column.name}: {value!r} is not a date") from None
    return value


# --- reading the database ------------------------------------------------------------------------

def _rows(table: Table) -> list[dict]:
    columns = exported_columns(table)
    order = list(table.primary_key.columns) or columns
    result = db.session.execute(db.select(*columns).order_by(*order)).mappings()
    return [{c.name: encode(row[c.name]) for c in columns} for row in result]


def _with_derived(table: str, rows: list[dict]) -> list[dict]:
    if table == "users":
        holders = set(db.session.execute(
            db.select(_tables()["users"].c.id).where(_tables()["users"].c.password_hash.is_not(None))).scalars())
        for row in rows:
            row["has_account"] = row["id"] in holders
    elif table == "photos":
        for row in rows:
            row["files"] = sorted({f"media/photos/{v['name']}" for v in (row.get("variants") or {}).values()})
    return rows


def build_document(*, exported_at: datetime, site_url: str, track=lambda items, label: items) -> dict:
    """The whole site as one JSON-ready mapping; ``track(items, label)`` may show progress."""
    tables = _tables()
    document: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "exported_at": encode(exported_at), "site_url": site_url,
    }
    for section in track(SECTIONS, "Content"):
        parents = _with_derived(section.table, _rows(tables[section.table]))
        by_id = {row["id"]: row for row in parents} if section.children else {}
        for child in section.children:
            for row in by_id.values():
                row[child.name] = []
            for row in _rows(tables[child.table]):
                by_id[row.pop(child.parent_column)][child.name].append(row)
        document[section.name] = parents
    document["extra_tables"] = {name: _rows(tables[name]) for name in extra_table_names()}
    return document


# --- back to rows ----------------------------------------------------------------------------------

def _check_row(table: Table, row: dict) -> dict:
    """The row with values decoded for ``table``; a key the table does not have is refused
    rather than dropped (an export from a newer version of the software)."""
    derived = DERIVED_KEYS.get(table.name, frozenset())
    unknown = sorted(set(row) - set(table.columns.keys()) - derived)
    if unknown:
        raise DocumentError(f"The export has data this site cannot hold ({table.name}: {', '.join(unknown)}); "
                            "restore it with the version of the software that made it, or a newer one.")
    return {name: decode(table.columns[name], value) for name, value in row.items() if name not in derived}


def table_rows(document: dict) -> dict[str, list[dict]]:
    """The document as rows per table name, ready to insert (accounts get an unusable password)."""
    tables = _tables()
    rows: dict[str, list[dict]] = {}
    for section in SECTIONS:
        child_names = {c.name for c in section.children}
        for entry in document.get(section.name, []):
            parent = {k: v for k, v in entry.items() if k not in child_names}
            if section.table == "users":
                # No password leaves a site: holders of an account set one with a reset link.
                parent["password_hash"] = (f"!restored:{secrets.token_hex(8)}"
                                           if entry.get("has_account") else None)
            rows.setdefault(section.table, []).append(_check_row(tables[section.table], parent))
            for child in section.children:
                for item in entry.get(child.name, []):
                    rows.setdefault(child.table, []).append(
                        _check_row(tables[child.table], {**item, child.parent_column: entry["id"]}))
    for name, items in document.get("extra_tables", {}).items():
        if name not in tables or is_excluded_table(name) or name in section_tables():
            raise DocumentError(f"The export has a table this site does not know ({name!r}); "
                                "restore it with the version of the software that made it, or a newer one.")
        rows[name] = [_check_row(tables[name], item) for item in items]
    return rows


def photo_file_names(document: dict) -> set[str]:
    return {v["name"] for photo in document.get("photos", []) for v in (photo.get("variants") or {}).values()}


# --- older documents ---------------------------------------------------------------------------------

ABOUT_SLUG = "about"


def upgrade_document(document: dict) -> list[str]:
    """Bring a document of an older ``format_version`` up to ``FORMAT_VERSION``, in place, as the
    database migrations did for the sites themselves; returns what changed, for the person restoring.

    Version 1 → 2 (migration 0014): the About text of site settings becomes a published page with the
    slug "about" (unless a post or page already has it; an empty text takes the site description, as
    the old /about page showed it), and a document without a menu gets the default one (Posts, Events,
    About). A version 1 document written after pages existed has neither key and only gets its number.
    """
    notes: list[str] = []
    if document.get("format_version") == 1:
        notes += _upgrade_1_to_2(document)
        document["format_version"] = 2
    return notes


def _next_id(rows) -> int:
    return max((row["id"] for row in rows if isinstance(row, dict) and isinstance(row.get("id"), int)), default=0) + 1


def _upgrade_1_to_2(document: dict) -> list[str]:
    settings_rows = [row for row in document.get("site_settings") or [] if isinstance(row, dict)]
    about_keys = [{key: row.pop(key) for key in ("about_markdown", "about_html") if key in row} for row in settings_rows]
    if not settings_rows or not about_keys[0]:
        return []  # written after pages existed: nothing to move
    settings, about = settings_rows[0], about_keys[0]
    notes = []
    posts = document.setdefault("posts", [])
    page = next((p for p in posts if isinstance(p, dict) and p.get("slug") == ABOUT_SLUG), None)
    if page is None:
        markdown, html = about.get("about_markdown") or "", about.get("about_html") or ""
        if not markdown.strip():  # the old /about showed the description then
            markdown = settings.get("description") or ""
            html = f"<p>{escape(markdown)}</p>" if markdown else ""
        admins = sorted(p["id"] for p in document.get("people") or []
                        if isinstance(p, dict) and p.get("role") == "admin" and isinstance(p.get("id"), int))
        admin = admins[0] if admins else None
        when = document.get("exported_at")
        revisions = [r for p in posts if isinstance(p, dict) for r in p.get("revisions") or []]
        page = {
            "id": _next_id(posts), "uid": str(uuid.uuid4()), "kind": "page", "title": "About", "slug": ABOUT_SLUG,
            "body_markdown": markdown, "body_html": html, "custom_excerpt": "", "excerpt": "",
            "status": "published", "published_at": when, "created_at": when, "updated_at": when, "version": 1,
            "created_by_id": admin, "feature_photo_id": None,
            "authors": [{"user_id": admin, "position": 0}] if admin else [], "tags": [],
            "revisions": [{"id": _next_id(revisions), "number": 1, "title": "About", "body_markdown": markdown,
                           "reason": "create", "author_id": admin, "created_at": when}],
        }
        posts.append(page)
        notes.append("The About text of its site settings became the page /about.")
    extra = document.setdefault("extra_tables", {})
    if isinstance(extra, dict) and "menu_items" not in extra:
        extra["menu_items"] = [
            {"id": 1, "position": 0, "kind": "posts", "label": "Posts", "post_id": None, "tag_id": None, "url": ""},
            {"id": 2, "position": 1, "kind": "events", "label": "Events", "post_id": None, "tag_id": None, "url": ""},
            {"id": 3, "position": 2, "kind": "page", "label": "About", "post_id": page["id"], "tag_id": None,
             "url": ""},
        ]
        notes.append("The site got the default menu: Posts, Events, About.")
    return notes
