"""Photos: upload, details, replacement, deletion, rendering into posts, and the alt-text rule.

Functions take the acting user as ``by``, flush and never commit. Files are
written only after a photo has fully decoded; the caller deletes the files a
service reports obsolete after its commit.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core import usage
from blog.core.markdown import directives_in, render_inline
from blog.core.signals import directive_output_changed, photo_changed, post_publishing, total
from blog.core.time import utcnow
from blog.core.urls import absolute_path
from blog.errors import NotAllowed, NotFound, ValidationFailed
from blog.extensions import db
from blog.media.images import Prepared, prepare_image, prepare_logo
from blog.media.models import Photo
from blog.media.storage import get_storage
from blog.posts.models import Post
from blog.posts.services import require_edit

MAX_ALT_LENGTH = 1000
# Photos run wider than the text (site.css: --wide, 54rem of the 18 px root = 972 px), edge to edge on a phone.
# In ``sizes`` a rem is the browser's default 16 px, not the page's root, hence pixels.
SIZES = "(min-width: 1040px) 972px, 100vw"
GALLERY_SIZES = "(min-width: 1040px) 480px, 50vw"
CARD_SIZES = "(min-width: 40rem) 14rem, 100vw"  # a listing's card: beside the text, or above it on a phone
KEY_PATTERN = re.compile(r"^[a-z0-9]{4,16}$")


# --- upload ----------------------------------------------------------------------------------

def _prepare(data: bytes, filename: str) -> Prepared:
    config = current_app.config
    return prepare_image(data, filename, max_bytes=config["MAX_UPLOAD_BYTES"],
                         max_pixels=config["MAX_IMAGE_PIXELS"])


def logo_png(data: bytes, filename: str, *, max_bytes: int) -> bytes:
    """The site logo, checked and decoded as photos are, as a PNG of at most 600 × 600 pixels.

    :raise ValidationFailed: as :func:`store_photo` does.
    """
    return prepare_logo(data, filename, max_bytes=max_bytes, max_pixels=current_app.config["MAX_IMAGE_PIXELS"])


def _new_key() -> str:
    while True:
        key = secrets.token_hex(4)
        if not db.session.execute(db.select(Photo.id).where(Photo.key == key)).first():
            return key


def _apply_prepared(photo: Photo, prepared: Prepared) -> None:
    storage = get_storage()
    for variant in prepared.variants:
        storage.save(variant.name, variant.data)
    photo.source_format = prepared.source_format
    photo.content_hash = prepared.content_hash
    photo.width, photo.height = prepared.width, prepared.height
    photo.variants = {
        f"{v.fmt}-{v.width}": {"name": v.name, "width": v.width, "height": v.height, "bytes": len(v.data)}
        for v in prepared.variants
    }


def _clean_filename(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:255] or "photo"


def store_photo(data: bytes, filename: str, *, by: User) -> Photo:
    """Decode an upload, make its variants and record it.

    :raise ValidationFailed: for anything that is not a decodable photo within
        the size and pixel limits (nothing is stored then).
    :raise NotAllowed: for people who cannot write posts.
    """
    require_role(by, Role.CONTRIBUTOR, "upload photos")
    filename = _clean_filename(filename)
    prepared = _prepare(data, filename)
    photo = Photo(key=_new_key(), original_name=filename, uploaded_by_id=by.id,
                  alt_text="", caption_markdown="", caption_html="", credit="")
    _apply_prepared(photo, prepared)
    db.session.add(photo)
    db.session.flush()
    return photo


def can_manage(photo: Photo, user: User) -> bool:
    """Authors and above may describe any photo; contributors their own uploads."""
    return user.can(Role.AUTHOR) or photo.uploaded_by_id == user.id


def update_photo(photo: Photo, *, by: User, alt_text: str | None = None, caption: str | None = None,
                 credit: str | None = None) -> Photo:
    """Change a photo's words; posts showing it are re-rendered when anything changed."""
    require_role(by, Role.CONTRIBUTOR, "describe photos")
    if not can_manage(photo, by):
        raise NotAllowed("You can describe only the photos you uploaded.")
    usage.require_change("photo", photo, by=by)
    before = (photo.alt_text, photo.caption_markdown, photo.credit)
    if alt_text is not None:
        alt_text = " ".join(alt_text.split())
        if len(alt_text) > MAX_ALT_LENGTH:
            raise ValidationFailed(f"Keep alt text under {MAX_ALT_LENGTH} characters.", field="alt_text")
        photo.alt_text = alt_text
    if caption is not None:
        photo.caption_markdown = caption.strip()
        photo.caption_html = render_inline(photo.caption_markdown)
    if credit is not None:
        photo.credit = " ".join(credit.split())[:300]
    if (photo.alt_text, photo.caption_markdown, photo.credit) != before:
        photo.updated_at = utcnow()
        db.session.flush()
        rerender_posts_showing(photo)
    return photo


