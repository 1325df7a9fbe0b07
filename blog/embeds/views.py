"""Editor pages for quoted social posts, and the JSON endpoints the post editor's dialog uses.

All pages need a signed-in author (or editor, or admin). The directive
``[[social:KEY]]`` is registered here, at import.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blog.core import usage
from blog.core.markdown import register_directive
from blog.embeds import services
from blog.embeds.cards import KIND, card_html, render_directive
from blog.embeds.forms import SnapshotForm, fill_form, input_from_form, parsed_to_fields
from blog.media.services import store_photo, update_photo
from blog.embeds.models import SocialPost
from blog.embeds.oembed import fetch_oembed
from blog.embeds.parsing import looks_like_embed, parse_embed, parse_post_url
from blog.errors import DomainError, EditConflict, NotAllowed, ValidationFailed
from blog.extensions import db
from blog.site.services import get_settings

bp = Blueprint("embeds", __name__, url_prefix="/embeds")
register_directive(KIND, render_directive)


@bp.record_once
def _register_usages(state) -> None:
    usage.register_reference(KIND, "snapshot")
    usage.register_finder("photo", services.snapshots_using_photo)
    usage.register_finder("snapshot", services.replies_showing)

DIALOG_PREFIX = "social"


@bp.before_request
@login_required
def require_author():
    services.require_manage(current_user)


@bp.app_template_global()
def social_dialog_form() -> SnapshotForm | None:
    """The form of the post editor's "quote a social post" dialog (authors and up), or None."""
    if not services.can_manage(current_user):
        return None
    form = SnapshotForm(prefix=DIALOG_PREFIX, formdata=None)
    form.set_reply_choices(services.list_snapshots(limit=100), _zone())
    return form


def _zone() -> str:
    return get_settings().timezone


def _form(post: SocialPost | None = None, **kwargs) -> SnapshotForm:
    form = SnapshotForm(**kwargs)
    form.set_reply_choices(services.list_snapshots(), _zone(), exclude_id=post.id if post else None)
    return form


def _input(form: SnapshotForm, post: SocialPost | None = None) -> services.SnapshotInput:
    """The form's values, with uploaded photos stored through the photo pipeline first."""
    data = input_from_form(form, _zone())
    data.avatar_photo_key = post.avatar_photo.key if post and post.avatar_photo else ""
    if form.remove_avatar.data:
        data.avatar_photo_key = ""
    upload = form.avatar.data
    if upload and getattr(upload, "filename", ""):
        data.avatar_photo_key = store_photo(upload.read(), upload.filename, by=current_user).key
    files = [f for f in (form.attachment_files.data or []) if getattr(f, "filename", "")]
    if files:
        if len(files) > len(data.attachments):
            raise ValidationFailed("Write one line of description (alt text) for each photo file.",
                                   field="attachments")
        keys = []
        for upload, alt in zip(files, data.attachments):
            photo = store_photo(upload.read(), upload.filename, by=current_user)
            update_photo(photo, by=current_user, alt_text=alt)
            keys.append(photo.key)
        data.attachment_photo_keys = keys
    elif post is not None:
        data.attachment_photo_keys = [a.photo.key if a.photo else "" for a in post.attachments][
            :len(data.attachments)]
    return data


def _field_error(form: SnapshotForm, error: DomainError) -> None:
    name = error.field if error.field and hasattr(form, error.field) else "text"
    field = getattr(form, name)
    field.errors = list(field.errors) + [error.message]


@bp.get("/")
def index():
    search = request.args.get("q", "")
    return render_template("embeds/index.html", snapshots=services.list_snapshots(search=search), q=search)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = _form()
    if form.validate_on_submit():
        try:
            post = services.create_snapshot(_input(form), by=current_user)
        except (ValidationFailed, NotAllowed) as error:
            db.session.rollback()
            _field_error(form, error)
            return render_template("embeds/edit.html", form=form, post=None), error.status_code
        db.session.commit()
        flash(f"Saved. Put [[{KIND}:{post.key}]] on a line of its own in a post to show it.", "success")
        return redirect(url_for("embeds.edit", post_id=post.id))
    return render_template("embeds/edit.html", form=form, post=None), 400 if form.errors else 200


