"""The export's JSON document: valid by the committed schema, complete, and free of secrets."""
from __future__ import annotations

import io
import zipfile

from jsonschema import Draft202012Validator
from sqlalchemy import Column, Integer, Table, Text

from blog.accounts.models import User
from blog.extensions import db
from blog.media.storage import get_storage
from blog.newsletter.models import Subscriber
from blog.transfer.document import (EXCLUDED_TABLES, SECTIONS, exported_columns, extra_table_names,
                                    is_excluded_table, section_tables)
from tests.transfer.helpers import SCHEMA, document_of, export_bytes, schema_errors
from tests.transfer.site import rich_site


def test_the_schema_is_a_valid_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_export_holds_every_kind_of_content_and_matches_the_schema(appctx):
    site = rich_site()
    data = export_bytes()
    document = document_of(data)
    assert schema_errors(document) == []
    assert document["format_version"] == 2

    posts = {p["slug"]: p for p in document["posts"]}
    page = posts["join-the-group"]
    assert page["kind"] == "page" and page["body_markdown"].startswith("We recruit.")
    assert '<figure class="photo"' in page["body_html"]
    assert [a["user_id"] for a in page["authors"]] == [site["admin"].id, site["coauthor"].id]
    writeup = posts[site["writeup"].slug]
    assert writeup["kind"] == "post" and writeup["revisions"] and writeup["tags"]
    assert {"old_slug": "join-us", "post_id": page["id"]} in document["redirects"]

    people = {p["id"]: p for p in document["people"]}
    assert people[site["coauthor"].id]["has_account"] is False and people[site["coauthor"].id]["email"] is None
    assert people[site["admin"].id]["has_account"] is True

    assert any(event["changes"] for event in document["events"])
    replies = [q for q in document["social_posts"] if q["in_reply_to_id"]]
    assert replies and all(q["attachments"] is not None and q["revisions"] for q in document["social_posts"])
    subscribers = document["subscribers"]
    assert any(s["consent_events"] and s["consent_events"][0]["consent_text"] for s in subscribers)
    assert document["site_settings"][0]["site_name"] == "netGUARD"

    archive = zipfile.ZipFile(io.BytesIO(data))
    storage = get_storage()
    for photo in document["photos"]:
        assert photo["files"]
        for path in photo["files"]:
            assert archive.read(path) == storage.read(path.removeprefix("media/photos/"))
    assert document["missing_files"] == []


def test_no_password_session_or_token_leaves_the_site(appctx):
    rich_site()
    text = zipfile.ZipFile(io.BytesIO(export_bytes())).read("export.json").decode()
    admin_hash = db.session.execute(db.select(User.password_hash).where(User.role == "admin")).scalars().first()
    token_key = db.session.execute(db.select(Subscriber.token_key)).scalars().first()
    for secret in (admin_hash, token_key, '"password_hash"', '"session_version"', '"preview_token"',
                   '"token_key"', '"content_version"'):
        assert secret not in text


def test_content_tables_have_sections_and_only_operational_tables_stay_behind(appctx):
    content = {"users", "tags", "photos", "posts", "post_authors", "post_tags", "post_revisions", "slug_redirects",
               "events", "event_people", "event_tags", "event_changes", "event_writeups", "social_posts",
               "social_post_attachments", "social_post_revisions", "subscribers", "consent_events",
               "site_settings", "newsletter_settings"}
    assert content <= section_tables()
    left_behind = {name for name in db.metadata.tables if is_excluded_table(name)}
    assert set(EXCLUDED_TABLES) <= left_behind
    assert all(any(w in name for w in ("token", "session", "secret")) for name in left_behind - set(EXCLUDED_TABLES))
    assert not (section_tables() | set(extra_table_names())) & left_behind


def test_every_row_carries_every_column_but_the_excluded_ones(appctx):
    """Rows are read from the tables' columns, so a column a feature adds is exported without a change
    here; what is left out is exactly this list."""
    rich_site()
    document = document_of(export_bytes())
    left_out = {(t.name, c.name) for t in db.metadata.tables.values() if t.name in section_tables()
                for c in t.columns if c not in exported_columns(t)}
    assert left_out == {("users", "password_hash"), ("users", "session_version"), ("posts", "preview_token"),
                        ("subscribers", "token_key"), ("site_settings", "content_version"),
                        ("site_settings", "content_changed_at"), ("site_settings", "next_change_at")}
    tables = db.metadata.tables
    for section in SECTIONS:
        for entry in document[section.name]:
            assert {c.name for c in exported_columns(tables[section.table])} <= set(entry)
            for child in section.children:
                for row in entry[child.name]:
                    expected = {c.name for c in exported_columns(tables[child.table])} - {child.parent_column}
                    assert set(row) == expected


def test_a_table_no_section_names_is_carried_in_extra_tables(appctx):
    """A feature's new table (here made up for the test) is exported without a change to the export."""
    notes = Table("test_transfer_notes", db.metadata, Column("id", Integer, primary_key=True), Column("text", Text))
    try:
        notes.create(db.engine)
        rich_site()
        db.session.execute(notes.insert().values(id=7, text="Kept"))
        db.session.commit()
        document = document_of(export_bytes())
        assert document["extra_tables"]["test_transfer_notes"] == [{"id": 7, "text": "Kept"}]
        assert schema_errors(document) == []
    finally:
        db.session.rollback()
        notes.drop(db.engine)
        db.metadata.remove(notes)
