"""JSON-LD ``BlogPosting`` for a post page (schema.org)."""
from __future__ import annotations

from blog.core.time import isoformat_z
from blog.media.services import shared_image
from blog.posts.models import Post
from blog.posts.services import post_url
from blog.site.services import get_settings
from blog.core.urls import absolute_url


def post_json_ld(post: Post) -> dict:
    settings = get_settings()
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.excerpt,
        "url": post_url(post, external=True),
        "mainEntityOfPage": post_url(post, external=True),
        "dateModified": isoformat_z(post.updated_at),
        "author": [
            {"@type": "Person", "name": a.display_name,
             "url": absolute_url("posts.author", slug=a.slug),
             **({"affiliation": {"@type": "Organization", "name": a.affiliation}} if a.affiliation else {})}
            for a in post.authors
        ],
        "publisher": {"@type": "Organization", "name": settings.site_name,
                      "url": absolute_url("posts.home")},
        "keywords": [t.name for t in post.tags],
    }
    if post.published_at:
        data["datePublished"] = isoformat_z(post.published_at)
    if post.feature_photo is not None:
        image = shared_image(post.feature_photo)
        data["image"] = {"@type": "ImageObject", "url": image.url, "width": image.width, "height": image.height}
    return data
