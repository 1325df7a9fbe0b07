"""Sign-in, invitations, profiles, password resets and the people admin."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import COOKIE_NAME, current_user, login_required, login_user, logout_user

from blog.accounts import services
from blog.accounts.forms import (AcceptInvitationForm, ChangePasswordForm, InviteForm, LoginForm, ProfileForm,
                                 RoleForm, SetPasswordForm)
from blog.accounts.models import Role, User
from blog.core.mail import send_email
from blog.core.redirects import safe_next
from blog.core.urls import absolute_url
from blog.errors import NotFound, ValidationFailed
from blog.extensions import db, login_manager
from blog.site.services import get_settings

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The person a session or remember cookie names (``User.get_id``), on every request.

    A cookie made before that person's ``end_sessions`` carries an older version: no one.
    """
    user_id, _, version = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() and version.isdigit() else None
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data,
                                         address=request.remote_addr or "unknown")
        except ValidationFailed as error:
            form.password.errors.append(error.message)
            status = error.status_code
        else:
            db.session.commit()  # a rehashed password
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("editor.index"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    # The session is a signed cookie the server cannot take back; a copy of it (or of the
    # remember cookie) stops working only when the version it names is gone.
    services.sign_out_everywhere(current_user, by=current_user)
    db.session.commit()
    logout_user()
    flash("You are signed out.", "success")
    return redirect(url_for("posts.home"))


@bp.route("/admin/people", methods=["GET", "POST"])
@login_required
def people():
    services.require_role(current_user, Role.ADMIN, "manage people")
    form = InviteForm()
    invitation_link = None
    if form.validate_on_submit():
        try:
            invitation, token = services.invite(form.email.data, Role(form.role.data), by=current_user)
        except ValidationFailed as error:
            form.email.errors.append(error.message)
        else:
            db.session.commit()
            invitation_link = absolute_url("accounts.invitation_landing", token=token)
            emailed = send_email(invitation.email, f"Your invitation to {get_settings().site_name}", "invitation",
                                 link=invitation_link, inviter=current_user.display_name,
                                 role=invitation.role, days=current_app.config["INVITATION_DAYS"])
            flash(f"Invitation made for {invitation.email} and "
                  + ("emailed to them. The link is also below." if emailed
                     else "NOT emailed (mail failed). Send them the link below."), "success")
    return render_template("accounts/people.html", form=form, users=services.list_users(),
                           invitation_link=invitation_link, role_form=RoleForm())


@bp.post("/admin/people/<int:user_id>/role")
@login_required
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(user, Role(form.role.data), by=current_user)
        except ValidationFailed as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{user.display_name} is now {user.role}.", "success")
    return redirect(url_for("accounts.people"))


@bp.post("/admin/people/<int:user_id>/active")
@login_required
def toggle_active(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        services.set_active(user, not user.active, by=current_user)
    except ValidationFailed as error:
        flash(error.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("accounts.people"))


@bp.route("/admin/people/<int:user_id>/delete", methods=["GET", "POST"])
@login_required
def delete_person(user_id: int):
    """GET: confirmation, choosing who takes over their posts and events. POST: delete for good."""
    services.require_role(current_user, Role.ADMIN, "delete people")
    user = db.get_or_404(User, user_id)
    others = [person for person in services.list_users() if person.id != user.id]
    error = None
    if request.method == "POST":
        heir = db.session.get(User, request.form.get("hand_over_to", type=int) or 0)
        try:
            if heir is None:
                raise ValidationFailed("Choose who takes over their posts and events.")
            services.delete_person(user, by=current_user, hand_over_to=heir)
        except ValidationFailed as failure:
            db.session.rollback()
            error = failure.message
        else:
            name, heir_name = user.display_name, heir.display_name
            db.session.commit()
            flash(f"{name} is deleted; {heir_name} now has their posts and events.", "success")
            return redirect(url_for("accounts.people"))
    return render_template("accounts/delete_person.html", person=user, others=others, error=error), \
        400 if error else 200


@bp.post("/admin/people/<int:user_id>/reset-link")
@login_required
def reset_link(user_id: int):
    services.require_role(current_user, Role.ADMIN, "reset passwords")
    user = db.get_or_404(User, user_id)
    link = absolute_url("accounts.reset_password_landing", token=services.password_reset_token(user))
    emailed = send_email(user.email, f"Reset your password for {get_settings().site_name}", "password_reset",
                         to_name=user.display_name, person=user, link=link)
    return render_template("accounts/reset_link.html", person=user, link=link, emailed=emailed)


# Emailed links carry a secret token in their path. Its landing view only moves the token into
# the (signed) session cookie and redirects, so the page, its form, the browser history and any
# Referer name the plain URL; deploy/gunicorn.conf.py keeps the landing request out of the log.

@bp.get("/invitation/<token>")
def invitation_landing(token: str):
    session["invitation_token"] = token
    return redirect(url_for("accounts.accept_invitation"))


@bp.get("/reset-password/<token>")
def reset_password_landing(token: str):
    session["reset_token"] = token
    return redirect(url_for("accounts.reset_password"))


@bp.route("/invitation", methods=["GET", "POST"])
def accept_invitation():
    token = session.get("invitation_token", "")
    invitation = services.invitation_for(token)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, password=form.password.data,
                                              display_name=form.display_name.data,
                                              affiliation=form.affiliation.data or "")
        except ValidationFailed as error:
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            session.pop("invitation_token", None)
            login_user(user)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("editor.index"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    if not session.get("reset_token"):
        raise NotFound("This password reset link is not valid or has expired.")
    form = SetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(session.get("reset_token", ""), form.password.data)
        db.session.commit()
        session.pop("reset_token", None)
        login_user(user)
        flash("Your password is changed.", "success")
        return redirect(url_for("editor.index"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, by=current_user, display_name=form.display_name.data,
                                affiliation=form.affiliation.data or "", bio=form.bio.data or "")
        db.session.commit()
        flash("Profile saved.", "success")
        return redirect(url_for("accounts.profile"))
    return _profile_page(form=form)


def _profile_page(status: int = 200, *, form=None, password_form=None, **context):
    """The profile page: details, password, sessions and API tokens (``blog.api.services``)."""
    from blog.api import services as api_tokens

    return render_template(
        "accounts/profile.html", form=form or ProfileForm(obj=current_user),
        password_form=password_form or ChangePasswordForm(formdata=None),
        tokens=api_tokens.tokens_of(current_user), token_scopes=api_tokens.SCOPES, **context), status


@bp.post("/account/api-tokens")
@login_required
def create_api_token():
    """Make a personal API token; its secret is in this answer only (never redirected, flashed or stored)."""
    from blog.api import services as api_tokens

    try:
        token, secret = api_tokens.create_token(current_user, request.form.get("name", ""),
                                                request.form.getlist("scopes"), by=current_user)
    except ValidationFailed as error:
        db.session.rollback()
        return _profile_page(400, token_error=error.message)
    db.session.commit()
    return _profile_page(new_token=token, new_secret=secret)


@bp.post("/account/api-tokens/<int:credential_id>/revoke")
@login_required
def revoke_api_token(credential_id: int):
    from blog.api import services as api_tokens

    token = api_tokens.token_of(current_user, credential_id)
    api_tokens.revoke_token(token, by=current_user)
    db.session.commit()
    flash(f"The token “{token.name}” is revoked: scripts using it are refused from now on.", "success")
    return redirect(url_for("accounts.profile") + "#api-tokens")


def _stay_signed_in_here() -> None:
    """After the current person's sessions ended (``User.end_sessions``), sign this browser in again."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
    login_user(current_user._get_current_object(), remember=remembered)


@bp.post("/account/password")
@login_required
def change_password():
    """A new password ends every other session and remember cookie; this browser stays signed in."""
    password_form = ChangePasswordForm()
    if password_form.validate_on_submit():
        try:
            services.change_password(current_user, password_form.current_password.data, password_form.password.data)
        except ValidationFailed as error:
            getattr(password_form, error.field or "password").errors.append(error.message)
        else:
            db.session.commit()
            _stay_signed_in_here()
            flash("Your password is changed. Every other session has ended.", "success")
            return redirect(url_for("accounts.profile"))
    return _profile_page(400, password_form=password_form)


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """Every other session and remember cookie of the signed-in person ends; this one continues."""
    services.sign_out_everywhere(current_user, by=current_user)
    db.session.commit()
    _stay_signed_in_here()
    flash("You are signed out on every other device and browser.", "success")
    return redirect(url_for("accounts.profile"))


@bp.get("/account/")
def account_home():
    if not current_user.is_authenticated:
        abort(404)
    return redirect(url_for("editor.index"))
