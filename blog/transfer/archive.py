"""The site export ZIP: writing it, and restoring it into an empty site.

Layout of the ZIP::

    export.json              the document (docs/export.schema.json)
    wordpress.xml            the same content as WXR 1.2, for WordPress's importer
    media/photos/<name>      every photo variant file, named by its content hash
    media/site/<name>        the site's logo, if one was uploaded

A ZIP is checked whole before anything is written: member names (no path of our
choosing can be escaped), sizes and compression ratios (no zip bomb), the
document's JSON, format version and schema, and every photo file against the hash
in its name. Then files go to the media storage and every row is inserted in one
transaction, which the caller commits.
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from sqlalchemy import Integer, func, text, update
from sqlalchemy.exc import SQLAlchemyError

from blog.config import PROJECT_ROOT
from blog.core.time import utcnow
from blog.core.urls import site_url
from blog.extensions import db
from blog.media.storage import get_storage
from blog.site.models import SETTINGS_ID, SiteSettings
from blog.site.services import get_settings, next_change_after
from blog.transfer.document import (FORMAT, FORMAT_VERSION, READABLE_VERSIONS, SETTINGS_TABLES, DocumentError,
                                    build_document, extra_table_names, photo_file_names, section_tables, table_rows,
                                    upgrade_document)
from blog.transfer.wxr import build_wxr

DOCUMENT_NAME = "export.json"
WXR_NAME = "wordpress.xml"
PHOTOS_FOLDER = "media/photos/"
SITE_FOLDER = "media/site/"
SCHEMA_PATH = PROJECT_ROOT / "docs" / "export.schema.json"
_MEMBER_NAME = re.compile(r"(export\.json|wordpress\.xml|media/(photos|site)/[A-Za-z0-9_-][A-Za-z0-9._-]{0,200})")
_VARIANT_NAME = re.compile(r"([0-9a-f]{32})\.[a-z0-9]{2,5}")

# ``track(items, label)`` yields the items, showing progress if it likes (the CLI's progress bar).
Track = Callable[[Iterable, str], Iterable]


def _no_progress(items: Iterable, label: str) -> Iterable:
    return items


@dataclass(frozen=True)
class Limits:
    """What a ZIP may hold before it is refused unread (a zip bomb declares little and inflates a lot)."""

    max_members: int = 100_000
    max_total_bytes: int = 8 * 1024 ** 3
    max_document_bytes: int = 1024 ** 3
    # Real exports compress JSON about 10:1 and photos not at all.
    max_ratio: int = 200


@dataclass
class ExportSummary:
    counts: dict[str, int]
    photo_files: int
    missing_files: list[str]


# --- writing ---------------------------------------------------------------------------------------

def export_file_name(now: datetime | None = None) -> str:
    return f"site-export-{(now or utcnow()).strftime('%Y%m%d-%H%M%S')}.zip"


def _logo_member(logo_path: str) -> str | None:
    return f"media/{logo_path}" if logo_path and re.fullmatch(r"site/[A-Za-z0-9._-]+", logo_path) else None


def write_export(target: BinaryIO, *, track: Track = _no_progress) -> ExportSummary:
    """Write the site's export ZIP to ``target`` (a file open for binary writing)."""
    now = utcnow()
    storage = get_storage()
    document = build_document(exported_at=now, site_url=site_url(), track=track)
    names = sorted(photo_file_names(document))
    missing = [name for name in names if not storage.exists(name)]
    document["missing_files"] = missing
    settings = get_settings()
    logo = _logo_member(settings.logo_path)
    logo_file = Path(current_app.config["MEDIA_ROOT"]) / settings.logo_path if logo else None
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DOCUMENT_NAME, json.dumps(document, ensure_ascii=False, indent=1))
        archive.writestr(WXR_NAME, build_wxr(settings=settings, exported_at=now))
        for name in track([n for n in names if n not in missing], "Photo files"):
            # Already compressed images: stored as they are.
            archive.writestr(PHOTOS_FOLDER + name, storage.read(name), compress_type=zipfile.ZIP_STORED)
        if logo_file is not None and logo_file.is_file():
            archive.write(logo_file, logo, compress_type=zipfile.ZIP_STORED)
    counts = {key: len(value) for key, value in document.items()
              if isinstance(value, list) and key != "missing_files"}
    return ExportSummary(counts=counts, photo_files=len(names) - len(missing), missing_files=missing)


# --- reading ---------------------------------------------------------------------------------------

