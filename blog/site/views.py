"""Site-wide pages: about, settings, sitemap.xml and robots.txt."""
from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, send_from_directory, url_for)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from blog.accounts.models import Role
from blog.accounts.services import require_role
from blog.core.cache import cached_page
from blog.core.time import utcnow
from blog.core.urls import absolute_url
from blog.demo import remove_demo_content
from blog.errors import ValidationFailed
from blog.extensions import db
from blog.media.services import delete_files, logo_png
from blog.posts.services import all_tags
from blog.site import icons, services, sitemap
from blog.scholarly.services import LICENCES
from blog.site.forms import MenuItemForm, SettingsForm
from blog.transfer.archive import export_file_name, write_export

bp = Blueprint("site", __name__)


LOGO_MAX_BYTES = 2 * 1024 * 1024


@bp.route("/admin/settings", methods=["GET", "POST"])
@login_required
def settings():
    require_role(current_user, Role.ADMIN, "change site settings")
    current = services.get_settings()
    form = SettingsForm(obj=current)
    form.licence.choices = [(spdx, f"{licence.name} ({spdx})") for spdx, licence in LICENCES.items()]
    if form.validate_on_submit():
        try:
            services.update_settings(
                by=current_user, site_name=form.site_name.data, tagline=form.tagline.data or "",
                description=form.description.data or "", timezone=form.timezone.data.strip(),
                footer_text=form.footer_text.data or "",
                language=form.language.data or "en", licence=form.licence.data or "",
            )
            if form.logo.data:
                services.set_logo_path(_store_logo(form.logo.data), by=current_user)
        except ValidationFailed as error:
            db.session.rollback()
            getattr(form, error.field, form.site_name).errors.append(error.message)
        else:
            db.session.commit()
            flash("Settings saved.", "success")
            return redirect(url_for("site.settings"))
    return render_template("site/settings.html", form=form,
                           demo_present=services.has_demo_content()), 200 if request.method == "GET" else 400


@bp.get("/admin/settings/menu")
@login_required
def menu():
    """The menu's items in order, each with up, down and remove buttons (plain forms: no JavaScript
    needed), and a form to add one."""
    require_role(current_user, Role.ADMIN, "change the menu")
    return _render_menu(_menu_form())


def _menu_form() -> MenuItemForm:
    form = MenuItemForm()
    form.page_id.choices = [SelectChoice(0, "Choose a page")] + [SelectChoice(p.id, p.title)
                                                                  for p in services.all_pages()]
    form.tag_id.choices = [SelectChoice(0, "Choose a tag")] + [SelectChoice(t.id, t.name) for t in all_tags()]
    return form


def _render_menu(form: MenuItemForm, status: int = 200):
    return render_template("site/menu.html", items=services.menu_items(), form=form,
                           kinds=dict(MenuItemForm.KINDS, post="A post")), status


@bp.post("/admin/settings/menu/add")
@login_required
def menu_add():
    require_role(current_user, Role.ADMIN, "change the menu")
    form = _menu_form()
    if form.validate_on_submit():
        try:
            services.add_menu_item(by=current_user, kind=form.kind.data, label=form.label.data or "",
                                   page_id=form.page_id.data or None, tag_id=form.tag_id.data or None,
                                   url=form.url.data or "")
        except ValidationFailed as error:
            db.session.rollback()
            getattr(form, error.field or "label", form.label).errors.append(error.message)
        else:
            db.session.commit()
            flash("Menu item added.", "success")
            return redirect(url_for("site.menu"))
    return _render_menu(form, 400)


@bp.post("/admin/settings/menu/<int:item_id>")
@login_required
def menu_change(item_id: int):
    """One of the item's buttons: ``action`` is up, down or remove."""
    require_role(current_user, Role.ADMIN, "change the menu")
    item = services.menu_item(item_id)
    action = request.form.get("action")
    if action == "remove":
        services.remove_menu_item(item, by=current_user)
        message = f"“{item.label}” is no longer in the menu."
    elif action in ("up", "down"):
        services.move_menu_item(item, by=current_user, offset=-1 if action == "up" else 1)
        message = f"“{item.label}” moved {action}."
    else:
        abort(400)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("site.menu"))


