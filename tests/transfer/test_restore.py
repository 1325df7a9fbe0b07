"""``flask import SITE.zip``: an export restored into an empty site gives the same export again;
anything else is refused with a clear message and nothing imported."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from blog.accounts.models import User
from blog.accounts.services import authenticate
from blog.errors import DomainError
from blog.extensions import db
from blog.posts import services as posts
from blog.transfer.archive import Limits, restore_archive, site_content_counts
from blog.transfer.document import DocumentError
from tests.conftest import empty_database
from tests.factories import PASSWORD
from tests.transfer.helpers import document_of, export_bytes
from tests.transfer.site import rich_site


def _exported_site(make_app, tmp_path) -> tuple[bytes, object]:
    """An export of a rich site; the database is emptied afterwards. Returns it and a new app whose
    MEDIA_ROOT is empty, as on a new server."""
    with make_app(MEDIA_ROOT=str(tmp_path / "old-media")).app_context():
        rich_site()
        data = export_bytes()
        db.session.remove()
        empty_database()
    return data, make_app(MEDIA_ROOT=str(tmp_path / "new-media"))


def _import(app, tmp_path, data: bytes):
    path = tmp_path / "site.zip"
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=["import", str(path)])


def _without_timestamp(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "exported_at"}


def test_export_import_export_gives_the_same_document(make_app, tmp_path):
    data, app = _exported_site(make_app, tmp_path)
    first = document_of(data)
    result = _import(app, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "Restored: 4 people" in result.output
    assert "/reset-password/" in result.output  # the admin's way back in
    with app.app_context():
        second = document_of(export_bytes())
        assert _without_timestamp(second) == _without_timestamp(first)
        for section in ("people", "tags", "photos", "posts", "redirects", "events", "social_posts", "subscribers"):
            assert second[section], section
        # The demo's organisers are linked to their people (event_people.person_id), and stay linked.
        linked = [(p["name"], p["person_id"]) for event in second["events"] for p in event["people"]
                  if p["person_id"] is not None]
        assert linked and all(person_id in {u["id"] for u in second["people"]} for _, person_id in linked)
        photo_files = {Path(p).name for photo in second["photos"] for p in photo["files"]}
        assert photo_files == {p.name for p in (tmp_path / "new-media" / "photos").iterdir()}

        # Accounts come back without their passwords; byline-only people stay byline-only.
        admin = db.session.execute(db.select(User).where(User.role == "admin")).scalar_one()
        assert not admin.is_byline_only
        with pytest.raises(DomainError):
            authenticate(admin.email, PASSWORD, address="192.0.2.1")
        assert db.session.execute(db.select(User).where(User.display_name == "Dr Jo Byline")).scalar_one() \
            .is_byline_only
        # Ids go on from the restored ones (PostgreSQL's sequences were moved).
        post = posts.create_post(posts.PostInput(title="After the move", body_markdown="x"), by=admin)
        db.session.flush()
        assert post.id == max(p["id"] for p in first["posts"]) + 1
        db.session.rollback()


def test_a_site_with_content_is_refused(make_app, tmp_path):
    with make_app().app_context():
        rich_site()
        data = export_bytes()
        before = site_content_counts()
    app = make_app()
    result = _import(app, tmp_path, data)
    assert result.exit_code == 1
    assert "Nothing was imported: This site is not empty" in result.output
    with app.app_context():
        assert site_content_counts() == before


def _rezip(data: bytes, *, drop: set[str] = frozenset(), replace: dict | None = None, add: dict | None = None,
           compression=zipfile.ZIP_DEFLATED) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            if info.filename not in drop:
                target.writestr(info.filename, (replace or {}).get(info.filename, source.read(info)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def _document_changed(data: bytes, change) -> bytes:
    document = document_of(data)
    change(document)
    return _rezip(data, replace={"export.json": json.dumps(document).encode()})


def _damaged_photo(data: bytes) -> bytes:
    name = next(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("media/photos/"))
    return _rezip(data, replace={name: b"not the picture"})


def _clashing_slugs(document: dict) -> None:
    document["posts"][1]["slug"] = document["posts"][0]["slug"]


HOSTILE = {
    "not a zip": (lambda data: b"PK\x03\x04 but nothing more", "not a readable ZIP"),
    "zip bomb": (lambda data: _rezip(data, add={"media/photos/" + "0" * 32 + ".jpg": bytes(50 * 1024 ** 2)}),
                 "zip bomb"),
    "path traversal": (lambda data: _rezip(data, add={"../../outside.txt": b"x"}), "not part of a site export"),
    "traversal inside media": (lambda data: _rezip(data, add={"media/photos/../../x.jpg": b"x"}),
                               "not part of a site export"),
    "absolute path": (lambda data: _rezip(data, add={"/etc/cron.d/x": b"x"}), "not part of a site export"),
    "no document": (lambda data: _rezip(data, drop={"export.json"}), "has no export.json"),
    "invalid JSON": (lambda data: _rezip(data, replace={"export.json": b'{"format": '}), "not valid JSON"),
    "wrong format version": (lambda data: _document_changed(data, lambda d: d.update(format_version=99)),
                             "format version 99"),
    "a password in the document": (
        lambda data: _document_changed(data, lambda d: d["people"][0].update(password_hash="x")),
        "does not match the export schema"),
    "unknown column": (lambda data: _document_changed(data, lambda d: d["tags"][0].update(colour="red")),
                       "data this site cannot hold (tags: colour)"),
    "damaged photo file": (_damaged_photo, "is damaged"),
    "rows that clash": (lambda data: _document_changed(data, _clashing_slugs), "rows do not fit together"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_bad_archive_is_refused_and_nothing_is_imported(make_app, tmp_path, case):
    data, app = _exported_site(make_app, tmp_path)
    spoil, message = HOSTILE[case]
    result = _import(app, tmp_path, spoil(data))
    assert result.exit_code == 1, result.output
    assert "Nothing was imported" in result.output and message in result.output, result.output
    with app.app_context():
        assert not any(site_content_counts().values())
    media = tmp_path / "new-media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_declared_size_over_the_limit_is_refused_unread(make_app, tmp_path):
    data, app = _exported_site(make_app, tmp_path)
    with app.app_context(), pytest.raises(DocumentError, match="more than the limit"):
        restore_archive(io.BytesIO(data), limits=Limits(max_total_bytes=1000))
