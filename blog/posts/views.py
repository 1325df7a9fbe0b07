"""Public pages for posts: home, post, tag, author, archive and secret previews."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import MethodNotAllowed

from blog.core.cache import cached_page
from blog.core import usage
from blog.core.time import utcnow
from blog.errors import NotFound, ValidationFailed
from blog.posts import services
from blog.posts.models import PostKind
from blog.site.services import content_stamp

bp = Blueprint("posts", __name__)


@bp.record_once
def _register_usages(state) -> None:
    for kind in ("photo", "snapshot"):
        usage.register_finder(kind, partial(services.posts_showing, kind))


def _page(*conditions):
    try:
        return services.page_of_posts(
            *conditions,
            per_page=current_app.config["POSTS_PER_PAGE"],
            before=request.args.get("before"),
            after=request.args.get("after"),
        )
    except ValidationFailed:
        abort(404)


@bp.get("/")
@cached_page(content_stamp)
def home():
    return render_template("posts/home.html", page=_page())


@bp.get("/posts/<slug>")
@cached_page(content_stamp)
def post(slug: str):
    """:raise 404: unless the post is visible; an old slug answers 301 to the new address."""
    found, moved_to = services.visible_post_by_slug(slug)
    if moved_to:
        return redirect(url_for("posts.post", slug=moved_to), 301)
    if services.is_page(found):
        return redirect(services.post_url(found), 301)
    return render_template("posts/post.html", post=found, preview=False)


@bp.get("/<slug>")
@cached_page(content_stamp)
def page(slug: str):
    """A standalone page (About, Join us) at the site root; its slug can never be a route's
    (``services.reserved_page_slugs``), so this rule only answers what no other rule does.

    :raise 404: unless a visible page has this slug; an old slug answers 301.
    """
    try:
        found, moved_to = services.visible_post_by_slug(slug, kind=PostKind.PAGE)
    except NotFound:
        # Another route may have this address for other methods (POST /logout): answer as if
        # there were no page rule, which would otherwise shadow werkzeug's 405.
        owned = set(current_app.url_map.bind_to_environ(request.environ).allowed_methods())
        owned -= {"GET", "HEAD", "OPTIONS"}
        if owned:
            raise MethodNotAllowed(valid_methods=sorted(owned))
        abort(404)  # exactly the answer of an address no route has (HTML, or JSON to scripts)
    if moved_to:
        return redirect(url_for("posts.page", slug=moved_to), 301)
    return render_template(services.reading_template(found), post=found, preview=False)


@bp.get("/preview/<token>")
def preview(token: str):
    """A draft shown to anyone with the secret link; never indexed or cached."""
    found = services.post_for_preview(token)
    response = current_app.make_response(render_template(services.reading_template(found), post=found, preview=True))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/tags/<slug>")
@cached_page(content_stamp)
def tag(slug: str):
    found = services.tag_by_slug(slug)
    return render_template("posts/tag.html", tag=found, page=_page(services.tag_condition(found)))


@bp.get("/authors/<slug>")
def author(slug: str):
    """Author pages moved to the people pages (``/people/<slug>``), paging included."""
    return redirect(url_for("people.person", slug=slug, **request.args), 301)


@bp.get("/archive/")
@cached_page(content_stamp)
def archive():
    years = services.archive_years()
    return render_template("posts/archive.html", years=[(y, services.archive_months(y)) for y in years])


@bp.get("/archive/<int:year>/")
@bp.get("/archive/<int:year>/<int:month>/")
@cached_page(content_stamp)
def archive_period(year: int, month: int | None = None):
    if not (1900 <= year <= utcnow().year + 1) or (month is not None and not 1 <= month <= 12):
        abort(404)
    page = _page(services.month_condition(year, month))
    return render_template("posts/archive_period.html", year=year, month=month, page=page)