def replace_photo(photo: Photo, data: bytes, filename: str, *, by: User) -> list[str]:
    """Put a new picture behind the same key: every post showing it shows the new one.

    Returns the names of files no longer used (delete them after the commit).
    """
    if not (by.can(Role.EDITOR) or photo.uploaded_by_id == by.id):
        raise NotAllowed("Only editors and the person who uploaded a photo can replace it.")
    usage.require_change("photo", photo, by=by)
    old_names = set(photo.file_names)
    prepared = _prepare(data, _clean_filename(filename))
    _apply_prepared(photo, prepared)
    photo.original_name = _clean_filename(filename)
    photo.updated_at = utcnow()
    db.session.flush()
    rerender_posts_showing(photo)
    return sorted(old_names - set(photo.file_names) - _names_used_elsewhere(photo))


def delete_photo(photo: Photo, *, by: User) -> list[str]:
    """Delete a photo no post uses. Returns its file names (delete them after the commit)."""
    if not (by.can(Role.EDITOR) or photo.uploaded_by_id == by.id):
        raise NotAllowed("Only editors and the person who uploaded a photo can delete it.")
    usage.require_unused("photo", photo, noun="photo")
    names = set(photo.file_names) - _names_used_elsewhere(photo)
    db.session.delete(photo)
    db.session.flush()
    return sorted(names)


def _names_used_elsewhere(photo: Photo) -> set[str]:
    """Files are content-addressed: the same upload twice shares them."""
    others = db.session.execute(
        db.select(Photo).where(Photo.content_hash == photo.content_hash, Photo.id != photo.id)
    ).scalars()
    return {name for other in others for name in other.file_names}


def delete_files(names: list[str]) -> None:
    storage = get_storage()
    for name in names:
        storage.delete(name)


# --- finding ---------------------------------------------------------------------------------

def photo_by_key(key: str) -> Photo:
    photo = db.session.execute(db.select(Photo).where(Photo.key == key)).scalar_one_or_none() \
        if KEY_PATTERN.match(key or "") else None
    if photo is None:
        raise NotFound("There is no such photo.")
    return photo


def photos_by_keys(keys: list[str]) -> list[Photo]:
    """The photos for ``keys``, in that order; unknown keys are skipped."""
    wanted = [k for k in keys if KEY_PATTERN.match(k)]
    if not wanted:
        return []
    found = {p.key: p for p in db.session.execute(db.select(Photo).where(Photo.key.in_(wanted))).scalars()}
    return [found[k] for k in wanted if k in found]


def photo_keys_in(markdown_text: str) -> list[str]:
    """Keys of the photos a Markdown text shows, single or in galleries, in order, once each."""
    keys: list[str] = []
    for kind, key in directives_in(markdown_text):
        if kind == "photo":
            keys.append(key)
        elif kind == "gallery":
            keys.extend(k.strip() for k in key.split(",") if k.strip())
    return list(dict.fromkeys(keys))


def library(search: str = "", *, limit: int = 200) -> list[Photo]:
    """Uploads, newest first; with ``search``, the photos whose alt text, caption, credit or file
    name has every word (the last one as a prefix), through the site's search: alt text matches
    first, then captions, then the rest, newest first within each."""
    if search.strip():
        from blog.search import services as search_service  # search indexes photos: imported when used

        found = search_service.search(search, kinds=("photo",), limit=limit, prefix=True)
        keys = [result.slug for result in found.results]
        photos = {photo.key: photo for photo in photos_by_keys(keys)}
        return [photos[key] for key in keys if key in photos]
    query = db.select(Photo)
    return list(db.session.execute(query.order_by(Photo.created_at.desc(), Photo.id.desc()).limit(limit)).scalars())


def rerender_posts_showing(photo: Photo) -> int:
    """Bring the stored HTML of everything showing ``photo`` up to date (through ``photo_changed``)."""
    return total(photo_changed.send(photo))


@photo_changed.connect
def _rerender_directives_showing(photo: Photo) -> int:
    """Ask for the re-rendering of every photo directive and gallery naming ``photo``."""
    galleries: set[str] = set()
    for body in db.session.execute(
        db.select(Post.body_markdown).where(Post.body_markdown.contains("[[gallery:"),
                                            Post.body_markdown.contains(photo.key))
    ).scalars():
        for kind, key in directives_in(body):
            if kind == "gallery" and photo.key in key.split(","):
                galleries.add(key)
    return total(directive_output_changed.send("photo", key=photo.key)) + sum(
        total(directive_output_changed.send("gallery", key=key)) for key in sorted(galleries))