@bp.route("/admin/settings/remove-demo", methods=["GET", "POST"])
@login_required
def remove_demo():
    """GET: what removing the demo takes away, and a confirmation button. POST: remove it."""
    require_role(current_user, Role.ADMIN, "remove the demo content")
    if request.method == "GET":
        return render_template("site/remove_demo.html", demo_present=services.has_demo_content())
    removed, files = remove_demo_content(by=current_user)
    db.session.commit()
    delete_files(files)
    flash("The demo content is removed: " + ", ".join(f"{count} {kind}" for kind, count in removed.items())
          + ". Your own content is untouched.", "success")
    return redirect(url_for("site.settings"))


@bp.route("/admin/settings/export", methods=["GET", "POST"])
@login_required
def export():
    """GET: what the export holds, and a download button. POST: the export ZIP, streamed from a
    temporary file (it holds every photo file, so it is not built in memory)."""
    require_role(current_user, Role.ADMIN, "export the site")
    if request.method == "GET":
        return render_template("site/export.html")
    spool = tempfile.TemporaryFile()
    write_export(spool)
    spool.seek(0)
    response = send_file(spool, mimetype="application/zip", as_attachment=True,
                         download_name=export_file_name())
    response.headers["Cache-Control"] = "no-store"
    return response


def _store_logo(upload) -> str:
    """Re-encode the logo as PNG (which drops any metadata or hidden payload) under MEDIA_ROOT.

    It goes through the photo upload's checks and decoding (one path for every image).
    """
    data = upload.read(LOGO_MAX_BYTES + 1)
    try:
        png = logo_png(data, upload.filename or "logo", max_bytes=LOGO_MAX_BYTES)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, field="logo") from None
    folder = Path(current_app.config["MEDIA_ROOT"]) / "site"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"logo-{secrets.token_hex(8)}.png"
    (folder / name).write_bytes(png)
    return f"site/{name}"


@bp.get("/site-media/<path:filename>")
def site_media(filename: str):
    response = send_from_directory(Path(current_app.config["MEDIA_ROOT"]) / "site", filename)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.get("/favicon.ico", defaults={"name": "favicon.ico"})
@bp.get("/apple-touch-icon.png", defaults={"name": "apple-touch-icon.png"})
def icon(name: str):
    """The site's icon, from the logo in site settings or the default (``blog/site/icons.py``)."""
    response = send_file(icons.icon_file(name, services.get_settings().logo_path), conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['PAGE_CACHE_SECONDS']}"
    return response


@bp.get("/robots.txt")
def robots():
    body = render_template("site/robots.txt", sitemap_url=absolute_url("site.sitemap_xml"))
    return current_app.response_class(body, mimetype="text/plain")


def _xml(template: str, **context):
    return current_app.response_class(render_template(template, **context), mimetype="application/xml")


@bp.get("/sitemap.xml")
@cached_page(services.content_stamp)
def sitemap_xml():
    now = utcnow()
    if sitemap.needs_index(now):
        children = [url_for("site.sitemap_pages")] + [
            url_for("site.sitemap_posts", chunk=n) for n in range(sitemap.post_chunks())
        ]
        return _xml("site/sitemap_index.xml", children=children)
    return _xml("site/sitemap.xml", entries=sitemap.page_entries() + sitemap.post_entries(now))


@bp.get("/sitemap/pages.xml")
@cached_page(services.content_stamp)
def sitemap_pages():
    return _xml("site/sitemap.xml", entries=sitemap.page_entries())


@bp.get("/sitemap/posts-<int:chunk>.xml")
@cached_page(services.content_stamp)
def sitemap_posts(chunk: int):
    if chunk >= sitemap.post_chunks():
        abort(404)
    return _xml("site/sitemap.xml", entries=sitemap.post_entries(utcnow(), chunk))
