"""JSON-LD ``BlogPosting`` for a post page (schema.org); also a ``ScholarlyArticle`` once it has a DOI
or a reference list, with the DOI as its identifier, authors' ORCID iDs and ROR affiliations."""
from __future__ import annotations

from blog.core.time import isoformat_z
from blog.media.services import shared_image
from blog.posts.models import Post
from blog.posts.services import post_url
from blog.scholarly import services as scholarly
from blog.site.services import get_settings
from blog.core.urls import absolute_url


def _person(user) -> dict:
    person = {"@type": "Person", "name": user.display_name, "url": absolute_url("people.person", slug=user.slug)}
    if user.orcid:
        person["@id"] = scholarly.orcid_url(user)
        person["sameAs"] = [scholarly.orcid_url(user)]
    if user.affiliation or user.ror:
        affiliation = {"@type": "Organization", "name": user.affiliation or scholarly.ror_url(user)}
        if user.ror:
            affiliation["@id"] = scholarly.ror_url(user)
        person["affiliation"] = affiliation
    return person


def post_json_ld(post: Post) -> dict:
    settings = get_settings()
    cited = scholarly.references(post.body_html)
    data = {
        "@context": "https://schema.org",
        "@type": ["BlogPosting", "ScholarlyArticle"] if post.doi or cited else "BlogPosting",
        "@id": scholarly.doi_url(post.doi) if post.doi else post_url(post, external=True),
        "headline": post.title,
        "description": post.excerpt,
        "url": post_url(post, external=True),
        "mainEntityOfPage": post_url(post, external=True),
        "dateModified": isoformat_z(post.updated_at),
        "author": [_person(a) for a in post.authors],
        "inLanguage": scholarly.post_language(post, settings),
        "license": scholarly.post_licence(post, settings).url,
        "isAccessibleForFree": True,
        "publisher": {"@type": "Organization", "name": settings.site_name,
                      "url": absolute_url("posts.home")},
        "keywords": [t.name for t in post.tags],
    }
    if post.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": post.doi,
                              "url": scholarly.doi_url(post.doi)}
    if cited:
        data["citation"] = cited
    if post.published_at:
        data["datePublished"] = isoformat_z(post.published_at)
    if post.feature_photo is not None:
        image = shared_image(post.feature_photo)
        data["image"] = {"@type": "ImageObject", "url": image.url, "width": image.width, "height": image.height}
    return data