@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validation_errors(document) -> list[str]:
    """What is wrong with ``document`` by the schema, most relevant first (empty: valid)."""
    errors = list(_validator().iter_errors(document))
    if not errors:
        return []
    first = best_match(errors)
    where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
    return [f"{where}: {first.message}"] + [e.message for e in errors if e is not first][:5]


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, never more than it declared (zipfile also checks its CRC)."""
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise DocumentError(f"{info.filename} in the ZIP cannot be read ({error}).") from None
    if len(data) > info.file_size:
        raise DocumentError(f"{info.filename} in the ZIP is larger than it declares: refused.")
    return data


def _check_members(archive: zipfile.ZipFile, limits: Limits) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise DocumentError(f"The ZIP has {len(infos)} files, more than an export can ({limits.max_members}).")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if info.is_dir() and name in ("media/", PHOTOS_FOLDER, SITE_FOLDER):
            continue
        if not _MEMBER_NAME.fullmatch(name):
            raise DocumentError(f"The ZIP holds {name!r}, which is not part of a site export: refused.")
        if name in members:
            raise DocumentError(f"The ZIP holds {name!r} twice: refused.")
        if info.flag_bits & 0x1:
            raise DocumentError(f"{name} in the ZIP is encrypted: refused.")
        total += info.file_size
        if info.file_size > 1024 ** 2 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise DocumentError(f"{name} in the ZIP inflates {ratio} times "
                                "(a zip bomb?): refused.")
        members[name] = info
    if total > limits.max_total_bytes:
        raise DocumentError(f"The ZIP would unpack to {total} bytes, "
                            f"more than the limit ({limits.max_total_bytes}).")
    if DOCUMENT_NAME not in members:
        raise DocumentError(f"The ZIP has no {DOCUMENT_NAME}: it is not a site export.")
    if members[DOCUMENT_NAME].file_size > limits.max_document_bytes:
        raise DocumentError(f"{DOCUMENT_NAME} is larger than the limit ({limits.max_document_bytes} bytes).")
    return members


def read_document(data: bytes, notes: list[str] | None = None) -> dict:
    """The document from ``export.json``'s bytes, checked for format, version and schema; a document
    of an older version is upgraded first (what changed is added to ``notes``).
    """
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise DocumentError(f"{DOCUMENT_NAME} is not valid JSON ({error}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DocumentError(f"{DOCUMENT_NAME} is not a site export (its format is not {FORMAT!r}).")
    version = document.get("format_version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise DocumentError(f"This export has format version {version!r}; this software restores versions "
                            f"{', '.join(map(str, READABLE_VERSIONS))}: restore it with the version of the "
                            "software that made it, or a newer one.")
    if version != FORMAT_VERSION:
        try:
            changes = upgrade_document(document)
        except (TypeError, AttributeError, KeyError, ValueError):  # a damaged older document
            raise DocumentError(f"{DOCUMENT_NAME} (format version {version}) does not match the export schema "
                                "of its version: it cannot be upgraded.") from None
        if notes is not None:
            notes.append(f"This export is in an older format (version {version}), upgraded on the way"
                         + (": " + " ".join(changes) if changes else "."))
    problems = validation_errors(document)
    if problems:
        raise DocumentError(f"{DOCUMENT_NAME} does not match the export schema: {problems[0]}")
    return document


@dataclass
class RestoreResult:
    counts: dict[str, int]
    written_files: list[str] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # an older document's upgrade

    def remove_written_files(self) -> None:
        """Undo the files this restore added (after a failed commit)."""
        _remove_files(self.written_files)


def _remove_files(written: list[str]) -> None:
    storage = get_storage()
    media_root = Path(current_app.config["MEDIA_ROOT"])
    for name in written:
        if name.startswith(SITE_FOLDER):
            (media_root / name.removeprefix("media/")).unlink(missing_ok=True)
        else:
            storage.delete(name.removeprefix(PHOTOS_FOLDER))


def site_content_counts() -> dict[str, int]:
    """Rows in the tables a restore fills (settings rows aside): all zero on an empty site."""
    counts = {}
    for name in sorted(section_tables() | set(extra_table_names())):
        if name in SETTINGS_TABLES:
            continue
        table = db.metadata.tables[name]
        counts[name] = db.session.execute(db.select(func.count()).select_from(table)).scalar_one()
    return counts


def _require_empty_site() -> None:
    present = {name: count for name, count in site_content_counts().items() if count}
    if present:
        listed = ", ".join(f"{count} in {name}" for name, count in present.items())
        raise DocumentError("This site is not empty (" + listed + "). An export is restored only into a new "
                            "site: create a new database, run `flask db upgrade` (not `flask init` or the demo), "
                            "then import.")


def _files_to_write(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], document: dict,
                    track: Track) -> dict[str, bytes]:
    """Every photo file the document needs (bar those it lists as missing), checked against its hash."""
    missing = set(document.get("missing_files", []))
    files: dict[str, bytes] = {}
    for name in track(sorted(photo_file_names(document) - missing), "Checking photo files"):
        matched = _VARIANT_NAME.fullmatch(name)
        member = members.get(PHOTOS_FOLDER + name)
        if matched is None or member is None:
            raise DocumentError(f"The photo file {name} is not in the ZIP.")
        data = _read_member(archive, member)
        if hashlib.sha256(data).hexdigest()[:32] != matched.group(1):
            raise DocumentError(f"The photo file {name} in the ZIP is damaged "
                                "(its content does not match its name).")
        files[PHOTOS_FOLDER + name] = data
    for settings in document.get("site_settings", []):
        logo = _logo_member(settings.get("logo_path", ""))
        if logo and logo in members:
            files[logo] = _read_member(archive, members[logo])
    return files


def _write_files(files: dict[str, bytes], track: Track) -> list[str]:
    storage = get_storage()
    media_root = Path(current_app.config["MEDIA_ROOT"])
    written: list[str] = []
    try:
        for name in track(sorted(files), "Writing photo files"):
            if name.startswith(SITE_FOLDER):
                target = media_root / name.removeprefix("media/")
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(files[name])
                    written.append(name)
            else:
                plain = name.removeprefix(PHOTOS_FOLDER)
                if not storage.exists(plain):
                    storage.save(plain, files[name])
                    written.append(name)
    except BaseException:
        _remove_files(written)
        raise
    return written


def _insert_rows(rows: dict[str, list[dict]], track: Track) -> None:
    """Insert in foreign-key order; a column pointing at its own table is set once all rows exist."""
    for name in SETTINGS_TABLES:
        if name in rows:
            db.session.execute(db.metadata.tables[name].delete())
    ordered = [t for t in db.metadata.sorted_tables if rows.get(t.name)]
    for table in track(ordered, "Restoring tables"):
        self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        later: list[dict] = []
        batch = []
        for row in rows[table.name]:
            pending = {name: row[name] for name in self_refs if row.get(name) is not None}
            if pending:
                later.append({**pending, "_pk": row["id"]})
            batch.append({**row, **{name: None for name in self_refs if name in row}})
        for keys in {tuple(sorted(r)) for r in batch}:  # one executemany per shape of row
            db.session.execute(table.insert(), [r for r in batch if tuple(sorted(r)) == keys])
        for change in later:
            db.session.execute(table.update().where(table.c.id == change.pop("_pk")).values(**change))


def _fix_sequences() -> None:
    """PostgreSQL hands out ids from sequences the inserted ids did not move."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, Integer) and keys[0].autoincrement in (True, "auto"):
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE((SELECT MAX("{keys[0].name}") FROM "{table.name}"), 0) + 1, false)'
            ), {"table": table.name, "column": keys[0].name})


