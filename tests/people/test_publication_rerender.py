"""Posts citing ``[[publication:KEY]]`` follow the publication: deleted, the card becomes a note
naming the key (in the stored HTML, the page and the feeds); imported again, the card comes back;
cached pages change with it."""
from __future__ import annotations

import io

from blog.accounts.models import Role
from blog.extensions import db
from blog.people import services
from blog.people.models import Publication
from tests.factories import login, make_post, make_user
from tests.people.test_services import GOOD_BIB

BODY = "As shown before:\n\n[[publication:lovelace1843]]\n\nAnd more text.\n"


def _lovelace() -> Publication:
    return services.publication_by_key("lovelace1843")


def test_deleting_a_publication_rerenders_posts_citing_it_and_importing_brings_the_card_back(appctx):
    editor = make_user(Role.EDITOR)
    services.import_bibtex(GOOD_BIB, by=editor)
    db.session.commit()
    citing = make_post(editor, title="Citing", body=BODY)
    other = make_post(editor, title="Other", body="[[publication:hopper1952]]")
    assert "Sketch of the Analytical Engine" in citing.body_html
    other_html = other.body_html

    services.delete_publication(_lovelace(), by=editor)
    db.session.commit()
    db.session.expire_all()
    assert "Sketch of the Analytical Engine" not in citing.body_html
    assert "publication-missing" in citing.body_html and "lovelace1843" in citing.body_html
    assert "Publication removed" in citing.body_html
    assert "publication-links" not in citing.body_html  # no card without its citation
    assert "And more text." in citing.body_html
    assert other.body_html == other_html  # a post citing another publication is not touched

    services.import_bibtex(GOOD_BIB.split("@inproceedings")[0], by=editor)  # lovelace1843 again
    db.session.commit()
    db.session.expire_all()
    assert "Sketch of the Analytical Engine" in citing.body_html and "publication-missing" not in citing.body_html


def test_a_key_cited_before_its_publication_exists_shows_the_note_then_the_card(appctx):
    editor = make_user(Role.EDITOR)
    post = make_post(editor, body=BODY)
    assert "publication-missing" in post.body_html and "[[publication:" not in post.body_html
    count = len(services.add_publications([{"id": "lovelace1843", "type": "article-journal",
                                            "title": "Sketch of the Analytical Engine"}], by=editor))
    db.session.commit()
    db.session.expire_all()
    assert count == 1 and "Sketch of the Analytical Engine" in post.body_html


def test_deleting_through_the_admin_page_changes_the_cached_post_page_and_feed(app):
    # Requests run outside the test's app context: inside one, they would share its ``g``.
    with app.app_context():
        editor = make_user(Role.EDITOR)
        services.import_bibtex(GOOD_BIB, by=editor)
        db.session.commit()
        slug = make_post(editor, title="Citing", body=BODY).slug
        publication_id = _lovelace().id
    reader = app.test_client()
    page = reader.get(f"/posts/{slug}")
    assert page.status_code == 200 and "Sketch of the Analytical Engine" in page.get_data(as_text=True)
    etag = page.headers["ETag"]
    assert reader.get(f"/posts/{slug}", headers={"If-None-Match": etag}).status_code == 304
    assert b"Sketch of the Analytical Engine" in reader.get("/feeds/posts.atom").data

    admin = app.test_client()
    with app.app_context():
        login(admin, editor)
    assert admin.post(f"/admin/publications/{publication_id}/delete").status_code == 302

    again = reader.get(f"/posts/{slug}", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    html = again.get_data(as_text=True)
    assert "Sketch of the Analytical Engine" not in html and "Publication removed" in html
    feed = reader.get("/feeds/posts.atom")
    assert b"Sketch of the Analytical Engine" not in feed.data and b"publication-missing" in feed.data
    # Imported again through the admin page: the card is back on the page.
    upload = {"bib-file": (io.BytesIO(GOOD_BIB.split("@inproceedings")[0].encode()), "x.bib")}
    assert admin.post("/admin/publications", data=upload, content_type="multipart/form-data").status_code == 302
    assert "Sketch of the Analytical Engine" in reader.get(f"/posts/{slug}").get_data(as_text=True)
