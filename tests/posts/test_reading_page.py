"""The reader's page in a real browser: measure, figures, pull quote, byline, dark scheme, print, screenshots.

``make screenshots`` (or ``pytest -k screenshots``) writes PNGs of the demo write-up, the home page,
``/events/`` and the write-up's editor at 1280 and 390 px, light and dark, into ``screenshots/``.
"""
from __future__ import annotations

import pytest

from blog.demo import ADMIN_EMAIL, WRITEUP_SLUG, create_demo_content
from blog.extensions import db
from tests.browsing import sign_in
from tests.conftest import PROJECT_ROOT
from tests.test_standards import crawl

pytestmark = pytest.mark.browser

SCREENSHOTS = PROJECT_ROOT / "screenshots"
WRITEUP = f"/posts/{WRITEUP_SLUG}"
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")

# Characters on every full line of the write-up's paragraphs (a paragraph's last line is not full).
CHARACTERS_PER_LINE = """() => {
  const counts = [];
  for (const paragraph of document.querySelectorAll('.post-body > p')) {
    const lines = new Map();
    const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getClientRects()[0];
        if (box) lines.set(Math.round(box.top), (lines.get(Math.round(box.top)) || 0) + 1);
      }
    }
    counts.push(...[...lines.entries()].sort((a, b) => a[0] - b[0]).map(entry => entry[1]).slice(0, -1));
  }
  return counts;
}"""

# Loads every lazy photo, so a full-page screenshot shows them all.
LOAD_ALL_PHOTOS = """async () => {
  for (const image of document.images) image.loading = 'eager';
  await Promise.all([...document.images].map(image => image.decode().catch(() => null)));
}"""


@pytest.fixture
def demo_site(live_server):
    with live_server.app.app_context():
        created = create_demo_content()
        db.session.commit()
        return live_server, created["password"], created["writeup"].id


