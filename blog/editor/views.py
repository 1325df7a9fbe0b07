"""The authoring interface: post list, writing, publishing, revisions, previews and tags.

Views parse the form, call ``blog.posts.services`` and commit once.
"""
from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blog.accounts.models import Role
from blog.accounts.services import list_users, require_role
from blog.core.markdown import render_markdown
from blog.core.time import isoformat_z, local_to_utc, to_local, utcnow
from blog.editor import services as editing
from blog.editor.forms import PostForm, TagForm
from blog.editor.paste import html_to_markdown, paste_to_markdown
from blog.errors import DomainError, EditConflict, NotAllowed, ValidationFailed
from blog.extensions import db
from blog.media import services as media
from blog.posts import services
from blog.posts.models import Post, PostKind, PostStatus, Tag
from blog.scholarly import services as scholarly
from blog.site.services import get_settings

bp = Blueprint("editor", __name__, url_prefix="/editor")

PUBLISH_TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


@bp.before_request
@login_required
def require_sign_in():
    """Every editor page needs a signed-in person; roles are checked by the services."""


@bp.get("/")
def index():
    status = request.args.get("status") or None
    posts = services.editable_posts(current_user, status=status, search=request.args.get("q", ""))
    return render_template("editor/index.html", posts=posts, status=status, statuses=list(PostStatus),
                           kind=PostKind.POST)


@bp.get("/pages/")
def pages():
    """Standalone pages (About, Join us): the same list as posts', for editors."""
    require_role(current_user, Role.EDITOR, "write pages")
    status = request.args.get("status") or None
    found = services.editable_posts(current_user, status=status, search=request.args.get("q", ""),
                                    kind=PostKind.PAGE)
    return render_template("editor/index.html", posts=found, status=status, statuses=list(PostStatus),
                           kind=PostKind.PAGE)


def _post_form(post: Post | None = None) -> PostForm:
    form = PostForm()
    form.authors.choices = [(u.id, u.display_name) for u in list_users()]
    default = scholarly.site_licence(get_settings())
    form.licence.choices = [("", f"Site default ({default.spdx})")] + [
        (spdx, f"{licence.name} ({spdx})") for spdx, licence in scholarly.LICENCES.items()]
    if request.method == "GET":
        if post is not None:
            form.title.data = post.title
            form.body.data = post.body_markdown
            form.slug.data = post.slug
            form.custom_excerpt.data = post.custom_excerpt
            form.tags.data = ", ".join(t.name for t in post.tags)
            form.authors.data = [c.user_id for c in post.credits]
            form.language.data, form.licence.data, form.doi.data = post.language, post.licence, post.doi
            form.base_version.data = str(post.version)
            copy = editing.pending_copy(post, current_user)
            if copy is not None:
                # Autosaved text not yet saved into the post: the author continues from it.
                form.title.data = copy.title or post.title
                form.body.data = copy.body_markdown
                form.base_version.data = str(copy.base_version)
            if post.published_at:
                form.publish_at.data = to_local(post.published_at, get_settings().timezone).strftime("%Y-%m-%dT%H:%M")
        else:
            form.authors.data = [current_user.id]
    return form


def _input_from(form: PostForm) -> services.PostInput:
    return services.PostInput(
        title=form.title.data or "",
        body_markdown=form.body.data or "",
        slug=(form.slug.data or "").strip() or None,
        custom_excerpt=form.custom_excerpt.data or "",
        kind=_new_kind().value,
        tag_names=[t for t in (form.tags.data or "").split(",")],
        author_ids=form.authors.data or [current_user.id],
        language=form.language.data or "",
        licence=form.licence.data or "",
        doi=form.doi.data or "",
    )


def _new_kind() -> PostKind:
    """What "new" makes: a page from the pages list's "New page", else a post."""
    return PostKind.PAGE if request.args.get("kind") == PostKind.PAGE.value else PostKind.POST