def _refresh_content_version(now: datetime) -> None:
    """The restored site's pages are new to every cache: a new version, and the next timed change."""
    from blog.site.models import new_content_version

    db.session.execute(update(SiteSettings).where(SiteSettings.id == SETTINGS_ID).values(
        content_version=new_content_version(), content_changed_at=now, next_change_at=next_change_after(now)))


def _index_for_search() -> None:
    """Rows went in as plain inserts, which the search index does not see: it is made from them."""
    from blog.search import indexing

    indexing.rebuild(db.session)


def restore_archive(source: str | Path | BinaryIO, *, limits: Limits = Limits(),
                    track: Track = _no_progress) -> RestoreResult:
    """Restore an export ZIP into this (empty) site, ids as they were; the caller commits, or rolls
    back and calls ``remove_written_files``.

    :raise DocumentError: for anything that makes the ZIP unfit (nothing is written then).
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise DocumentError(f"This is not a readable ZIP file ({error}).") from None
    with archive:
        members = _check_members(archive, limits)
        notes: list[str] = []
        document = read_document(_read_member(archive, members[DOCUMENT_NAME]), notes)
        rows = table_rows(document)
        _require_empty_site()
        files = _files_to_write(archive, members, document, track)
    written = _write_files(files, track)
    try:
        _insert_rows(rows, track)
        _fix_sequences()
        _refresh_content_version(utcnow())
        _index_for_search()
        db.session.flush()
    except SQLAlchemyError as error:
        db.session.rollback()
        _remove_files(written)
        raise DocumentError(f"The export's rows do not fit together ({error.orig or error}).") from None
    except BaseException:
        db.session.rollback()
        _remove_files(written)
        raise
    db.session.expire_all()  # rows the session had loaded (the default settings) were replaced
    admins = [row["id"] for row in rows.get("users", [])
              if row.get("role") == "admin" and row.get("password_hash")]
    counts = {name: len(document.get(name, [])) for name in ("people", "posts", "tags", "photos", "events",
                                                              "social_posts", "subscribers", "redirects")}
    return RestoreResult(counts=counts, written_files=written, admins=admins, notes=notes)
