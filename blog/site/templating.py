"""Template globals and filters: site settings, dates in the site's time zone, absolute URLs."""
from __future__ import annotations

import calendar
from datetime import datetime

from blog.core.time import isoformat_z, to_local
from blog.core.urls import absolute_path, absolute_url


def register_template_helpers(app) -> None:
    from blog.posts.structured_data import post_json_ld
    from blog.site.services import get_settings, menu_links

    from blog.accounts.models import Role
    from blog.core.time import utcnow

    from blog.posts.services import post_url

    app.jinja_env.globals.update(post_json_ld=post_json_ld, Role=Role, now=utcnow, post_url=post_url, menu_links=menu_links,
                                 month_name=lambda m: calendar.month_name[m])

    @app.context_processor
    def inject_site():
        return {"site": get_settings(), "absolute_url": absolute_url, "absolute_path": absolute_path}

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
