"""Absolute URLs: the only way the application builds an address with a scheme and host.

Emails, feeds, canonical links, CLI commands and workers all call these, and
they build on ``SITE_URL`` alone, never on the request's ``Host`` or
``X-Forwarded-Host`` (which an attacker chooses: a reset link built from them
would mail the victim's token to the attacker's host). They need an application
context but no request, so a worker started in another terminal builds the same
links as the web server. ``tests/core/test_urls.py`` fails if any other module
builds absolute URLs itself.
"""
from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from flask import current_app


def site_url() -> str:
    """The site's address without a trailing slash, e.g. ``https://blog.example.org``."""
    return current_app.config["SITE_URL"]


def absolute_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as a full URL on ``SITE_URL`` (including any path prefix in it)."""
    parts = urlsplit(site_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return url + (f"#{quote(anchor, safe='')}" if anchor else "")


def absolute_path(path: str) -> str:
    """A site-relative path (``/media/...``) as a full URL on ``SITE_URL``."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"not a site-relative path: {path!r}")
    return site_url() + path


_RELATIVE_ATTR = re.compile(r'(\s(?:href|src|poster)=")(/(?!/)[^"]*)"')
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')
_FRAGMENT_HREF = re.compile(r'(\shref=")(#[^"]*)"')


def anchors_on(html: str, page_url: str) -> str:
    """In-page links (``href="#fn-…"``, footnotes) pointed at ``page_url``: a feed entry or an
    email holding several posts is not the page, and has no such anchors of its own."""
    return _FRAGMENT_HREF.sub(lambda m: f'{m.group(1)}{page_url}{m.group(2)}"', html or "")


def absolutise_urls(html: str, *, page_url: str | None = None) -> str:
    """Stored HTML with site-relative ``href``/``src``/``srcset`` addresses made absolute on
    ``SITE_URL``: feed readers and mail clients read it far from the site, with no base URL.

    Given the ``page_url`` the HTML is shown at, in-page links point there too (``anchors_on``).
    """
    html = _RELATIVE_ATTR.sub(lambda m: f'{m.group(1)}{absolute_path(m.group(2))}"', html or "")
    if page_url:
        html = anchors_on(html, page_url)

    def srcset(match: re.Match) -> str:
        candidates = [c.strip() for c in match.group(2).split(",")]
        return match.group(1) + ", ".join(
            absolute_path(c) if c.startswith("/") and not c.startswith("//") else c for c in candidates) + '"'

    return _SRCSET.sub(srcset, html)
