"""``flask import wordpress``, Admin → Import from WordPress, and the old site's addresses."""
from __future__ import annotations

import io

from blog.accounts.models import Role
from blog.extensions import db
from blog.posts.models import Post
from tests.factories import PASSWORD, login, make_user
from tests.transfer.test_wordpress_import import BILLION_LAUGHS, SITE_XML, _counts, _import, uploads  # noqa: F401

# --- the command ---------------------------------------------------------------------------------


def test_the_command_imports_reports_and_changes_nothing_the_second_time(runner, appctx, uploads):  # noqa: F811
    make_user(Role.ADMIN)
    result = runner.invoke(args=["import", "wordpress", str(SITE_XML), "--media-dir", str(uploads)])
    assert result.exit_code == 0, result.output
    assert "Imported: 4 posts, 1 pages, 3 photos, 2 quotes, 1 pull quotes, 3 tags, 2 people, 7 menu items, 6 skipped" in result.output
    assert "“Thrown away” (WordPress id 6): in WordPress's trash" in result.output
    assert "[contact-form-7] kept as text" in result.output
    before = _counts()
    again = runner.invoke(args=["import", "wordpress", str(SITE_XML), "--media-dir", str(uploads)])
    assert again.exit_code == 0 and "0 posts, 0 pages, 0 photos" in again.output and "5 already imported" in again.output
    assert _counts() == before


def test_the_command_refuses_a_hostile_file_and_a_site_without_admin(runner, appctx, tmp_path):
    hostile = tmp_path / "laughs.xml"
    hostile.write_bytes(BILLION_LAUGHS)
    assert "There is no such admin" in runner.invoke(args=["import", "wordpress", str(hostile)]).output
    make_user(Role.ADMIN)
    result = runner.invoke(args=["import", "wordpress", str(hostile)])
    assert result.exit_code == 1 and "declares XML entities" in result.output and "Nothing was imported" in result.output
    assert _counts()["Post"] == 0


def test_a_200_mb_file_is_refused_unread(runner, appctx, tmp_path):
    make_user(Role.ADMIN)
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as out:
        out.write(SITE_XML.read_bytes())
        out.truncate(200 * 1024 * 1024)  # sparse: nothing is written to disk
    result = runner.invoke(args=["import", "wordpress", str(huge)])
    assert result.exit_code == 1 and "larger than 100 MB" in result.output and "Nothing was imported" in result.output
    assert _counts()["Post"] == 0


# --- old addresses ---------------------------------------------------------------------------------

def test_old_addresses_answer_301_to_public_posts_only(client, appctx, uploads):  # noqa: F811
    _import(make_user(Role.ADMIN), uploads)
    for old in ("/2019/05/03/hello-lab/", "/2019/05/03/hello-lab", "/?p=1", "/hello-lab/"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == "/posts/hello-lab"
    assert client.get("/about/").status_code == 301 and client.get("/?page_id=5").status_code == 301
    assert client.get("/2019/06/01/private-notes/").status_code == 404  # a draft now: not revealed
    assert client.get("/?p=3").status_code == 200  # the scheduled post is not out yet: just the home page
    assert client.get("/no/such/thing/").status_code == 404
    assert client.post("/2019/05/03/hello-lab/").status_code in (404, 405)


# --- the admin page ---------------------------------------------------------------------------------

def _upload(client, data: bytes):
    return client.post("/admin/import/wordpress", data={"export": (io.BytesIO(data), "export.xml")},
                       content_type="multipart/form-data")


def test_an_admin_uploads_an_export_and_reads_the_report(client, appctx, uploads, app):  # noqa: F811
    app.config["IMPORT_MEDIA_DIR"] = str(uploads)
    login(client, make_user(Role.ADMIN))
    assert 'href="/admin/import/wordpress"' in client.get("/admin/settings").get_data(as_text=True)
    form = client.get("/admin/import/wordpress").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and str(uploads) in form
    response = _upload(client, SITE_XML.read_bytes())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<dt>Posts</dt><dd>4</dd>" in page and "<dt>Photos</dt><dd>3</dd>" in page
    assert "in WordPress&#39;s trash" in page and "[contact-form-7] kept as text" in page
    assert db.session.execute(db.select(db.func.count()).select_from(Post)).scalar() == 5


def test_the_admin_page_refuses_a_hostile_file_with_a_message(client, appctx):
    login(client, make_user(Role.ADMIN))
    response = _upload(client, BILLION_LAUGHS)
    assert response.status_code == 400 and "declares XML entities" in response.get_data(as_text=True)
    assert _counts()["Post"] == 0


def test_only_admins_see_the_import_page(client, appctx):
    assert client.get("/admin/import/wordpress").status_code in (302, 401)
    login(client, make_user(Role.EDITOR))
    assert client.get("/admin/import/wordpress").status_code == 403
    assert _upload(client, SITE_XML.read_bytes()).status_code == 403
    assert _counts()["Post"] == 0


def test_the_upload_needs_the_forms_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        email = make_user(Role.ADMIN).email
    token = client.get("/login").data.decode().split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert _upload(client, SITE_XML.read_bytes()).status_code == 400  # no token
    response = client.post("/admin/import/wordpress", content_type="multipart/form-data",
                           data={"export": (io.BytesIO(SITE_XML.read_bytes()), "export.xml"), "csrf_token": token})
    assert response.status_code == 200 and "<dt>Posts</dt><dd>4</dd>" in response.get_data(as_text=True)
