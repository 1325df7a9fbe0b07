"""The group's pages (``/people/``), publications, their feed, and their admin pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from feedgen.feed import FeedGenerator

from blog import citations
from blog.accounts.models import Role, User
from blog.accounts.services import list_users, require_role
from blog.core.cache import cached_page
from blog.core.mail import send_email
from blog.core.markdown import register_directive
from blog.core.urls import absolute_url
from blog.errors import DomainError, ValidationFailed
from blog.extensions import db
from blog.people import services
from blog.people.forms import BibtexForm, BylinePersonForm, DoiForm, InviteBylineForm, PersonForm
from blog.people.models import Publication
from blog.posts import services as posts
from blog.site import sitemap
from blog.site.services import content_stamp, get_settings

bp = Blueprint("people", __name__)

register_directive(services.PUBLICATION_DIRECTIVE, services.publication_card_directive)


def _sitemap_entries():
    return [(url_for("people.index"), None), (url_for("people.publications"), None)]


sitemap.register_source(_sitemap_entries)


@bp.record_once
def _register_template_helpers(state):
    state.app.jinja_env.globals.update(cite=citations.formatted)

FEED_ITEMS = 50


# --- public pages ------------------------------------------------------------------------------

@bp.get("/people/")
@cached_page(content_stamp)
def index():
    return render_template("people/index.html", group=services.group())


@bp.get("/people/<slug>")
@cached_page(content_stamp)
def person(slug: str):
    found, profile = services.person_by_slug(slug)
    try:
        page = posts.page_of_posts(posts.author_condition(found), per_page=current_app.config["POSTS_PER_PAGE"],
                                   before=request.args.get("before"), after=request.args.get("after"))
    except ValidationFailed:
        abort(404)
    return render_template("people/person.html", person=found, profile=profile, page=page,
                           json_ld=services.person_json_ld(found, profile),
                           talks=services.talks(found), publications=services.publications(person=found))


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/publications/")
@cached_page(content_stamp)
def publications():
    year, kind = _int_arg("year"), request.args.get("type") or None
    years, kinds = services.publication_filters()
    rows = services.publications(year=year, kind=kind)
    return render_template("people/publications.html", groups=services.grouped(rows), years=years, kinds=kinds,
                           year=year, kind=kind, labels=services.TYPE_LABELS)


@bp.get("/publications/<key>.bib")
@cached_page(content_stamp)
def bibtex(key: str):
    publication = services.publication_by_key(key)
    response = current_app.response_class(citations.bibtex(publication.item),
                                          content_type="application/x-bibtex; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{publication.key}.bib"'
    return response


@bp.get("/feeds/publications.atom")
@cached_page(content_stamp)
def feed():
    """New publications, newest first: their formatted citation, leading to ``/publications/``."""
    settings = get_settings()
    generator = FeedGenerator()
    generator.id(absolute_url("people.feed"))
    generator.title(f"{settings.site_name}: publications")
    generator.author({"name": settings.site_name, "uri": absolute_url("posts.home")})
    generator.link(href=absolute_url("people.publications"), rel="alternate", type="text/html")
    generator.link(href=absolute_url("people.feed"), rel="self", type="application/atom+xml")
    rows = services.recent_publications(limit=FEED_ITEMS)
    generator.updated(rows[0].created_at if rows else content_stamp()[0])
    for publication in reversed(rows):  # feedgen puts the entry added last first
        entry = generator.add_entry()
        entry.id(absolute_url("people.bibtex", key=publication.key))
        entry.title(publication.title)
        entry.updated(publication.created_at)
        entry.link(href=f"https://doi.org/{publication.doi}" if publication.doi
                   else absolute_url("people.publications", year=publication.year))
        for name in publication.item.get("author") or []:
            entry.author({"name": name.get("literal") or " ".join(
                part for part in (name.get("given"), name.get("family")) if part)})
        entry.content(str(citations.formatted(publication.item)), type="html")
    return current_app.response_class(generator.atom_str(pretty=True),
                                      content_type="application/atom+xml; charset=utf-8")


# --- admin -------------------------------------------------------------------------------------

def _profile_input(form: PersonForm) -> services.ProfileInput:
    return services.ProfileInput(
        display_name=form.display_name.data or "", affiliation=form.affiliation.data or "",
        ror=form.ror.data or "", orcid=form.orcid.data or "", bio=form.bio.data or "",
        group_role=form.group_role.data or "", photo_key=form.photo_key.data or "",
        links=form.links.data or "", position=form.position.data or 0, listed=form.listed.data,
        publication_ids=form.publications.data or [])


@bp.route("/admin/people/group", methods=["GET", "POST"])
@login_required
def admin_group():
    """Everyone who can be credited, with their place on ``/people/``; adds byline-only people."""
    require_role(current_user, Role.ADMIN, "edit the people pages")
    form = BylinePersonForm()
    if form.validate_on_submit():
        try:
            person = services.add_byline_person(form.display_name.data, form.affiliation.data or "",
                                                by=current_user)
        except ValidationFailed as error:
            form.display_name.errors.append(error.message)
        else:
            db.session.commit()
            flash(f"{person.display_name} is added. Complete their page below.", "success")
            return redirect(url_for("people.admin_person", user_id=person.id))
    profiles = {profile.user_id: profile for profile in services.group()}
    return render_template("people/admin_group.html", form=form, people=list_users(), profiles=profiles), \
        400 if form.errors else 200


@bp.route("/admin/people/<int:user_id>/page", methods=["GET", "POST"])
@login_required
def admin_person(user_id: int):
    require_role(current_user, Role.ADMIN, "edit the people pages")
    person = db.get_or_404(User, user_id)
    profile = db.session.get(services.PersonProfile, person.id)
    form = PersonForm(obj=person)
    form.publications.choices = [(p.id, f"{p.title} ({p.year or 'undated'})") for p in services.publications()]
    if request.method == "GET":
        form.publications.data = [p.id for p in services.publications(person=person)]
    if request.method == "GET" and profile is not None:
        form.group_role.data, form.links.data = profile.group_role, profile.links
        form.position.data, form.listed.data = profile.position, profile.listed
        form.photo_key.data = profile.photo.key if profile.photo else ""
    if form.validate_on_submit():
        try:
            services.update_person(person, _profile_input(form), by=current_user)
        except ValidationFailed as error:
            db.session.rollback()
            getattr(form, error.field or "display_name").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"{person.display_name}’s page is saved.", "success")
            return redirect(url_for("people.admin_group"))
    invite_form = InviteBylineForm(email=person.email or "")
    return render_template("people/admin_person.html", person=person, form=form, invite_form=invite_form), \
        400 if form.errors else 200


@bp.post("/admin/people/<int:user_id>/invite-to-sign-in")
@login_required
def admin_invite(user_id: int):
    """An account invitation for a byline-only person, by email through the accounts flow."""
    require_role(current_user, Role.ADMIN, "invite people")
    person = db.get_or_404(User, user_id)
    form = InviteBylineForm()
    if not form.validate_on_submit():
        flash("Give the email address to send the invitation to.", "error")
        return redirect(url_for("people.admin_person", user_id=person.id))
    try:
        invitation, token = services.invite_byline_person(person, form.email.data, Role(form.role.data),
                                                          by=current_user)
    except ValidationFailed as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("people.admin_person", user_id=person.id))
    db.session.commit()
    link = absolute_url("accounts.invitation_landing", token=token)
    emailed = send_email(invitation.email, f"Your invitation to {get_settings().site_name}", "invitation",
                         link=link, inviter=current_user.display_name, role=invitation.role,
                         days=current_app.config["INVITATION_DAYS"])
    flash(f"{person.display_name} is invited to sign in as {invitation.email}"
          + (" (emailed)." if emailed else ": the email failed, send them the link on the people admin page."),
          "success" if emailed else "error")
    return redirect(url_for("people.admin_person", user_id=person.id))


@bp.route("/admin/publications", methods=["GET", "POST"])
@login_required
def admin_publications():
    """The publications, with a BibTeX upload and a DOI import (all or nothing)."""
    require_role(current_user, Role.EDITOR, "manage publications")
    bibtex_form, doi_form = BibtexForm(prefix="bib"), DoiForm(prefix="doi")
    status = 200
    if request.method == "POST":
        try:
            if "bib-file" in request.files and bibtex_form.validate_on_submit():
                upload = request.files["bib-file"]
                try:
                    text = upload.read().decode("utf-8")
                except UnicodeDecodeError:
                    raise ValidationFailed("That file is not UTF-8 text. Nothing was imported.") from None
                added = services.import_bibtex(text, by=current_user)
            elif doi_form.validate_on_submit():
                added = [services.import_doi(doi_form.doi.data, by=current_user)]
            else:
                raise ValidationFailed("Choose a BibTeX file or give a DOI.")
        except ValidationFailed as error:
            db.session.rollback()
            flash(error.message, "error")
            status = 400
        else:
            db.session.commit()
            flash(f"{len(added)} publication{'s' if len(added) != 1 else ''} imported.", "success")
            return redirect(url_for("people.admin_publications"))
    return render_template("people/admin_publications.html", bibtex_form=bibtex_form, doi_form=doi_form,
                           rows=services.publications(),
                           fetch_allowed=current_app.config.get("ALLOW_METADATA_FETCH")), status


@bp.post("/admin/publications/<int:publication_id>/delete")
@login_required
def admin_delete_publication(publication_id: int):
    publication = db.get_or_404(Publication, publication_id)
    services.delete_publication(publication, by=current_user)
    db.session.commit()
    flash(f"{publication.key} is deleted.", "success")
    return redirect(url_for("people.admin_publications"))


@bp.post("/editor/co-authors")
@login_required
def create_co_author():
    """The "New co-author" dialog of the post editor: JSON name and affiliation in, the person out (201)."""
    data = request.get_json(silent=True) or {}
    try:
        person = services.add_byline_person(str(data.get("display_name") or ""), str(data.get("affiliation") or ""),
                                            by=current_user)
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=error.message, field=error.field), error.status_code
    db.session.commit()
    label = person.display_name + (f" ({person.affiliation})" if person.affiliation else "")
    return jsonify(id=person.id, label=label), 201
