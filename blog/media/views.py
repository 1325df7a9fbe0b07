"""Photo files (public, immutable), uploads (JSON, for the editor) and the media library.

The library and upload endpoints need a signed-in writer; the files themselves
are public and cached for a year, since their names change with their content.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blog.accounts.models import Role
from blog.accounts.services import require_role
from blog.core import usage
from blog.core.markdown import register_directive
from blog.errors import DomainError, NotAllowed, ValidationFailed, wants_json
from blog.extensions import db, limiter
from blog.media import services
from blog.media.storage import LocalStorage, get_storage

bp = Blueprint("media", __name__, url_prefix="/media")

FILE_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|webp)$")
MIME_TYPES = {"jpg": "image/jpeg", "webp": "image/webp"}
IMMUTABLE = "public, max-age=31536000, immutable"


@bp.record_once
def _register_directives(state):
    register_directive("photo", services.photo_directive)
    register_directive("gallery", services.gallery_directive)
    usage.register_reference("photo", "photo")
    usage.register_reference("gallery", "photo")
    state.app.jinja_env.globals.update(render_photo_figure=services.render_photo_figure,
                                       render_card_photo=services.render_card_photo,
                                       photo_url=services.photo_url, shared_image=services.shared_image)


@bp.get("/photos/<name>")
def photo_file(name: str):
    """A variant, by its content-hash name. :raise 404: for anything else."""
    match = FILE_NAME.match(name)
    storage = get_storage()
    if not match or not storage.exists(name):
        abort(404)
    mimetype = MIME_TYPES[match.group(1)]
    if isinstance(storage, LocalStorage):
        from flask import send_file

        response = send_file(storage.path(name), mimetype=mimetype, etag=True, conditional=True)
    else:
        response = current_app.response_class(storage.read(name), mimetype=mimetype)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


def _photo_json(photo) -> dict:
    return {
        "key": photo.key, "name": photo.label, "width": photo.width, "height": photo.height,
        "alt_text": photo.alt_text, "caption": photo.caption_markdown, "credit": photo.credit,
        "thumbnail": services.photo_url(photo, 480), "directive": f"[[photo:{photo.key}]]",
        "update_url": url_for("media.update", key=photo.key),
    }


def _json_error(error: DomainError):
    db.session.rollback()
    return jsonify(error=error.message), error.status_code


def _upload_limits() -> str:
    return current_app.config["UPLOAD_LIMITS"]


def _uploader() -> str:
    return f"uploader-{current_user.get_id()}"


@bp.post("/upload")
@login_required
@limiter.limit(_upload_limits, key_func=_uploader)
def upload():
    """Upload one or more files (field ``file``).

    JSON for the editor's script (``Accept: application/json``, CSRF token in
    ``X-CSRFToken``): 201 with the photos, or 400 with ``error``. A plain form
    post (the library page without JavaScript) is redirected back with a message.
    """
    # Several files may come in one form post (the library); each is checked against the limit again.
    request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"] * 20 + 1_048_576
    files = [f for f in request.files.getlist("file") if f.filename]
    uploaded = []
    try:
        if not files:
            raise ValidationFailed("Choose a photo to upload.")
        for storage_file in files:
            data = storage_file.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
            uploaded.append(services.store_photo(data, storage_file.filename or "photo", by=current_user))
    except DomainError as error:
        if wants_json():
            return _json_error(error)
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("media.library"))
    db.session.commit()
    if wants_json():
        return jsonify(photos=[_photo_json(p) for p in uploaded]), 201
    flash(f"Uploaded {len(uploaded)} photo(s). Add alt text to each before using it in a post.", "success")
    return redirect(url_for("media.library"))


@bp.post("/photos/<key>/details")
@login_required
def update(key: str):
    """Alt text, caption and credit, from JSON (editor) or a form (library, no JavaScript)."""
    photo = services.photo_by_key(key)
    data = request.get_json(silent=True) if request.is_json else request.form
    try:
        services.update_photo(photo, by=current_user, alt_text=data.get("alt_text"),
                              caption=data.get("caption"), credit=data.get("credit"))
    except DomainError as error:
        if request.is_json:
            return _json_error(error)
        raise
    db.session.commit()
    if request.is_json:
        return jsonify(photo=_photo_json(photo))
    flash("Photo details saved.", "success")
    return redirect(url_for("media.library", q=request.args.get("q", "")) + f"#photo-{photo.key}")


@bp.get("/")
@login_required
def library():
    require_role(current_user, Role.CONTRIBUTOR, "see the media library")
    search = request.args.get("q", "").strip()
    photos = services.library(search)
    uses = {p.id: usage.usages("photo", p) for p in photos}
    return render_template("media/library.html", photos=photos, uses=uses, search=search,
                           photo_url=services.photo_url, can_manage=services.can_manage)


@bp.post("/photos/<key>/replace")
@login_required
def replace(key: str):
    photo = services.photo_by_key(key)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash("Choose the new photo first.", "error")
        return redirect(url_for("media.library"))
    try:
        obsolete = services.replace_photo(photo, upload_file.read(current_app.config["MAX_UPLOAD_BYTES"] + 1),
                                          upload_file.filename, by=current_user)
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, NotAllowed):
            raise
        flash(error.message, "error")
        return redirect(url_for("media.library"))
    db.session.commit()
    services.delete_files(obsolete)
    flash("Photo replaced everywhere it is used.", "success")
    return redirect(url_for("media.library") + f"#photo-{photo.key}")


@bp.post("/photos/<key>/delete")
@login_required
def delete(key: str):
    photo = services.photo_by_key(key)
    try:
        names = services.delete_photo(photo, by=current_user)
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, NotAllowed):
            raise
        flash(error.message, "error")
        return redirect(url_for("media.library"))
    db.session.commit()
    services.delete_files(names)
    flash("Photo deleted.", "success")
    return redirect(url_for("media.library"))