def parse_publish_time(text: str | None) -> datetime | None:
    """A local wall-clock time from the form, in UTC; :raise ValidationFailed: when unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in PUBLISH_TIME_FORMATS:
        try:
            return local_to_utc(datetime.strptime(text, fmt), get_settings().timezone)
        except ValueError:
            continue
    raise ValidationFailed(f"“{text}” is not a date and time; use the form 2026-12-01 09:00.",
                           field="publish_at")


def _apply_action(post: Post, action: str, form: PostForm) -> str:
    """Carry out the button the author pressed after the save; returns the message to show."""
    from blog.events.services import link_event_from_form  # events: the "Linked event" select

    link_event_from_form(post, request.form, by=current_user)
    if action == "publish":
        services.publish_post(post, by=current_user, at=parse_publish_time(form.publish_at.data))
        if post.status == PostStatus.SCHEDULED.value:
            return "Scheduled."
        return "Published."
    if action == "unpublish":
        services.unpublish_post(post, by=current_user)
        return "Unpublished: readers no longer see this post."
    if action == "draft":
        services.revert_to_draft(post, by=current_user)
        return "Back to draft."
    return "Saved."


PHOTO_FIELD = re.compile(r"^photo-([a-z0-9]{4,16})-(alt|caption|credit)$")


def _apply_photo_fields(post: Post) -> None:
    """Alt text, captions and credits typed in the post form's photo panel (works without JS)."""
    fields: dict[str, dict[str, str]] = {}
    for name, value in request.form.items():
        match = PHOTO_FIELD.match(name)
        if match:
            fields.setdefault(match.group(1), {})[match.group(2)] = value
    for photo in media.photos_by_keys(list(fields)):
        given = fields[photo.key]
        changes = {
            "alt_text": given.get("alt"), "caption": given.get("caption"), "credit": given.get("credit"),
        }
        current = {"alt_text": photo.alt_text, "caption": photo.caption_markdown, "credit": photo.credit}
        changed = {k: v for k, v in changes.items() if v is not None and v.strip() != current[k]}
        if changed:
            media.update_photo(photo, by=current_user, **changed)
    if "feature_photo" in request.form:
        media.set_feature_photo(post, request.form.get("feature_photo") or None, by=current_user)


def _save(form: PostForm, post: Post | None):
    action = request.form.get("action", "save")
    try:
        if post is None:
            post = services.create_post(_input_from(form), by=current_user)
        else:
            base = int(form.base_version.data or 0)
            services.save_post(post, _input_from(form), by=current_user, base_version=base)
        _apply_photo_fields(post)
        editing.discard_working_copy(post, current_user)
        message = _apply_action(post, action, form)
    except EditConflict as conflict:
        db.session.rollback()
        return render_template("editor/conflict.html", post=post, conflict=conflict, form=form), 409
    except (ValidationFailed, NotAllowed) as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None) or form.title
        field.errors = list(field.errors) + [error.message]
        post = db.session.get(Post, post.id) if post is not None and post.id else None
        return _render_edit(form, post, error.status_code)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("editor.edit", post_id=post.id))


@bp.route("/posts/new", methods=["GET", "POST"])
def new():
    """A new post, or with ``?kind=page`` a new page."""
    if _new_kind() == PostKind.PAGE:
        require_role(current_user, Role.EDITOR, "write pages")
    else:
        require_role(current_user, Role.CONTRIBUTOR, "write posts")
    form = _post_form()
    if form.validate_on_submit():
        return _save(form, None)
    return _render_edit(form, None, 400 if form.errors else 200)


@bp.route("/posts/<int:post_id>", methods=["GET", "POST"])
def edit(post_id: int):
    post = db.get_or_404(Post, post_id)
    services.require_edit(post, current_user)
    form = _post_form(post)
    if form.validate_on_submit():
        return _save(form, post)
    return _render_edit(form, post, 400 if form.errors else 200)


