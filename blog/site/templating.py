"""Template globals and filters: site settings, dates in the site's time zone, absolute URLs."""
from __future__ import annotations

import calendar
import re
from datetime import datetime

from flask import current_app, url_for

from blog.core.time import isoformat_z, to_local


def absolute_url(endpoint: str, **values) -> str:
    """A full URL on ``SITE_URL`` (feeds, email, canonical links), whatever host the request used."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


_RELATIVE_ATTR = re.compile(r'(\s(?:href|src|poster)=")(/(?!/)[^"]*)"')
_SRCSET = re.compile(r'(\ssrcset=")([^"]*)"')


def absolutise_urls(html: str) -> str:
    """Stored HTML with site-relative ``href``/``src``/``srcset`` addresses made absolute on
    ``SITE_URL``: feed readers and mail clients read it far from the site, with no base URL."""
    site = current_app.config["SITE_URL"]
    html = _RELATIVE_ATTR.sub(lambda m: f'{m.group(1)}{site}{m.group(2)}"', html or "")

    def srcset(match: re.Match) -> str:
        candidates = [c.strip() for c in match.group(2).split(",")]
        return match.group(1) + ", ".join(
            site + c if c.startswith("/") and not c.startswith("//") else c for c in candidates) + '"'

    return _SRCSET.sub(srcset, html)


def register_template_helpers(app) -> None:
    from blog.posts.structured_data import post_json_ld
    from blog.site.services import get_settings

    from blog.accounts.models import Role
    from blog.core.time import utcnow

    app.jinja_env.globals.update(post_json_ld=post_json_ld, Role=Role, now=utcnow,
                                 month_name=lambda m: calendar.month_name[m])

    @app.context_processor
    def inject_site():
        return {"site": get_settings(), "absolute_url": absolute_url}

    @app.template_filter("local_date")
    def local_date(moment: datetime | None, fmt: str = "%-d %B %Y") -> str:
        if moment is None:
            return ""
        return to_local(moment, get_settings().timezone).strftime(fmt)

    @app.template_filter("local_datetime")
    def local_datetime(moment: datetime | None) -> str:
        return local_date(moment, "%-d %B %Y, %H:%M")

    @app.template_filter("iso")
    def iso(moment: datetime | None) -> str:
        return isoformat_z(moment) if moment else ""