def _open(browser, width, scheme="light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    return context, context.new_page()


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_screenshots_of_writeup_home_events_and_editor_at_1280_and_390_light_and_dark(demo_site, browser):
    server, password, writeup_id = demo_site
    pages = {"writeup": WRITEUP, "home": "/", "events": "/events/", "editor": f"/editor/posts/{writeup_id}"}
    SCREENSHOTS.mkdir(exist_ok=True)
    written, overflowing, backgrounds = [], [], set()
    for scheme in SCHEMES:
        for width in WIDTHS:
            context, page = _open(browser, width, scheme)
            loaded = []
            page.on("requestfinished", lambda request, loaded=loaded: loaded.append(request))
            for name, path in pages.items():
                if name == "editor":
                    sign_in(page, server.url, ADMIN_EMAIL, password)
                loaded.clear()
                page.goto(server.url + path)
                if name == "writeup":
                    page.wait_for_load_state("networkidle")
                    weight = sum(request.sizes()["responseBodySize"] for request in loaded)
                    scripts = [request.url for request in loaded if request.resource_type == "script"]
                    print(f"write-up at {width} px ({scheme}): {len(loaded)} requests, {weight / 1024:.0f} KiB "
                          f"before scrolling, {len(scripts)} scripts")
                    assert scripts == []
                page.evaluate(LOAD_ALL_PHOTOS)
                if _overflow(page) > 0:
                    overflowing.append(f"{path} at {width} px ({scheme})")
                backgrounds.add((scheme, page.evaluate("getComputedStyle(document.body).backgroundColor")))
                target = SCREENSHOTS / f"{name}-{width}-{scheme}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
            context.close()
    print(f"screenshots: {len(written)} PNGs in {SCREENSHOTS}")
    assert overflowing == []
    # Every page, the editor included, follows the reader's colour scheme.
    assert backgrounds == {("light", "rgb(253, 253, 252)"), ("dark", "rgb(19, 21, 25)")}
    assert all(path.stat().st_size > 10_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for path in written)


def test_writeup_reads_in_a_column_of_65_to_75_characters_with_wider_photos(demo_site, browser):
    server, _, _ = demo_site
    context, page = _open(browser, 1280)
    page.goto(server.url + WRITEUP)
    counts = page.evaluate(CHARACTERS_PER_LINE)
    assert len(counts) >= 10 and 65 <= sum(counts) / len(counts) <= 75, counts
    text, photo, feature = _box(page, ".post-body > p"), _box(page, ".post-body > figure.photo"), _box(page, ".feature-photo")
    # Centred on the page; photos (and the feature photo, above the text) run wider than the text.
    assert abs((text["x"] + text["width"] / 2) - 640) < 2
    assert photo["width"] > text["width"] + 150 and feature["width"] == photo["width"]
    assert feature["y"] < text["y"]
    # The feature photo, seen first, is not lazily loaded; photos further down are.
    assert page.get_attribute(".feature-photo img", "loading") is None
    assert page.get_attribute(".post-body > figure.photo img", "loading") == "lazy"
    # The pull quote is set large, in the text column, not as a tinted block quote.
    body_size = float(page.eval_on_selector(".post-body > p", "p => parseFloat(getComputedStyle(p).fontSize)"))
    quote_size = float(page.eval_on_selector(".pullquote blockquote", "q => parseFloat(getComputedStyle(q).fontSize)"))
    assert quote_size >= 1.4 * body_size
    context.close()

    context, page = _open(browser, 390)
    page.goto(server.url + WRITEUP)
    # On a phone the photos go edge to edge and nothing scrolls sideways.
    assert _box(page, ".post-body > figure.photo")["width"] == 390 and _box(page, ".feature-photo")["width"] == 390
    assert _overflow(page) == 0
    context.close()


def test_byline_credits_every_author_with_affiliation_date_and_reading_time(demo_site, browser):
    server, _, _ = demo_site
    context, page = _open(browser, 1280)
    page.goto(server.url + WRITEUP)
    authors = page.locator(".post-header .byline-authors li")
    assert authors.all_inner_texts() == ["Dr Amara Okafor\nUniversity of Northbridge",
                                         "Prof Lewis Hartley\nEastfield University & Riverside NHS Trust"]
    assert page.locator(".post-header .byline-meta").inner_text() == "14 March 2025 · 1 min read"
    # The event box and the tags close the write-up.
    assert "Online Harm and the People Who Cause It" in page.locator("aside.post-event").inner_text()
    assert page.locator(".post-footer a.tag").all_inner_texts() == ["Events", "Practitioners", "Workshops"]
    context.close()


def test_dark_scheme_follows_the_system_and_meets_wcag_21_aa(demo_site, browser, axe_violations):
    server, password, writeup_id = demo_site
    context, page = _open(browser, 1280, "dark")
    public = sorted(crawl(server.app.test_client(), ["/", "/about"], server.url))
    violations = []
    for path in public:
        page.goto(server.url + path)
        violations += [f"{path}: {v}" for v in axe_violations(page)]
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    sign_in(page, server.url, ADMIN_EMAIL, password)
    for path in ["/editor/", f"/editor/posts/{writeup_id}", "/events/editor/", "/media/", "/admin/settings"]:
        page.goto(server.url + path)
        violations += [f"signed in {path}: {v}" for v in axe_violations(page)]
    context.close()
    assert len(public) >= 8
    assert background == "rgb(19, 21, 25)"
    assert violations == [], "\n".join(violations)


def test_printed_writeup_has_no_navigation_or_forms_and_spells_out_external_links(demo_site, browser):
    server, _, _ = demo_site
    context, page = _open(browser, 1280)
    page.goto(server.url + WRITEUP)
    page.emulate_media(media="print")
    for selector in (".site-nav", ".site-footer", "form"):
        assert page.locator(selector).first.is_hidden(), selector
    after = page.eval_on_selector('.post-body > p a[href^="https://example.org"]',
                                  "a => getComputedStyle(a, '::after').content")
    assert after == '" (https://example.org/northbridge)"'
    for selector in (".post-body > figure.photo", ".pullquote", ".post-event"):
        assert page.eval_on_selector(selector, "e => getComputedStyle(e).breakInside") == "avoid", selector
    context.close()