def _render_edit(form: PostForm, post: Post | None, status: int = 200):
    """The writing page, with the photos of the text in the side panel and any restored autosave."""
    body = form.body.data or ""
    photos = media.photos_by_keys(media.photo_keys_in(body))
    feature = request.form.get("feature_photo") if request.method == "POST" else (
        post.feature_photo.key if post is not None and post.feature_photo else "")
    choices = media.library(limit=60)
    for photo in photos + media.photos_by_keys([feature] if feature else []):
        if photo not in choices:
            choices.append(photo)
    restored = editing.pending_copy(post, current_user) if post is not None and request.method == "GET" else None
    return render_template(
        "editor/edit.html", form=form, post=post, photos=photos, feature_key=feature or "",
        feature_choices=choices, photo_url=media.photo_url, restored=restored,
        missing_alt=[p for p in photos if not p.alt_text],
        preview_html=render_markdown(body),  # the first preview comes with the page, not a request
    ), status


# --- the writing page's helpers for JavaScript (JSON in, JSON out; CSRF in X-CSRFToken) ----------

def _json() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _base_version(data: dict, post: Post) -> int:
    try:
        return int(data.get("base_version") or post.version)
    except (TypeError, ValueError):
        return post.version


@bp.post("/posts/<int:post_id>/autosave")
def autosave(post_id: int):
    """Keep the author's text as a working copy; the post and its readers are not affected."""
    post = db.get_or_404(Post, post_id)
    data = _json()
    try:
        result = editing.autosave(post, by=current_user, title=str(data.get("title") or ""),
                                  body=str(data.get("body") or ""), base_version=_base_version(data, post))
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=error.message), error.status_code
    db.session.commit()
    return jsonify(saved_at=isoformat_z(result.copy.saved_at), conflict=result.conflict,
                   revision_kept=result.revision_kept, version=post.version)


@bp.post("/posts/new/autosave")
def autosave_new():
    """The first autosave of a new post (or ``?kind=page``) creates its draft, so later ones have a
    post to belong to; ``create_post`` checks the role."""
    data = _json()
    title = str(data.get("title") or "").strip()
    body = str(data.get("body") or "")
    if not title and not body.strip():
        return jsonify(error="Nothing to save yet."), 400
    try:
        post = services.create_post(services.PostInput(title=title or "Untitled draft", body_markdown=body,
                                                       kind=_new_kind().value), by=current_user)
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=error.message), error.status_code
    db.session.commit()
    return jsonify(post_id=post.id, version=post.version, saved_at=isoformat_z(post.updated_at),
                   edit_url=url_for("editor.edit", post_id=post.id),
                   autosave_url=url_for("editor.autosave", post_id=post.id),
                   title=post.title), 201


@bp.post("/preview")
def live_preview():
    """The body rendered through exactly the pipeline publishing uses."""
    body = str(_json().get("body") or "")[:editing.MAX_BODY_CHARS]
    photos = media.photos_by_keys(media.photo_keys_in(body))
    return jsonify(html=render_markdown(body),
                   missing_alt=[{"key": p.key, "name": p.label} for p in photos if not p.alt_text])


@bp.post("/paste")
def paste():
    """Pasted rich text (HTML) as clean Markdown; photos and social posts it carries are stored
    (``"whole": true``, from the rich-text editor) and, with ``"take_title": true`` (an untitled
    post), its title taken out of the text."""
    data = _json()
    html = str(data.get("html") or "")
    if not data.get("whole"):
        return jsonify(markdown=html_to_markdown(html), title="")
    pasted = paste_to_markdown(html, by=current_user, take_title=bool(data.get("take_title")))
    db.session.commit()
    return jsonify(markdown=pasted.markdown, title=pasted.title)


@bp.get("/links")
def link_search():
    """The link dialog's search: this site's posts, events and tags, as site-relative paths (a link
    that survives a change of SITE_URL; a post's old slugs redirect to its new one)."""
    return jsonify(results=[
        {"kind": target.kind, "label": target.label, "url": url_for(target.endpoint, slug=target.slug)}
        for target in editing.link_targets(request.args.get("q", ""))
    ])


