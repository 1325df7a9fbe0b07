"""Every page of the demo site, public and editor, checked against the standards we promise.

The pages are found by crawling: start at the home page (and, signed in, at the
editor), follow every same-site link, keep every HTML answer. Pages that
features add later are checked without touching this file.

- HTML5 validity: the Nu HTML Checker (npm ``vnu-jar``) reports no error on any page.
- WCAG 2.1 AA: axe-core, run in Chromium on the public pages, reports no violation.
- Privacy: a reader's browser requests nothing from another origin and receives no cookie.
"""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from blog.demo import ADMIN_EMAIL, create_demo_content
from blog.extensions import db
from tests.browsing import record_requests

# Pages whose purpose is an action, not content: following them would sign the crawler out.
NOT_CRAWLED = ("/logout",)
MAX_PAGES = 150


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def crawl(client, start_paths: list[str], site_url: str) -> dict[str, str]:
    """Follow same-site links from ``start_paths``; return {path: html} of every HTML page."""
    site = urlsplit(site_url)
    pages: dict[str, str] = {}
    queue = list(start_paths)
    seen = set(queue)
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[path] = html
        collector = _LinkCollector()
        collector.feed(html)
        for href in collector.links:
            absolute = urldefrag(urljoin(site_url + path, href)).url
            parts = urlsplit(absolute)
            if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen and not local.startswith(NOT_CRAWLED):
                seen.add(local)
                queue.append(local)
    return pages


@pytest.fixture
def demo_app(app):
    with app.app_context():
        created = create_demo_content()
        db.session.commit()
        return app, created["password"]


def _signed_in_client(app, password):
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": password})
    assert response.status_code == 302
    return client


def test_every_public_and_editor_page_is_valid_html5(demo_app, html_errors):
    app, password = demo_app
    public = crawl(app.test_client(), ["/", "/about", "/login", "/does-not-exist"], app.config["SITE_URL"])
    editor = crawl(_signed_in_client(app, password), ["/editor/", "/admin/settings", "/admin/people",
                                                      "/account/profile"], app.config["SITE_URL"])
    pages = {**public, **{f"signed-in {path}": html for path, html in editor.items()}}
    assert len(public) >= 8 and len(editor) >= 8, (sorted(public), sorted(editor))

    errors = html_errors(pages)
    assert errors == [], "\n".join(errors)


def _demo_on(live_server):
    with live_server.app.app_context():
        create_demo_content()
        db.session.commit()
    return crawl(live_server.app.test_client(), ["/", "/about"], live_server.url)


@pytest.mark.browser
def test_public_pages_meet_wcag_21_aa_and_load_nothing_from_elsewhere(live_server, browser, axe_violations):
    paths = sorted(_demo_on(live_server), key=lambda path: (path.startswith("/login"), path))
    context = browser.new_context()
    page = context.new_page()
    requested = record_requests(page)
    violations, cookie_pages = [], []
    for path in paths:
        page.goto(live_server.url + path)
        if context.cookies() and not cookie_pages:
            cookie_pages.append(path)
        violations += [f"{path}: {v}" for v in axe_violations(page)]
    foreign = [url for url in requested if not url.startswith(live_server.url)]
    context.close()
    assert violations == [], "\n".join(violations)
    assert foreign == []
    # Only the sign-in form sets a cookie (its CSRF session); reading the site sets none.
    assert cookie_pages in ([], ["/login"])
