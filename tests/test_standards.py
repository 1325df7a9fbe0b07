"""Every page of the demo site, public and editor, checked against the standards we promise.

The pages are found by crawling: start at the home page and the pages emails link
to (and, signed in, at the editor and admin pages), follow every same-site link and
form target, keep every HTML answer. Pages that features add later are checked
without touching this file.

- HTML5 validity: the Nu HTML Checker (npm ``vnu-jar``) reports no error on any page.
- In Chromium, at 1280 and 390 px wide, public, signed in as admin and on the pages emails
  link to: no horizontal overflow, no axe-core WCAG 2.1 AA violation, no console error,
  failed request or error answer (favicon included).
- Privacy: a reader's browser requests nothing from another origin and receives no cookie.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from blog.demo import ADMIN_EMAIL, create_demo_content
from blog.extensions import db
from blog.newsletter import services as newsletter
from blog.newsletter.models import Subscriber
from tests.browsing import record_requests, sign_in

# Pages whose purpose is an action, not content: following them would sign the crawler out.
NOT_CRAWLED = ("/logout",)
MAX_PAGES = 150


class _LinkCollector(HTMLParser):
    """Links and form targets: a page reached by a form (``/newsletter/subscribe``) is a page too;
    a target that only takes POST answers 405 to the crawler's GET and is left out."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        target = dict(attrs).get({"a": "href", "form": "action"}.get(tag, ""))
        if target:
            self.links.append(target)


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


SIGNED_IN_STARTS = ["/editor/", "/admin/settings", "/admin/people", "/account/profile", "/newsletter/admin/",
                    "/media/", "/embeds/", "/events/editor/"]


def email_link_paths() -> list[str]:
    """The pages people reach only from an email: confirm (a new address), preferences, unsubscribe."""
    outcome = newsletter.subscribe("new.reader@university.ac.uk", name="New Reader")
    link = newsletter.confirmation_link(outcome.subscriber, outcome.requested)
    subscribed = db.session.execute(db.select(Subscriber).where(Subscriber.status == "subscribed")).scalars().first()
    token = newsletter.subscriber_token(subscribed)
    db.session.commit()
    return [urlsplit(link).path, f"/newsletter/preferences/{token}", f"/newsletter/unsubscribe/{token}"]


@pytest.fixture
def demo_app(app):
    with app.test_request_context():
        created = create_demo_content()
        db.session.commit()
        return app, created["password"], email_link_paths()


def _signed_in_client(app, password):
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": password})
    assert response.status_code == 302
    return client


def test_every_public_and_editor_page_is_valid_html5(demo_app, html_errors):
    app, password, email_pages = demo_app
    public = crawl(app.test_client(), ["/", "/about", "/login", "/does-not-exist", *email_pages],
                   app.config["SITE_URL"])
    editor = crawl(_signed_in_client(app, password), SIGNED_IN_STARTS, app.config["SITE_URL"])
    pages = {**public, **{f"signed-in {path}": html for path, html in editor.items()}}
    assert len(public) >= 8 and len(editor) >= 8, (sorted(public), sorted(editor))

    errors = html_errors(pages)
    assert errors == [], "\n".join(errors)


def _browser_signed_in_client(live_server, password):
    """A test client signed in through the real form (CSRF on, as in the browser)."""
    client = live_server.app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": password, "csrf_token": token})
    assert response.status_code == 302
    return client


MISSING_PAGE = "/does-not-exist"
WIDTHS = (1280, 390)
# Elements wider than the viewport: what overflows, to name it in the failure.
OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > width + 1 && el.getClientRects().length)
        .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1)
        .slice(0, 5)
        .map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
                   + ' (' + Math.round(el.getBoundingClientRect().right) + 'px)');
}"""


DUPLICATE_IDS = """() => {
    const ids = [...document.querySelectorAll('[id]')].map(el => el.id);
    return [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
}"""


class PageChecker:
    """Visits pages in one browser context and collects every problem it sees on them.

    At each width: horizontal overflow (``scrollWidth > innerWidth``) and axe's
    WCAG 2.1 AA violations; on every load: console errors, failed requests and
    answers of 400 and above (a missing favicon included).
    """

    def __init__(self, context, base_url, axe_violations):
        self.page = context.new_page()
        self.page.set_default_timeout(20_000)
        self.base_url = base_url
        self.axe_violations = axe_violations
        self.problems: list[str] = []
        self.current = ""
        self.expected_status: dict[str, int] = {}
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.current}: script error: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def _console(self, message):
        # The browser logs every error answer, the expected one of a missing page included.
        if message.type == "error" and self.expected_status.get(
                message.location.get("url", "").removeprefix(self.base_url)) in (None, 200):
            self.problems.append(f"{self.current}: console error: {message.text} ({message.location.get('url')})")

    def _request_failed(self, request):
        # ERR_ABORTED: the browser itself dropped the request (a lazy image when the crawler moved on).
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"{self.current}: request failed: {request.url} {request.failure}")

    def _response(self, response):
        path = response.url.removeprefix(self.base_url)
        if response.status >= 400 and self.expected_status.get(path) != response.status:
            self.problems.append(f"{self.current}: {response.status} for {response.url}")

    def check(self, path: str, expected_status: int = 200) -> None:
        self.current = path
        self.expected_status = {path: expected_status}
        self.page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response.status == expected_status, path
        duplicates = self.page.evaluate(DUPLICATE_IDS)
        if duplicates:
            self.problems.append(f"{path}: duplicate id: {', '.join(duplicates)}")
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            overflow = self.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                culprits = ", ".join(self.page.evaluate(OVERFLOWING))
                self.problems.append(f"{path} at {width}px: {overflow}px wider than the screen: {culprits}")
            self.problems += [f"{path} at {width}px: {v}" for v in self.axe_violations(self.page)]


@pytest.mark.browser
def test_every_page_fits_390_and_1280_px_meets_wcag_and_loads_without_errors(live_server, browser,
                                                                             axe_violations):
    """Every page of the demo site, public, signed in as admin and reached from emails."""
    with live_server.app.test_request_context():
        password = create_demo_content()["password"]
        db.session.commit()
        email_pages = email_link_paths()
    app, url = live_server.app, live_server.url
    # Pages with a form of their own (sign-in, the email links' buttons) come last: they may set
    # a CSRF session cookie; reading never does.
    form_pages = ("/login", *email_pages)
    public = sorted(crawl(app.test_client(), ["/", "/about", *email_pages], url),
                    key=lambda path: (path.startswith(form_pages), path))
    signed_in = sorted(crawl(_browser_signed_in_client(live_server, password), SIGNED_IN_STARTS, url))
    assert len(public) >= 15 and len(signed_in) >= 30, (public, signed_in)
    assert set(email_pages) <= set(public)

    reader = browser.new_context()
    requested = record_requests(reader)
    checker = PageChecker(reader, url, axe_violations)
    cookie_pages = []
    for path in [*public, MISSING_PAGE]:
        checker.check(path, 404 if path == MISSING_PAGE else 200)
        if reader.cookies() and not cookie_pages:
            cookie_pages.append(path)
    reader.close()

    admin = browser.new_context()
    admin_checker = PageChecker(admin, url, axe_violations)
    sign_in(admin_checker.page, url, ADMIN_EMAIL, password)
    for path in signed_in:
        admin_checker.check(path)
    admin.close()

    problems = checker.problems + [f"signed in {problem}" for problem in admin_checker.problems]
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)
    assert [u for u in requested if not u.startswith(url)] == []
    assert cookie_pages == [] or cookie_pages[0].startswith(form_pages), cookie_pages
