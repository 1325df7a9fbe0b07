"""``flask import SITE.zip`` of an export made before pages existed (format version 1: site settings
held the About text as ``about_markdown``/``about_html``, and there was no menu): the document is
upgraded in memory, so the About text becomes the page /about and the menu gets its default items.

The old document is built from a current export, undoing what migration 0014 did."""
from __future__ import annotations

import json

import pytest

from blog.demo import DEMO_ABOUT
from blog.extensions import db
from blog.posts.models import Post
from blog.site import services as site
from blog.transfer.archive import read_document
from blog.transfer.document import DocumentError, upgrade_document
from tests.transfer.helpers import document_of, export_bytes, schema_errors
from tests.transfer.test_restore import _exported_site, _import, _rezip, _without_timestamp


def old_format(document: dict) -> dict:
    """``document`` as a version 1 export wrote it: no About page, no menu, the About text in settings."""
    old = json.loads(json.dumps(document))
    about = next(p for p in old["posts"] if p["slug"] == "about")
    old["posts"].remove(about)
    old["extra_tables"].pop("menu_items")
    old["demo_marks"] = [m for m in old["demo_marks"] if not (m["kind"] == "posts" and m["object_id"] == about["id"])]
    for name, rows in old["extra_tables"].items():
        old["extra_tables"][name] = [r for r in rows if r.get("post_id") != about["id"]]
    old["site_settings"][0].update(about_markdown=about["body_markdown"], about_html=about["body_html"])
    old["format_version"] = 1
    return old


def _with_document(data: bytes, document: dict) -> bytes:
    return _rezip(data, replace={"export.json": json.dumps(document).encode()})


def _comparable(document: dict) -> dict:
    """The document without what an upgrade makes anew: the About page's ids and times, the menu's ids."""
    document = _without_timestamp(json.loads(json.dumps(document)))
    about = next(p for p in document["posts"] if p["slug"] == "about")
    document["posts"].remove(about)
    document["demo_marks"] = [m for m in document["demo_marks"]
                              if not (m["kind"] == "posts" and m["object_id"] == about["id"])]
    menu = [{k: v for k, v in item.items() if k not in ("id", "post_id")}
            for item in document["extra_tables"].pop("menu_items")]
    return {**document, "menu": menu, "about": (about["kind"], about["status"], about["title"],
                                                 about["body_markdown"], about["body_html"])}


def test_an_export_from_before_pages_is_restored_with_its_about_page_and_menu(make_app, tmp_path):
    data, app = _exported_site(make_app, tmp_path)
    current = document_of(data)
    old = old_format(current)
    assert "about_markdown" in old["site_settings"][0] and schema_errors(old) != []  # not a version 2 document
    result = _import(app, tmp_path, _with_document(data, old))
    assert result.exit_code == 0, result.output
    assert "older format (version 1), upgraded on the way: The About text of its site settings became the " \
           "page /about. The site got the default menu: Posts, Events, About." in result.output
    with app.app_context():
        about = db.session.execute(db.select(Post).where(Post.slug == "about")).scalar_one()
        assert (about.kind, about.status, about.body_markdown) == ("page", "published", DEMO_ABOUT)
        assert [(i.kind, i.label, i.post_id) for i in site.menu_items()] == [
            ("posts", "Posts", None), ("events", "Events", None), ("page", "About", about.id)]
        again = document_of(export_bytes())
        assert again["format_version"] == 2 and schema_errors(again) == []
        assert _comparable(again) == _comparable(current)
        page = app.test_client().get("/about")
        assert page.status_code == 200 and "research collaboration" in page.get_data(as_text=True)


def test_an_empty_about_text_takes_the_description_as_the_migration_did(appctx):
    document = {"format": "research-group-blog-export", "format_version": 1, "exported_at": "2026-11-30T10:00:00Z",
                "site_settings": [{"id": 1, "site_name": "Lab", "timezone": "UTC", "description": "We study <cells>.",
                                   "about_markdown": "", "about_html": ""}],
                "people": [{"id": 3, "role": "author"}, {"id": 2, "role": "admin"}],
                "posts": [{"id": 7, "slug": "hello", "revisions": [{"id": 9}]}], "extra_tables": {}}
    notes = upgrade_document(document)
    assert document["format_version"] == 2 and "about_markdown" not in document["site_settings"][0]
    about = document["posts"][-1]
    assert (about["id"], about["slug"], about["body_markdown"], about["body_html"]) == \
        (8, "about", "We study <cells>.", "<p>We study &lt;cells&gt;.</p>")
    assert about["created_by_id"] == 2 and about["authors"] == [{"user_id": 2, "position": 0}]
    assert about["revisions"][0]["id"] == 10 and about["published_at"] == "2026-11-30T10:00:00Z"
    assert [i["post_id"] for i in document["extra_tables"]["menu_items"]] == [None, None, 8]
    assert len(notes) == 2


def test_a_post_already_at_about_is_kept_and_linked(appctx):
    document = {"format_version": 1, "site_settings": [{"about_markdown": "Ignored", "about_html": ""}],
                "posts": [{"id": 4, "slug": "about", "kind": "post"}], "extra_tables": {}}
    notes = upgrade_document(document)
    assert len(document["posts"]) == 1 and document["extra_tables"]["menu_items"][2]["post_id"] == 4
    assert notes == ["The site got the default menu: Posts, Events, About."]


def test_a_version_1_document_from_after_pages_only_gets_its_number(make_app, tmp_path):
    data, app = _exported_site(make_app, tmp_path)
    current = document_of(data)
    result = _import(app, tmp_path, _with_document(data, {**current, "format_version": 1}))
    assert result.exit_code == 0, result.output
    assert "older format (version 1), upgraded on the way." in result.output
    with app.app_context():
        assert _without_timestamp(document_of(export_bytes())) == _without_timestamp(current)


def test_about_text_in_a_version_2_document_is_refused(appctx):
    site.ensure_settings()
    db.session.commit()
    document = document_of(export_bytes())
    document["site_settings"][0]["about_markdown"] = "Old"
    with pytest.raises(DocumentError, match="does not match the export schema: site_settings/0: .*'Old'"):
        read_document(json.dumps(document).encode())


def test_a_damaged_old_document_is_refused_with_a_message(appctx):
    document = {"format": "research-group-blog-export", "format_version": 1,
                "site_settings": [{"about_markdown": "x"}], "posts": {"not": "a list"}}
    with pytest.raises(DocumentError, match="cannot be upgraded"):
        read_document(json.dumps(document).encode())
