"""Admin → Import from WordPress, and the old site's addresses answering with a redirect."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from blog.accounts.models import Role
from blog.accounts.services import require_role
from blog.errors import on_page_not_found
from blog.extensions import db
from blog.transfer.wordpress import WxrError, read_limited
from blog.transfer.wordpress_import import import_wordpress, redirect_for_old_path

bp = Blueprint("transfer", __name__)
on_page_not_found(redirect_for_old_path)


class WordPressImportForm(FlaskForm):
    export = FileField("WordPress export file (.xml)", validators=[FileRequired("Choose the export file.")])


@bp.before_app_request
def old_query_addresses():
    """WordPress's plain addresses (``/?p=12``, ``/?page_id=3``) reach the home page, which ignores
    the query: send them to the post they became before it answers."""
    if request.path == "/" and request.method in ("GET", "HEAD") and ("p" in request.args or "page_id" in request.args):
        target = redirect_for_old_path("/", request.args)
        if target:
            return redirect(target, 301)
    return None


def media_dir() -> Path | None:
    folder = current_app.config.get("IMPORT_MEDIA_DIR")
    return Path(folder) if folder else None


@bp.route("/admin/import/wordpress", methods=["GET", "POST"])
@login_required
def wordpress():
    """GET: the upload form. POST: import the export in one transaction, then show the report."""
    require_role(current_user, Role.ADMIN, "import a WordPress site")
    form = WordPressImportForm()
    report, error = None, None
    if form.validate_on_submit():
        try:
            data = read_limited(form.export.data.stream, current_app.config["WORDPRESS_IMPORT_MAX_BYTES"])
            report = import_wordpress(data, by=current_user, media_dir=media_dir())
            db.session.commit()
        except WxrError as refused:
            db.session.rollback()
            error = refused.message
    status = 400 if error or (request.method == "POST" and form.errors) else 200
    return render_template("transfer/wordpress.html", form=form, report=report, error=error,
                           media_dir=media_dir()), status
