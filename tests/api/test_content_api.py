"""The Content API: public data only, cursor paging, filters, caching headers, problem details."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from blog.accounts.models import Role
from blog.core.time import UTC, utcnow
from blog.events import services as events
from blog.extensions import db
from blog.newsletter import services as newsletter
from blog.posts import services as posts
from tests.factories import make_post, make_user


@pytest.fixture
def site(appctx):
    ada = make_user(Role.AUTHOR, name="Ada Okafor", email="ada@example.org")
    lewis = make_user(Role.AUTHOR, name="Lewis Hartley", email="lewis@example.org")
    make_user(Role.CONTRIBUTOR, name="Nobody Credited", email="nobody@example.org")
    made = []
    for n in range(5):
        made.append(make_post(ada if n % 2 == 0 else lewis, title=f"Report {n}",
                              tags=["Workshops"] if n < 3 else ["Talks"],
                              published_at=datetime(2025, 1 + n, 10, 9, tzinfo=UTC)))
    make_post(ada, title="A secret draft", published=False)
    make_post(ada, title="Scheduled for later", published_at=utcnow() + timedelta(days=3))
    newsletter.subscribe("reader@example.org")
    upcoming = events.create_event(events.EventInput(title="Spring symposium", precision="day", status="confirmed",
                                                     start_date=date.today() + timedelta(days=30)), by=ada)
    events.publish_event(upcoming, by=ada)
    past = events.create_event(events.EventInput(title="Old seminar", precision="day",
                                                 start_date=date(2024, 5, 1)), by=ada)
    events.publish_event(past, by=ada)
    teaser = events.create_event(events.EventInput(title="Summer school", precision="tba"), by=ada)
    events.publish_event(teaser, by=ada)
    events.create_event(events.EventInput(title="Unpublished plan", precision="tba"), by=ada)
    db.session.commit()
    return {"ada": ada, "lewis": lewis, "posts": made}


def _all_pages(client, url: str) -> list[dict]:
    items, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.data
        body = response.get_json()
        items += body["items"]
        if body["next"]:
            assert response.headers["Link"] == f'<{body["next"]}>; rel="next"'
        else:
            assert "Link" not in response.headers
        url, pages = body["next"], pages + 1
    return items, pages


def test_posts_are_published_ones_newest_first_paged_by_cursor(client, site):
    items, pages = _all_pages(client, "/api/v1/posts?limit=2")
    assert [p["title"] for p in items] == [f"Report {n}" for n in (4, 3, 2, 1, 0)]
    assert pages == 3
    first = items[0]
    assert first["url"] == "http://blog.test/posts/report-4"
    assert first["api_url"] == "http://blog.test/api/v1/posts/report-4"
    assert first["authors"] == [{"slug": "ada-okafor", "name": "Ada Okafor", "url": "http://blog.test/people/ada-okafor"}]
    assert first["tags"][0]["url"] == "http://blog.test/tags/talks"
    text = client.get("/api/v1/posts?limit=100").get_data(as_text=True)
    assert "secret draft" not in text and "Scheduled for later" not in text and "@example.org" not in text


def test_post_filters_by_tag_author_and_dates(client, site):
    def titles(query):
        return [p["title"] for p in client.get(f"/api/v1/posts?{query}").get_json()["items"]]

    assert titles("tag=workshops") == ["Report 2", "Report 1", "Report 0"]
    assert titles("author=lewis-hartley") == ["Report 3", "Report 1"]
    assert titles("tag=workshops&author=lewis-hartley") == ["Report 1"]
    assert titles("published_after=2025-02-01T00:00:00Z&published_before=2025-04-10T09:00:00%2B00:00") == [
        "Report 2", "Report 1"]
    assert titles("published_after=2025-03-10") == ["Report 4", "Report 3", "Report 2"]  # a day: from midnight UTC
    assert titles("tag=no-such-tag") == [] and titles("author=no-one") == []


def test_a_date_without_time_is_a_validation_problem(client, site):
    response = client.get("/api/v1/posts?published_after=yesterday")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and problem["type"] == "urn:blog:problem:validation-failed"
    assert "published_after" in problem["errors"]


def test_limit_is_bounded_and_cursors_are_checked(client, site):
    for bad in ("limit=0", "limit=101", "limit=ten"):
        assert client.get(f"/api/v1/posts?{bad}").status_code == 422
    assert client.get("/api/v1/posts?cursor=not%20a%20cursor").status_code == 422  # not base64url
    response = client.get("/api/v1/posts?cursor=bm90LWEtY3Vyc29y")  # base64url, not one of ours: no such page
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    tags_cursor = client.get("/api/v1/tags?limit=1").get_json()["next"].split("cursor=")[1]
    assert client.get(f"/api/v1/posts?cursor={tags_cursor}").status_code == 404


def test_one_post_by_slug_and_an_old_slug_redirects(client, site):
    post = site["posts"][0]
    assert client.get("/api/v1/posts/report-0").get_json()["id"] == post.id
    posts.save_post(post, posts.PostInput(title=post.title, body_markdown="x", slug="renamed"),
                    by=site["ada"], base_version=post.version)
    db.session.commit()
    moved = client.get("/api/v1/posts/report-0")
    assert moved.status_code == 301 and moved.headers["Location"] == "http://blog.test/api/v1/posts/renamed"
    for slug in ("a-secret-draft", "scheduled-for-later", "nothing"):
        missing = client.get(f"/api/v1/posts/{slug}")
        assert missing.status_code == 404 and missing.get_json()["title"] == "Not Found"


def test_events_lists_by_status(client, site):
    def titles(query=""):
        return [e["title"] for e in client.get(f"/api/v1/events{query}").get_json()["items"]]

    assert titles("?status=upcoming") == ["Spring symposium", "Summer school"]
    assert titles("?status=past") == ["Old seminar"]
    assert titles("?status=announced") == ["Summer school"]
    assert set(titles()) == {"Spring symposium", "Summer school", "Old seminar"}
    assert client.get("/api/v1/events?status=soon").status_code == 422
    items, pages = _all_pages(client, "/api/v1/events?limit=1")
    assert len(items) == 3 and pages == 3
    old = next(e for e in items if e["title"] == "Old seminar")
    assert old["status"] == "held" and old["start_date"] == "2024-05-01"


def test_tags_and_authors(client, site):
    tags = client.get("/api/v1/tags").get_json()["items"]
    assert [t["slug"] for t in tags] == ["talks", "workshops"]
    authors = client.get("/api/v1/authors").get_json()["items"]
    assert [a["slug"] for a in authors] == ["ada-okafor", "lewis-hartley"]  # not the uncredited one
    assert authors[0]["url"] == "http://blog.test/people/ada-okafor"
    assert "email" not in authors[0] and "@" not in client.get("/api/v1/authors").get_data(as_text=True)


def test_caching_headers_and_304_like_the_pages(client, site):
    first = client.get("/api/v1/posts")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get("/api/v1/posts", headers={"If-None-Match": etag})
    assert again.status_code == 304
    make_post(site["ada"], title="Fresh news")
    changed = client.get("/api/v1/posts", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["items"][0]["title"] == "Fresh news"


def test_requests_with_credentials_are_not_stored_nor_answered_from_the_store(client, site):
    stored = client.get("/api/v1/tags")
    assert stored.headers["Cache-Control"].startswith("public")
    with_token = client.get("/api/v1/tags", headers={"Authorization": "Bearer blogapi_whatever-it-is-12345"})
    assert with_token.status_code == 200
    assert with_token.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in with_token.headers


def test_unknown_api_addresses_and_methods_are_problems(client, site):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    response = client.post("/api/v1/posts")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]
    assert response.get_json() == {"type": "about:blank", "title": "Method Not Allowed", "status": 405,
                                   "detail": response.get_json()["detail"]}
    # the site's own pages still answer with HTML
    assert client.get("/no-such-page").mimetype == "text/html"


def test_openapi_document_is_3_1_and_lists_every_route(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    documented = {path.replace("{", "<").replace("}", ">") for path in spec["paths"]}
    routes = {rule.rule.replace("<int:", "<") for rule in app.url_map.iter_rules()
              if rule.endpoint.split(".")[0] in ("api", "api_admin")}
    assert routes == documented
    problem = spec["components"]["responses"]["NOT_FOUND"]["content"]
    assert list(problem) == ["application/problem+json"]
