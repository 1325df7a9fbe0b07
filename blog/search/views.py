"""``/search?q=`` for readers, and the editor's JSON search (link dialog, photo finder)."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import current_user, login_required

from blog.accounts.models import Role
from blog.accounts.services import require_role
from blog.errors import ValidationFailed
from blog.media import services as media
from blog.search import services
from blog.search.indexing import ALL_KINDS, PUBLIC_KINDS

bp = Blueprint("search", __name__)

PER_PAGE = 20
EDITOR_LIMIT = 10


def _kinds(allowed: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
    asked = [k.strip() for k in request.args.get("kinds", "").split(",") if k.strip()]
    return tuple(k for k in asked if k in allowed) or default


@bp.get("/search")
def index():
    """Results for ``q`` (not cached: one page per query would fill the page store).

    :raise 404: for a malformed ``cursor``.
    """
    query = request.args.get("q", "").strip()[:services.MAX_QUERY_CHARS]
    kinds = _kinds(PUBLIC_KINDS, PUBLIC_KINDS)
    try:
        page = services.search(query, kinds=kinds, limit=PER_PAGE, cursor=request.args.get("cursor"))
    except ValidationFailed:
        abort(404)
    kind_filter = request.args.get("kinds", "") if kinds != PUBLIC_KINDS else ""
    return render_template("search/index.html", query=query, page=page, kinds=kind_filter,
                           labels=services.KIND_LABELS, searchable=PUBLIC_KINDS,
                           more_from=request.args.get("cursor"))


def _json_result(result: services.Result, photos: dict) -> dict:
    item = {"kind": result.kind, "kind_label": result.kind_label, "label": result.title,
            "url": result.url, "title_html": str(result.title_html), "snippet_html": str(result.snippet),
            "tier": result.tier}
    photo = photos.get(result.slug) if result.kind == "photo" else None
    if photo is not None:
        item.update(key=photo.key, name=photo.label, alt_text=photo.alt_text, caption=photo.caption_markdown,
                    thumbnail=media.photo_url(photo, 480), directive=f"[[photo:{photo.key}]]")
    return item


@bp.get("/search/editor.json")
@login_required
def editor_search():
    """The editor's search: ``q``, ``kinds`` (comma-separated, default posts, pages, events and
    people; ``photo`` for the photo library), ``cursor``. The last word matches as a prefix (the
    dialogs search as the author types). Addresses are site-relative paths."""
    require_role(current_user, Role.CONTRIBUTOR, "search from the editor")
    query = request.args.get("q", "")
    kinds = _kinds((*ALL_KINDS, "tag"), ("post", "page", "event", "person"))
    try:
        page = services.search(query, kinds=kinds, limit=EDITOR_LIMIT, cursor=request.args.get("cursor"),
                               prefix=True)
    except ValidationFailed as error:
        return jsonify(error=error.message), 400
    tags = services.tags_named(query) if "tag" in kinds and not request.args.get("cursor") else []
    photos = {p.key: p for p in media.photos_by_keys([r.slug for r in page.results if r.kind == "photo"])}
    return jsonify(results=[_json_result(r, photos) for r in [*page.results, *tags]],
                   next_cursor=page.next_cursor)