@bp.post("/events")
def create_event():
    """The "New event" dialog beside the post's "Linked event": JSON in, the new event out (201)."""
    from blog.events.services import display_when

    data = _json()
    try:
        event = editing.create_event_for_post(
            title=str(data.get("title") or ""), precision=str(data.get("precision") or "day"),
            when=str(data.get("when") or ""), venue=str(data.get("venue") or ""), city=str(data.get("city") or ""),
            by=current_user, timezone=get_settings().timezone, today=to_local(utcnow(), get_settings().timezone).date())
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=error.message, field=error.field), error.status_code
    db.session.commit()
    return jsonify(id=event.id, label=f"{event.title} ({display_when(event)})"), 201


@bp.post("/posts/<int:post_id>/delete")
def delete(post_id: int):
    post = db.get_or_404(Post, post_id)
    services.delete_post(post, by=current_user)
    editing.discard_all_copies(post)
    db.session.commit()
    flash("Page deleted." if services.is_page(post) else "Post deleted.", "success")
    return redirect(url_for("editor.pages" if services.is_page(post) else "editor.index"))


@bp.get("/posts/<int:post_id>/preview")
def preview(post_id: int):
    post = db.get_or_404(Post, post_id)
    services.require_edit(post, current_user)
    return render_template(services.reading_template(post), post=post, preview=True)


@bp.post("/posts/<int:post_id>/preview-link")
def preview_link(post_id: int):
    post = db.get_or_404(Post, post_id)
    if request.form.get("revoke"):
        services.revoke_preview_link(post, by=current_user)
        flash("The preview link no longer works.", "success")
    else:
        services.create_preview_link(post, by=current_user)
        flash("Anyone with the preview link can read this draft.", "success")
    db.session.commit()
    return redirect(url_for("editor.edit", post_id=post.id))


@bp.get("/posts/<int:post_id>/revisions")
def revisions(post_id: int):
    post = db.get_or_404(Post, post_id)
    services.require_edit(post, current_user)
    history = services.revisions_of(post)
    diff = older = newer = None
    if request.args.get("a") and request.args.get("b"):
        older = services.revision_of(post, request.args.get("a", type=int) or 0)
        newer = services.revision_of(post, request.args.get("b", type=int) or 0)
        diff = services.diff_texts(older.body_markdown, newer.body_markdown)
    return render_template("editor/revisions.html", post=post, revisions=history, diff=diff,
                           older=older, newer=newer)


@bp.get("/posts/<int:post_id>/revisions/<int:revision_id>")
def revision(post_id: int, revision_id: int):
    post = db.get_or_404(Post, post_id)
    services.require_edit(post, current_user)
    return render_template("editor/revision.html", post=post,
                           revision=services.revision_of(post, revision_id))


@bp.post("/posts/<int:post_id>/revisions/<int:revision_id>/restore")
def restore(post_id: int, revision_id: int):
    post = db.get_or_404(Post, post_id)
    services.restore_revision(post, services.revision_of(post, revision_id), by=current_user)
    db.session.commit()
    flash("The old revision is now the current text.", "success")
    return redirect(url_for("editor.edit", post_id=post.id))


@bp.route("/tags", methods=["GET"])
def tags():
    require_role(current_user, Role.EDITOR, "manage tags")
    return render_template("editor/tags.html", tags=services.all_tags(), form=TagForm())


@bp.post("/tags/<int:tag_id>")
def update_tag(tag_id: int):
    tag = db.get_or_404(Tag, tag_id)
    form = TagForm()
    if request.form.get("delete"):
        services.delete_tag(tag, by=current_user)
        flash("Tag deleted.", "success")
    elif form.validate_on_submit():
        services.update_tag(tag, by=current_user, name=form.name.data, description=form.description.data or "")
        flash("Tag saved.", "success")
    db.session.commit()
    return redirect(url_for("editor.tags"))