# --- posts: feature photo and the alt-text rule ------------------------------------------------

def set_feature_photo(post, key: str | None, *, by: User) -> None:
    require_edit(post, by)
    try:
        photo = photo_by_key(key) if key else None
    except NotFound:
        raise ValidationFailed("The chosen feature photo does not exist any more.", field="title") from None
    if (photo.id if photo else None) != post.feature_photo_id:
        post.feature_photo = photo
        post.feature_photo_id = photo.id if photo else None
        post.updated_at = utcnow()
        db.session.flush()


def photos_missing_alt_text(post) -> list[Photo]:
    photos = photos_by_keys(photo_keys_in(post.body_markdown))
    if post.feature_photo_id and post.feature_photo is not None and post.feature_photo not in photos:
        photos.append(post.feature_photo)
    return [p for p in photos if not p.alt_text.strip()]


@post_publishing.connect
def require_alt_text(post) -> None:
    """:raise ValidationFailed: naming every photo of the post that has no alt text yet."""
    missing = photos_missing_alt_text(post)
    if missing:
        names = ", ".join(f"“{p.label}”" for p in missing)
        raise ValidationFailed(
            f"Before publishing, describe every photo for people who cannot see it: "
            f"{names} {'has' if len(missing) == 1 else 'have'} no alt text.", field="body")


# --- rendering -------------------------------------------------------------------------------

def _variant(photo: Photo, width: int, fmt: str = "jpeg") -> dict:
    """The narrowest ``fmt`` variant at least ``width`` wide (else the widest)."""
    variants = photo.variant_list(fmt)
    return next((v for v in variants if v["width"] >= width), variants[-1])


def photo_url(photo: Photo, width: int = 960, fmt: str = "jpeg", external: bool = False) -> str:
    return file_url(_variant(photo, width, fmt)["name"], external=external)


@dataclass(frozen=True)
class SharedImage:
    """One JPEG variant of a photo for places outside the page: OpenGraph, JSON-LD, feed enclosures."""

    url: str
    width: int
    height: int
    length: int
    alt_text: str
    mime_type: str = "image/jpeg"


def shared_image(photo: Photo, width: int = 1600) -> SharedImage:
    chosen = _variant(photo, width)
    return SharedImage(url=file_url(chosen["name"], external=True), width=chosen["width"],
                       height=chosen["height"], length=chosen["bytes"], alt_text=photo.alt_text)


def file_url(name: str, *, external: bool = False) -> str:
    # Absolute from SITE_URL, not the request: stored HTML is rendered once, on save, even from the CLI.
    path = f"/media/photos/{name}"
    return absolute_path(path) if external else path


def _srcset(photo: Photo, fmt: str) -> str:
    return ", ".join(f"{file_url(v['name'])} {v['width']}w" for v in photo.variant_list(fmt))


def _template(name: str):
    return current_app.jinja_env.get_template(name)


def figure_context(photo: Photo, sizes: str = SIZES) -> dict:
    """What ``media/_figure.html`` needs. ``width``/``height`` are those of the ``src`` file: a
    reader that ignores ``srcset`` (feed readers, mail clients) sizes the picture from them."""
    fallback = _variant(photo, 960)
    return {
        "photo": photo,
        "src": file_url(fallback["name"]),
        "width": fallback["width"],
        "height": fallback["height"],
        "srcset_jpeg": _srcset(photo, "jpeg"),
        "srcset_webp": _srcset(photo, "webp"),
        "sizes": sizes,
        "caption": Markup(photo.caption_html or ""),
    }


def render_photo_figure(photo: Photo, *, css_class: str = "photo", eager: bool = False) -> Markup:
    """``<figure>`` with a responsive ``<img>`` and the caption and credit; the image loads lazily
    unless ``eager`` (a photo at the top of the page, which the reader sees first)."""
    return Markup(_template("media/_figure.html").render(css_class=css_class, eager=eager, **figure_context(photo)))


def render_card_photo(photo: Photo) -> Markup:
    """The responsive ``<picture>`` of a post or event card in a listing (no caption: the card is the context)."""
    return Markup(_template("media/_card_photo.html").render(**figure_context(photo, CARD_SIZES)))


def render_gallery(photos: list[Photo]) -> Markup:
    items = [figure_context(p, GALLERY_SIZES) for p in photos]
    return Markup(_template("media/_gallery.html").render(items=items))


def photo_directive(key: str):
    try:
        return render_photo_figure(photo_by_key(key))
    except NotFound:
        return None


def gallery_directive(key: str):
    photos = photos_by_keys([k.strip() for k in key.split(",")])
    return render_gallery(photos) if photos else None
