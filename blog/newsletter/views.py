"""Subscribing, confirming, preferences and one-click unsubscribe; the newsletter admin."""
from __future__ import annotations

from flask import (Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required

from blog.accounts.models import Role
from blog.accounts.services import require_role
from blog.core import mail
from blog.core.security import allow_framing
from blog.core.spreadsheet import csv_response
from blog.errors import NotAllowed, NotFound, ValidationFailed
from blog.events.models import Event
from blog.extensions import csrf, db, limiter
from blog.newsletter import consent, models, review, services  # noqa: F401  (models registers the tables)
from blog.newsletter.forms import (DraftForm, ImportForm, NoteForm, PreferencesForm, ScheduleForm,
                                   SubscribeForm, TestSendForm)
from blog.newsletter.models import Mailing, MailingDraft, Subscriber, SubscriberStatus
from blog.posts.models import VISIBLE_STATUSES, Post
from blog.posts.services import posts_only
from blog.site.services import get_settings

bp = Blueprint("newsletter", __name__, url_prefix="/newsletter")

# The email's own styles are inline: the preview frame allows them, and nothing else.
PREVIEW_POLICY = ("default-src 'none'; img-src * data:; style-src 'unsafe-inline'; "
                  "frame-ancestors 'self'; form-action 'none'; base-uri 'none'")


def _subscribe_limits() -> str:
    return current_app.config["SUBSCRIBE_LIMITS"]


# --- public ------------------------------------------------------------------------------------

def _send_subscribe_mail(outcome: services.SubscribeOutcome) -> None:
    site = get_settings()
    subscriber = outcome.subscriber
    if outcome.mail == "confirm":
        mail.send_email(subscriber.email, f"Please confirm your subscription to {site.site_name}",
                        "newsletter_confirm", to_name=subscriber.name,
                        link=services.confirmation_link(subscriber, outcome.requested),
                        hours=current_app.config["NEWSLETTER_CONFIRM_HOURS"])
    elif outcome.mail == "already":
        mail.send_email(subscriber.email, f"You are already subscribed to {site.site_name}",
                        "newsletter_already", to_name=subscriber.name,
                        link=services.preferences_url(subscriber))


@bp.route("/subscribe", methods=["GET", "POST"])
@csrf.exempt  # also posted from the embeddable form on other sites; double opt-in protects it
@limiter.limit(_subscribe_limits, methods=["POST"])
def subscribe():
    form = SubscribeForm()
    embedded = request.values.get("embed") == "1"
    template = "newsletter/embed.html" if embedded else "newsletter/subscribe.html"
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                outcome = services.subscribe(form.email.data, name=form.name.data or "",
                                             receives=form.receives.data, tags=form.tags.data or "",
                                             honeypot=form.website.data or "", ip=request.remote_addr,
                                             source=consent.form_source(form.source.data, embedded=embedded))
            except ValidationFailed as error:
                form.email.errors.append(error.message)
                status = 400
            else:
                db.session.commit()
                if outcome.mail:
                    _send_subscribe_mail(outcome)
                response = Response(render_template(template, form=None, done=True))
                return allow_framing(response) if embedded else response
        else:
            status = 400
    response = Response(render_template(template, form=form, done=False), status=status)
    return allow_framing(response) if embedded else response


@bp.get("/embed")
def embed():
    """A small subscribe form for other sites: ``<iframe src=".../newsletter/embed">``."""
    return allow_framing(Response(render_template("newsletter/embed.html", form=SubscribeForm(), done=False)))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button (link scanners only GET); POST confirms."""
    if request.method == "POST":
        subscriber = services.confirm(token, ip=request.remote_addr)
        db.session.commit()
        flash("Thank you: your subscription is confirmed.", "success")
        return redirect(url_for("newsletter.preferences", token=services.subscriber_token(subscriber)))
    return render_template("newsletter/confirm.html", token=token)


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token: str):
    subscriber = services.subscriber_for_token(token)
    form = PreferencesForm(obj=subscriber)
    if form.validate_on_submit():
        services.update_preferences(subscriber, receives=form.receives.data, name=form.name.data or "",
                                    tags=form.tags.data or "", ip=request.remote_addr)
        db.session.commit()
        flash("Your preferences are saved.", "success")
        return redirect(url_for("newsletter.preferences", token=token))
    return render_template("newsletter/preferences.html", form=form, subscriber=subscriber, token=token)


@bp.get("/preferences/<token>/data.json")
def my_data(token: str):
    """Everything kept about the subscriber, as a JSON download."""
    subscriber = services.subscriber_for_token(token)
    response = jsonify(consent.personal_data(subscriber))
    response.headers["Content-Disposition"] = "attachment; filename=newsletter-data.json"
    return response


@bp.post("/preferences/<token>/delete")
def delete_my_data(token: str):
    subscriber = services.subscriber_for_token(token)
    services.delete_subscriber(subscriber)
    db.session.commit()
    return render_template("newsletter/deleted.html")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" with no token or session
def unsubscribe(token: str):
    subscriber = services.subscriber_for_token(token)
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        services.unsubscribe(subscriber, ip=request.remote_addr,
                             source=consent.Source.ONE_CLICK if one_click else consent.Source.EMAIL)
        db.session.commit()
        return render_template("newsletter/unsubscribed.html", token=token)
    return render_template("newsletter/unsubscribe.html", subscriber=subscriber, token=token)


# --- admin -------------------------------------------------------------------------------------

def _require_editor():
    require_role(current_user, Role.EDITOR, "manage the newsletter")


def _recent_posts(limit: int = 20) -> list[Post]:
    return list(db.session.execute(
        db.select(Post).where(Post.status.in_(VISIBLE_STATUSES), posts_only())
        .order_by(Post.published_at.desc()).limit(limit)
    ).scalars())


def _upcoming_events() -> list:
    events_api = services._events_api()
    return events_api.upcoming_events(limit=20) if events_api else []


@bp.get("/admin/")
@login_required
def admin():
    _require_editor()
    settings = services.newsletter_settings()
    db.session.commit()
    mailings = services.recent_mailings()
    now = services.utcnow()
    return render_template(
        "newsletter/admin.html", settings=settings, schedule_form=ScheduleForm(
            frequency=settings.frequency, weekday=str(settings.weekday), send_time=settings.send_time,
            reply_to=settings.reply_to),
        note_form=NoteForm(editor_note=settings.editor_note), test_form=TestSendForm(),
        mailings=mailings, progress=services.mailing_progress([m.id for m in mailings]),
        next_slot=services.next_slot(now, settings), counts=services.subscriber_counts(),
        recent_posts=_recent_posts(), sender=mail.get_sender().describe(),
        events=_upcoming_events(),
    )


@bp.post("/admin/schedule")
@login_required
def admin_schedule():
    _require_editor()
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            services.update_schedule(by=current_user, frequency=form.frequency.data,
                                     weekday=int(form.weekday.data), send_time=form.send_time.data.strip(),
                                     reply_to=form.reply_to.data or "")
        except ValidationFailed as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Schedule saved.", "success")
    else:
        flash("Check the schedule: " + "; ".join(e for errs in form.errors.values() for e in errs), "error")
    return redirect(url_for("newsletter.admin"))


@bp.post("/admin/note")
@login_required
def admin_note():
    _require_editor()
    form = NoteForm()
    if form.validate_on_submit():
        services.update_editor_note(form.editor_note.data or "", by=current_user)
        db.session.commit()
        flash("Editor's note saved for the next digest.", "success")
    return redirect(url_for("newsletter.admin"))


def _queue(compose, describe) -> Response:
    """Compose and queue a mailing, then show its progress; a composing error is flashed instead.
    Past ``NEWSLETTER_REVIEW_THRESHOLD`` it becomes a draft for a second editor to approve."""
    try:
        composition = compose()
        recipients = services.audience_count(composition.kind, composition.tags)
        if services.needs_approval(recipients):
            draft = review.save_draft(composition, by=current_user, note=services.newsletter_settings().editor_note)
            db.session.commit()
            flash(f"{describe} goes to {recipients} subscribers: another editor must approve it "
                  "before it is sent. It is saved as a draft.", "success")
            return redirect(url_for("newsletter.draft", draft_id=draft.id))
        mailing = services.queue_mailing(composition, by=current_user)
    except (ValidationFailed, NotFound) as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("newsletter.admin"))
    versions = services.queued_together(mailing)
    db.session.commit()
    recipients = sum(version.recipient_count for version in versions)
    flash(f"{describe} queued for {recipients} subscribers"
          + (f" ({len(versions)} versions by interests)" if len(versions) > 1 else "")
          + "; the worker is sending it.", "success")
    return redirect(url_for("newsletter.admin_mailing", mailing_id=mailing.id))


@bp.post("/admin/send-now")
@login_required
def admin_send_now():
    _require_editor()
    return _queue(services.compose_digest, "Digest")


@bp.post("/admin/posts/<int:post_id>/email")
@login_required
def admin_email_post(post_id: int):
    _require_editor()
    post = db.get_or_404(Post, post_id)
    return _queue(lambda: services.compose_post(post), f"“{post.title}”")


@bp.post("/admin/events/<int:event_id>/email")
@login_required
def admin_email_event(event_id: int):
    _require_editor()
    db.get_or_404(Event, event_id)
    return _queue(lambda: services.compose_event(event_id), "Event announcement")


# --- drafts and review ---------------------------------------------------------------------------

@bp.route("/admin/drafts/", methods=["GET", "POST"])
@login_required
def drafts():
    """Everyone on the team drafts mailings here; editors review and send them."""
    require_role(current_user, Role.CONTRIBUTOR, "draft mailings")
    form = DraftForm()
    form.post_id.choices = [("", "Choose a post")] + [(str(p.id), p.title) for p in _recent_posts()]
    form.event_id.choices = [("", "Choose an event")] + [(str(e.id), e.title) for e in _upcoming_events()]
    if form.validate_on_submit():
        note = form.note.data or ""
        try:
            if form.kind.data == "post" and form.post_id.data:
                composition = services.compose_post(db.get_or_404(Post, int(form.post_id.data)))
            elif form.kind.data == "event" and form.event_id.data:
                composition = services.compose_event(int(form.event_id.data))
            elif form.kind.data == "digest":
                composition = services.compose_digest(note=note)
            else:
                raise ValidationFailed("Choose the post or event to announce.")
            draft = review.save_draft(composition, by=current_user, note=note)
        except (ValidationFailed, NotFound) as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Draft saved; an editor will review and send it.", "success")
            return redirect(url_for("newsletter.draft", draft_id=draft.id))
    return render_template("newsletter/drafts.html", drafts=review.waiting(), form=form)


@bp.get("/admin/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int):
    require_role(current_user, Role.CONTRIBUTOR, "see drafts")
    draft = db.get_or_404(MailingDraft, draft_id)
    if draft.mailing_id is not None:
        return redirect(url_for("newsletter.admin_mailing", mailing_id=draft.mailing_id))
    return render_template("newsletter/draft.html", draft=draft, recipients=review.recipients(draft),
                           needs_approval=review.needs_approval(draft))


@bp.get("/admin/drafts/<int:draft_id>/preview.html")
@login_required
def draft_preview_html(draft_id: int):
    require_role(current_user, Role.CONTRIBUTOR, "see drafts")
    draft = db.get_or_404(MailingDraft, draft_id)
    return _email_preview(mail.fill_markers(draft.body_html, services.personal_values(None)))


def _review_action(draft_id: int, action, done: str) -> Response:
    """Approve, send or discard a draft; a refusal (role, second person, already queued) is flashed."""
    draft = db.get_or_404(MailingDraft, draft_id)
    try:
        mailing = action(draft, by=current_user)
    except (ValidationFailed, NotAllowed, NotFound) as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("newsletter.drafts"))
    db.session.commit()
    flash(done, "success")
    if isinstance(mailing, Mailing):
        return redirect(url_for("newsletter.admin_mailing", mailing_id=mailing.id))
    if action is review.discard:
        return redirect(url_for("newsletter.drafts"))
    return redirect(url_for("newsletter.draft", draft_id=draft_id))


@bp.post("/admin/drafts/<int:draft_id>/approve")
@login_required
def draft_approve(draft_id: int):
    return _review_action(draft_id, review.approve, "Approved: an editor can send it now.")


@bp.post("/admin/drafts/<int:draft_id>/send")
@login_required
def draft_send(draft_id: int):
    return _review_action(draft_id, review.send, "Queued; the worker is sending it.")


@bp.post("/admin/drafts/<int:draft_id>/discard")
@login_required
def draft_discard(draft_id: int):
    return _review_action(draft_id, review.discard, "Draft discarded.")


def _preview_subscriber() -> Subscriber | None:
    """Only an admin (who manages subscribers) may preview as a real subscriber, with their signed
    links; for anyone else the preview is for a placeholder recipient whose links are inert."""
    sub_id = request.args.get("subscriber", type=int)
    if not sub_id or not current_user.can(Role.ADMIN):
        return None
    return db.session.get(Subscriber, sub_id)


def _preview_composition():
    post_id = request.args.get("post", type=int)
    if post_id:
        return services.compose_post(db.get_or_404(Post, post_id))
    return services.compose_digest()


@bp.get("/admin/preview")
@login_required
def admin_preview():
    """The next digest as a chosen subscriber would get it: HTML and plain text side by side."""
    _require_editor()
    composition = _preview_composition()
    subscriber = _preview_subscriber()
    text = mail.fill_markers(composition.text, services.personal_values(subscriber))
    subscribers = (services.list_subscribers(status=SubscriberStatus.SUBSCRIBED.value, limit=200)
                   if current_user.can(Role.ADMIN) else [])
    return render_template("newsletter/preview.html", composition=composition, text=text,
                           subscriber=subscriber, subscribers=subscribers, test_form=TestSendForm(),
                           size=len(composition.html.encode()), post_id=request.args.get("post", type=int))


@bp.get("/admin/preview.html")
@login_required
def admin_preview_html():
    _require_editor()
    composition = _preview_composition()
    values = services.personal_values(_preview_subscriber())
    return _email_preview(mail.fill_markers(composition.html, values))


def _email_preview(html: str) -> Response:
    """An email's HTML for the preview frame, with its inline styles and nothing else allowed."""
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/admin/test")
@login_required
def admin_test():
    """Send the next digest (or a post's announcement) to any address, marked as a test."""
    _require_editor()
    form = TestSendForm()
    if not form.validate_on_submit():
        flash("Give an address to send the test to.", "error")
        return redirect(url_for("newsletter.admin"))
    try:
        address = services.normalise_email(form.address.data)
    except ValidationFailed as error:
        flash(error.message, "error")
        return redirect(url_for("newsletter.admin"))
    composition = _preview_composition()
    template = mail.MessageTemplate(subject=f"[Test] {composition.subject}", text=composition.text,
                                    html=composition.html, from_name=get_settings().site_name,
                                    reply_to=services.reply_to(), list_id=services.list_id())
    values = services.personal_values(None)
    try:
        with mail.get_sender().open() as connection:
            connection.send(template.from_email, address,
                            template.render(address, values=values, unsubscribe_url=values["UNSUBSCRIBE_URL"]))
    except mail.MailError as error:
        flash(f"The test could not be sent: {error}", "error")
    else:
        flash(f"Test sent to {address} ({mail.get_sender().describe()}).", "success")
    return redirect(url_for("newsletter.admin"))


@bp.get("/admin/mailings/<int:mailing_id>")
@login_required
def admin_mailing(mailing_id: int):
    _require_editor()
    mailing = db.get_or_404(Mailing, mailing_id)
    progress = services.mailing_progress([mailing.id]).get(mailing.id) or {}
    draft = db.session.execute(db.select(MailingDraft).where(MailingDraft.mailing_id == mailing.id)
                               ).scalar_one_or_none()
    return render_template("newsletter/mailing.html", mailing=mailing, progress=progress,
                           failures=services.failures(mailing), draft=draft)


@bp.get("/admin/subscribers")
@login_required
def admin_subscribers():
    require_role(current_user, Role.ADMIN, "see subscribers")
    status = request.args.get("status") or None
    search = request.args.get("q", "")
    return render_template("newsletter/subscribers.html", import_form=ImportForm(),
                           subscribers=services.list_subscribers(status=status, search=search),
                           counts=services.subscriber_counts(), status=status, search=search,
                           import_errors=None)


@bp.get("/admin/subscribers.csv")
@login_required
def admin_export():
    rows = services.export_rows(by=current_user)
    return csv_response("subscribers.csv", services.EXPORT_COLUMNS, rows)


@bp.post("/admin/subscribers/import")
@login_required
def admin_import():
    require_role(current_user, Role.ADMIN, "import subscribers")
    form = ImportForm()
    errors = None
    if form.validate_on_submit():
        raw = form.csv_file.data.read(5 * 1024 * 1024)
        try:
            text = raw.decode("utf-8-sig")
            result = services.import_csv(text, by=current_user)
        except UnicodeDecodeError:
            errors = ["The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."]
        except ValidationFailed as error:
            db.session.rollback()
            errors = error.message.split("\n")
        else:
            db.session.commit()
            flash(f"Imported {result.imported} subscribers; {result.skipped_existing} were already on the list"
                  + (f"; {result.skipped_suppressed} had bounced or left before and were not added"
                     if result.skipped_suppressed else "") + ".", "success")
            return redirect(url_for("newsletter.admin_subscribers"))
    else:
        errors = ["Choose a CSV file to import."]
    return render_template("newsletter/subscribers.html", import_form=form,
                           subscribers=services.list_subscribers(), counts=services.subscriber_counts(),
                           status=None, search="", import_errors=errors), 400


@bp.get("/admin/subscribers/<int:subscriber_id>")
@login_required
def admin_subscriber(subscriber_id: int):
    """One subscriber and their consent log."""
    require_role(current_user, Role.ADMIN, "see subscribers")
    subscriber = db.get_or_404(Subscriber, subscriber_id)
    return render_template("newsletter/subscriber.html", subscriber=subscriber,
                           log=consent.history(subscriber))


@bp.get("/admin/consent.csv")
@login_required
def admin_consent_export():
    """The consent log as CSV: everyone's, or one subscriber's with ``?subscriber=ID``."""
    subscriber_id = request.args.get("subscriber", type=int)
    subscriber = db.get_or_404(Subscriber, subscriber_id) if subscriber_id else None
    rows = consent.export_rows(by=current_user, subscriber=subscriber)
    return csv_response("consent-log.csv", consent.CSV_COLUMNS, rows)


@bp.post("/admin/subscribers/<int:subscriber_id>/remove")
@login_required
def admin_remove(subscriber_id: int):
    subscriber = db.get_or_404(Subscriber, subscriber_id)
    email = subscriber.email
    services.remove_subscriber(subscriber, by=current_user)
    db.session.commit()
    flash(f"{email} and their delivery records are removed for good.", "success")
    return redirect(url_for("newsletter.admin_subscribers"))


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    db.session.rollback()
    return render_template("newsletter/invalid_link.html", message=error.message), 404