@bp.route("/<int:post_id>", methods=["GET", "POST"])
def edit(post_id: int):
    post = db.get_or_404(SocialPost, post_id)
    form = _form(post)
    if request.method == "GET":
        fill_form(form, post, _zone())
    elif form.validate_on_submit():
        try:
            base = int(form.base_version.data or 0) or None
            services.update_snapshot(post, _input(form, post), by=current_user,
                                     base_version=base)
        except (ValidationFailed, NotAllowed, EditConflict) as error:
            db.session.rollback()
            _field_error(form, error)
            post = db.session.get(SocialPost, post_id)
            return render_template("embeds/edit.html", form=form, post=post,
                                   using=services.posts_showing(post)), error.status_code
        db.session.commit()
        flash("Saved; the posts that show this quote are up to date.", "success")
        return redirect(url_for("embeds.edit", post_id=post_id))
    return render_template("embeds/edit.html", form=form, post=post, card=card_html(post),
                           using=services.posts_showing(post)), 400 if form.errors else 200


@bp.get("/<int:post_id>/history")
def history(post_id: int):
    post = db.get_or_404(SocialPost, post_id)
    revisions = services.revisions_of(post)
    rows = []
    for index, revision in enumerate(revisions):
        older = revisions[index + 1].data if index + 1 < len(revisions) else None
        rows.append((revision, services.changed_fields(older, revision.data)))
    return render_template("embeds/history.html", post=post, rows=rows)


@bp.post("/<int:post_id>/history/<int:revision_id>/restore")
def restore(post_id: int, revision_id: int):
    post = db.get_or_404(SocialPost, post_id)
    services.restore_revision(post, services.revision_of(post, revision_id), by=current_user)
    db.session.commit()
    flash("The old version is back; the posts that show it are up to date.", "success")
    return redirect(url_for("embeds.edit", post_id=post.id))


@bp.post("/<int:post_id>/delete")
def delete(post_id: int):
    post = db.get_or_404(SocialPost, post_id)
    try:
        services.delete_snapshot(post, by=current_user)
    except ValidationFailed as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("embeds.edit", post_id=post_id))
    db.session.commit()
    flash("Quote deleted.", "success")
    return redirect(url_for("embeds.index"))


# --- JSON for the post editor's dialog (static/js/social.js) ---------------------------------

@bp.post("/api/parse")
def api_parse():
    """``text`` (embed code or a post's URL) -> ``{"fields": {...}, "message": ...}`` for the dialog,
    with ``existing`` (its key) when the post was quoted before, so the editor reuses that snapshot.

    Answers 400 with ``{"error": ...}`` when the text is neither.
    """
    text = (request.form.get("text") or "").strip()
    message = ""
    try:
        if looks_like_embed(text):
            parsed = parse_embed(text)
            message = "Filled in from the embed code; the platform's script was left out. Check the time."
        elif not text.lower().startswith(("http://", "https://")):
            raise ValidationFailed("We could not recognise that as a post's address or embed code from X, "
                                   "Mastodon or Bluesky; fill in the form by hand.")
        else:
            parsed = parse_post_url(text)
            message = "Paste the post's words and its time: the address tells only who posted it."
            if current_app.config.get("ALLOW_OEMBED_FETCH"):
                try:
                    parsed = fetch_oembed(text)
                    message = "Filled in from the platform's oEmbed answer. Check it."
                except (ValidationFailed, NotAllowed):
                    pass
    except ValidationFailed as error:
        return jsonify(error=error.message), 400
    fields = parsed_to_fields(parsed, _zone())
    known = services.existing_snapshot(parsed.platform, parsed.external_id, parsed.url)
    existing = {"key": known.key, "in_reply_to_key": known.in_reply_to.key if known.in_reply_to else ""} \
        if known is not None else None
    return jsonify(fields=fields, source=parsed.source, message=message, existing=existing)


@bp.post("/api/snapshots")
def api_create():
    """Create a snapshot from the dialog's form; answers with its key and directive (201)."""
    form = SnapshotForm(prefix=DIALOG_PREFIX)
    form.set_reply_choices([], _zone())
    if not form.validate():
        errors = {name: list(errs) for name, errs in form.errors.items()}
        first = next(iter(errors.values()), ["Check the form."])[0]
        return jsonify(error=first, fields=errors), 400
    try:
        post = services.create_snapshot(_input(form), by=current_user)
    except (ValidationFailed, NotAllowed) as error:
        db.session.rollback()
        return jsonify(error=error.message, field=error.field), error.status_code
    db.session.commit()
    return jsonify(
        key=post.key, directive=f"[[{KIND}:{post.key}]]",
        in_reply_to_key=post.in_reply_to.key if post.in_reply_to else "",
        label=services.reply_label(post, _zone()),
        edit_url=url_for("embeds.edit", post_id=post.id),
    ), 201
