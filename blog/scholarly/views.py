"""Citable posts: citation downloads of a post, and the admin's scholarly readiness page."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

from blog import citations
from blog.accounts.models import Role
from blog.accounts.services import require_role
from blog.core.cache import cached_page
from blog.core.time import utcnow
from blog.core.urls import absolute_url
from blog.posts import services as posts
from blog.posts.models import Post
from blog.scholarly import services
from blog.site.services import content_stamp, get_settings

bp = Blueprint("scholarly", __name__)

# Download format (the file extension) → (writer, media type).
DOWNLOADS = {
    "bib": (citations.bibtex, "application/x-bibtex"),
    "ris": (citations.ris, "application/x-research-info-systems"),
    "json": (citations.csl_json, "application/vnd.citationstyles.csl+json"),
}


def post_citation(post: Post) -> dict:
    """What a post page shows about citing it: the CSL item, licence, DOI and language."""
    settings = get_settings()
    return {
        "item": services.csl_item(post, settings, absolute_url("posts.post", slug=post.slug)),
        "licence": services.post_licence(post, settings),
        "language": services.post_language(post, settings),
        "doi_url": services.doi_url(post.doi) if post.doi else None,
    }


@bp.app_context_processor
def _citation_helpers() -> dict:
    return {"post_citation": post_citation, "orcid_url": services.orcid_url,
            "citation_styles": lambda item: {label: citations.formatted(item, style)
                                             for label, style in citations.STYLES.items()}}


@bp.get("/posts/<slug>/cite.<any(bib, ris, json):kind>")
@cached_page(content_stamp)
def cite(slug: str, kind: str):
    """The post's citation as a file for reference managers.

    :raise 404: unless the post is visible (an old slug answers 301 to the new address).
    """
    found, moved_to = posts.visible_post_by_slug(slug)
    if moved_to:
        return redirect(url_for("scholarly.cite", slug=moved_to, kind=kind), 301)
    writer, mimetype = DOWNLOADS[kind]
    item = services.csl_item(found, get_settings(), absolute_url("posts.post", slug=found.slug))
    response = current_app.response_class(writer(item), content_type=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{found.slug}.{kind}"'
    return response


@bp.get("/admin/settings/scholarly-readiness")
@login_required
def readiness():
    require_role(current_user, Role.ADMIN, "check the site's scholarly readiness")
    checks = services.readiness(settings=get_settings(), site_url=current_app.config["SITE_URL"],
                                now=utcnow(), url_for=url_for)
    return render_template("scholarly/readiness.html",
                           required=[c for c in checks if c.required],
                           recommended=[c for c in checks if not c.required])
