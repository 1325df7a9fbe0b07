"""Public post pages through the test client: status codes, redirects, caching, headers."""
from datetime import timedelta

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.extensions import db
from blog.posts import services
from tests.factories import login, make_post, make_user, make_page


def test_home_lists_published_posts_newest_first_and_paginates(make_app):
    app = make_app(POSTS_PER_PAGE=2)
    client = app.test_client()
    with app.app_context():
        author = make_user()
        for n in range(5):
            make_post(author, title=f"Report {n}", published_at=utcnow() - timedelta(days=10 - n))
        make_post(author, title="Secret draft", published=False)
    first = client.get("/").get_data(as_text=True)
    assert first.index("Report 4") < first.index("Report 3") and "Report 2" not in first
    assert "Secret draft" not in first
    older = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert "Report 2" in second and "Report 1" in second and "Report 4" not in second
    assert 'rel="prev"' in second
    assert client.get("/?before=garbage").status_code == 404


def test_post_page_shows_title_body_authors_and_metadata(client, appctx):
    author = make_user(name="Dr Hannah Example", affiliation="University of Lincoln")
    post = make_post(author, title="“A workshop” – report", body="On *netGUARD*.", tags=["Workshops"])
    html = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    assert "<h1 class=\"p-name\">“A workshop” – report</h1>" in html
    assert "<em>netGUARD</em>" in html
    assert '>Dr Hannah Example</a><span class="byline-affiliation p-org">University of Lincoln</span>' in html
    assert '<meta property="og:title" content="“A workshop” – report">' in html
    assert '<link rel="canonical" href="http://blog.test/posts/a-workshop-report">' in html
    assert '"@type": "BlogPosting"' in html and '"headline": "\\u201cA workshop\\u201d \\u2013 report"' in html
    assert 'href="/tags/workshops"' in html


def test_old_slug_redirects_permanently(client, appctx):
    author = make_user()
    post = make_post(author, title="First name")
    services.save_post(post, services.PostInput(title="First name", body_markdown="x", slug="second-name"),
                       by=author, base_version=post.version)
    db.session.commit()
    response = client.get("/posts/first-name")
    assert response.status_code == 301 and response.headers["Location"] == "/posts/second-name"


def test_unknown_and_draft_posts_are_404_in_the_site_style(client, appctx):
    draft = make_post(make_user(), published=False)
    for path in ("/posts/nope", f"/posts/{draft.slug}", "/tags/nope", "/people/nope", "/no/such/page"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b'class="site-header"' in response.data


def test_tag_author_and_archive_pages(client, appctx):
    from datetime import datetime

    from blog.core.time import UTC

    author = make_user(name="Prof Derek Example", affiliation="Surrey")
    author.bio = "Works on risk."
    post = make_post(author, title="Tagged report", tags=["Risk Assessment"],
                     published_at=datetime(2014, 11, 21, 9, tzinfo=UTC))
    assert b"Tagged report" in client.get("/tags/risk-assessment").data
    author_page = client.get(f"/people/{author.slug}").get_data(as_text=True)
    assert "Prof Derek Example" in author_page and "Surrey" in author_page and "Works on risk." in author_page
    assert "Tagged report" in author_page
    archive = client.get("/archive/").get_data(as_text=True)
    assert 'href="/archive/2014/11/"' in archive
    assert post.title.encode() in client.get("/archive/2014/11/").data
    assert post.title.encode() not in client.get("/archive/2014/10/").data
    assert client.get("/archive/2014/13/").status_code == 404


def test_preview_link_shows_a_draft_without_an_account_and_stops_when_revoked(client, appctx):
    author = make_user()
    post = make_post(author, title="Not yet", published=False)
    token = services.create_preview_link(post, by=author)
    db.session.commit()
    response = client.get(f"/preview/{token}")
    assert response.status_code == 200 and b"Not yet" in response.data
    assert response.headers["Cache-Control"] == "private, no-store"
    assert b'<meta name="robots" content="noindex">' in response.data
    store_root = client.application.extensions["page_store"].store.root
    assert not any(b"Not yet" in f.read_bytes() for f in store_root.rglob("*") if f.is_file())
    services.revoke_preview_link(post, by=author)
    db.session.commit()
    assert client.get(f"/preview/{token}").status_code == 404


# --- HTTP caching ---------------------------------------------------------------------------

def test_public_pages_answer_conditional_requests_with_304(client, appctx):
    post = make_post(make_user())
    make_page(make_user(Role.EDITOR))
    for path in ("/", f"/posts/{post.slug}", "/archive/", "/about", "/sitemap.xml"):
        first = client.get(path)
        assert first.status_code == 200, path
        assert first.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
        assert first.headers["ETag"].startswith('W/"') and first.headers["Last-Modified"]
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304


def test_any_change_changes_the_etag(client, appctx):
    post = make_post(make_user())
    etag = client.get("/").headers["ETag"]
    post.title = "Edited title"
    db.session.commit()
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"Edited title" in changed.data


def test_a_scheduled_post_going_live_changes_the_page_without_any_write(client, appctx, monkeypatch):
    author = make_user()
    make_post(author, title="Already out")
    scheduled = make_post(author, title="Scheduled report", published=False)
    services.publish_post(scheduled, by=author, at=utcnow() + timedelta(hours=1))
    db.session.commit()
    before = client.get("/")
    assert b"Scheduled report" not in before.data
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr("blog.site.services.utcnow", lambda: later)
    monkeypatch.setattr("blog.posts.services.utcnow", lambda: later)
    after = client.get("/", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and b"Scheduled report" in after.data


def test_signed_in_pages_are_never_stored_by_a_proxy(client, appctx):
    post = make_post(make_user())
    login(client, make_user(Role.EDITOR))
    for path in ("/", f"/posts/{post.slug}", "/editor/", f"/editor/posts/{post.id}"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers


def test_readers_get_no_cookie(client, appctx):
    post = make_post(make_user())
    make_page(make_user(Role.EDITOR))
    for path in ("/", f"/posts/{post.slug}", "/about", "/archive/"):
        assert "Set-Cookie" not in client.get(path).headers


# --- security headers -----------------------------------------------------------------------

def test_security_headers_on_every_response(client, appctx):
    for path in ("/", "/login", "/nope", "/static/css/site.css", "/robots.txt"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "DENY"
