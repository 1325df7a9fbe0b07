"""The authoring interface: post list, writing, publishing, revisions, previews and tags.

Views parse the form, call ``blog.posts.services`` and commit once.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blog.accounts.models import Role
from blog.accounts.services import list_users, require_role
from blog.core.time import local_to_utc, to_local
from blog.editor.forms import PostForm, TagForm
from blog.events.services import link_event_from_form
from blog.errors import EditConflict, NotAllowed, ValidationFailed
from blog.extensions import db
from blog.posts import services
from blog.posts.models import Post, PostStatus, Tag
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
    return render_template("editor/index.html", posts=posts, status=status, statuses=list(PostStatus))


def _post_form(post: Post | None = None) -> PostForm:
    form = PostForm()
    form.authors.choices = [(u.id, u.display_name) for u in list_users()]
    if request.method == "GET":
        if post is not None:
            form.title.data = post.title
            form.body.data = post.body_markdown
            form.slug.data = post.slug
            form.custom_excerpt.data = post.custom_excerpt
            form.tags.data = ", ".join(t.name for t in post.tags)
            form.authors.data = [c.user_id for c in post.credits]
            form.base_version.data = str(post.version)
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
        tag_names=[t for t in (form.tags.data or "").split(",")],
        author_ids=form.authors.data or [current_user.id],
    )


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


def _save(form: PostForm, post: Post | None):
    action = request.form.get("action", "save")
    try:
        if post is None:
            post = services.create_post(_input_from(form), by=current_user)
        else:
            base = int(form.base_version.data or 0)
            services.save_post(post, _input_from(form), by=current_user, base_version=base)
        link_event_from_form(post, request.form, by=current_user)  # events: the "Linked event" select
        message = _apply_action(post, action, form)
    except EditConflict as conflict:
        db.session.rollback()
        return render_template("editor/conflict.html", post=post, conflict=conflict, form=form), 409
    except (ValidationFailed, NotAllowed) as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None) or form.title
        field.errors = list(field.errors) + [error.message]
        return render_template("editor/edit.html", form=form, post=post if post and post.id else None), \
            error.status_code
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("editor.edit", post_id=post.id))


@bp.route("/posts/new", methods=["GET", "POST"])
def new():
    require_role(current_user, Role.CONTRIBUTOR, "write posts")
    form = _post_form()
    if form.validate_on_submit():
        return _save(form, None)
    return render_template("editor/edit.html", form=form, post=None), 400 if form.errors else 200


@bp.route("/posts/<int:post_id>", methods=["GET", "POST"])
def edit(post_id: int):
    post = db.get_or_404(Post, post_id)
    services.require_edit(post, current_user)
    form = _post_form(post)
    if form.validate_on_submit():
        return _save(form, post)
    return render_template("editor/edit.html", form=form, post=post), 400 if form.errors else 200


@bp.post("/posts/<int:post_id>/delete")
def delete(post_id: int):
    post = db.get_or_404(Post, post_id)
    services.delete_post(post, by=current_user)
    db.session.commit()
    flash("Post deleted.", "success")
    return redirect(url_for("editor.index"))


@bp.get("/posts/<int:post_id>/preview")
def preview(post_id: int):
    post = db.get_or_404(Post, post_id)
    services.require_edit(post, current_user)
    return render_template("posts/post.html", post=post, preview=True)


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


