"""Event pages (upcoming, past, one event, its .ics) and the event editor.

Public pages are cached on the site's content stamp, which includes (through
``register_next_change``) the moments events start and end. The editor pages
use the editor look and the same roles as posts (see ``blog.events.services``).
"""
from __future__ import annotations

from datetime import datetime
from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from blog.accounts.models import Role
from blog.accounts.services import require_role
from blog.core import usage
from blog.core.cache import cached_page
from blog.core.markdown import register_directive
from blog.core.time import to_local, utcnow
from blog.errors import EditConflict, NotAllowed, ValidationFailed
from blog.events import services
from blog.events.forms import EventForm
from blog.events.models import Event, EventStatus, PersonRole, Precision
from blog.events.structured_data import event_json_ld
from blog.extensions import db
from blog.media import services as media
from blog.posts import services as posts
from blog.site import sitemap
from blog.site.services import content_stamp, get_settings, register_next_change

bp = Blueprint("events", __name__, url_prefix="/events")

PAST_PAGE_LIMIT = 100
UPCOMING_PAGE_LIMIT = 100  # of each kind; the calendar and feed follow the rest
WRITEUPS_ON_INDEX = 3  # the newest write-ups of held events; the past page has them all
LOCAL_TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


@bp.record_once
def _register_usages(state) -> None:
    for kind in ("photo", "snapshot"):
        usage.register_finder(kind, partial(services.events_showing, kind))


@bp.record_once
def _template_helpers(state) -> None:
    """Globals (not context variables) so that imported macros can use them too."""
    state.app.jinja_env.globals.update(
        event_for_post=services.event_for_post,
        event_when=services.display_when,
        event_where=services.display_where,
        event_line=services.display_line,
        upcoming_events=services.upcoming_events,
        linkable_events=services.linkable_events,
        event_url=services.event_url,
        event_person=event_person,
    )


def event_person(credit) -> Markup:
    """A credit as shown on event pages: one of the site's people links to their page."""
    name = escape(credit.shown_name)
    if credit.person is not None:
        name = Markup('<a href="{}">{}</a>').format(url_for("people.person", slug=credit.person.slug), name)
    return name + (Markup(", ") + credit.affiliation if credit.affiliation else "")


def _sitemap_entries():
    return [(url_for("events.index"), None), (url_for("events.past"), None)] + [
        (url_for("events.event", slug=slug), updated) for slug, updated in db.session.execute(
            db.select(Event.slug, Event.updated_at).where(Event.published_at.is_not(None))
            .order_by(Event.id)).all()
    ]


sitemap.register_source(_sitemap_entries)
register_directive(services.EVENT_DIRECTIVE, services.event_card_directive)
register_next_change(services.next_event_moment)


# --- public pages ----------------------------------------------------------------------------

@bp.get("/")
@cached_page(content_stamp)
def index():
    dated = services.upcoming_dated(limit=UPCOMING_PAGE_LIMIT + 1)
    teasers = services.upcoming_teasers(limit=UPCOMING_PAGE_LIMIT + 1)
    more = len(dated) > UPCOMING_PAGE_LIMIT or len(teasers) > UPCOMING_PAGE_LIMIT
    writeups = posts.page_of_posts(services.writeup_condition(), per_page=WRITEUPS_ON_INDEX).items
    return render_template("events/index.html", dated=dated[:UPCOMING_PAGE_LIMIT],
                           teasers=teasers[:UPCOMING_PAGE_LIMIT], more=more, writeups=writeups)


@bp.get("/past")
@cached_page(content_stamp)
def past():
    events = services.past_events(limit=PAST_PAGE_LIMIT + 1)
    more = len(events) > PAST_PAGE_LIMIT
    return render_template("events/past.html", groups=services.group_by_year(events[:PAST_PAGE_LIMIT]),
                           more=more, year=None)


@bp.get("/past/<int:year>")
@cached_page(content_stamp)
def past_year(year: int):
    if not 1900 <= year <= 2999:
        abort(404)
    events = services.past_events(year=year)
    if not events:
        abort(404)
    return render_template("events/past.html", groups=[(year, events)], more=False, year=year)


@bp.get("/<slug>")
@cached_page(content_stamp)
def event(slug: str):
    found = services.public_event_by_slug(slug)
    now = utcnow()
    return render_template("events/event.html", event=found, now=now,
                           status=found.effective_status(now), writeups=services.visible_writeups(found, now),
                           json_ld=event_json_ld(found, now))


@bp.get("/<slug>.ics")
@cached_page(content_stamp)
def event_ics(slug: str):
    """One event as an iCalendar file ("Add to calendar"); 404 until its day is known."""
    from blog.feeds.ical import calendar_for

    found = services.public_event_by_slug(slug)
    if not found.is_dated:
        abort(404)
    response = current_app.response_class(calendar_for([found], name=found.title),
                                          mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{found.slug}.ics"'
    return response


# --- the event editor ------------------------------------------------------------------------

@bp.get("/editor/")
@login_required
def editor_index():
    require_role(current_user, Role.CONTRIBUTOR, "write events")
    return render_template("events/editor_index.html", events=services.editable_events(current_user))


def _people_text(event: Event, role: PersonRole) -> str:
    """The credits linked to no one (guests), one a line, for the free-text field."""
    return "\n".join(f"{p.name}, {p.affiliation}" if p.affiliation else p.name
                     for p in event.people if p.role == role.value and p.person_id is None)


def _linked_ids(event: Event, role: PersonRole) -> list[int]:
    return [p.person_id for p in event.people if p.role == role.value and p.person_id is not None]


def _fill_form(form: EventForm, event: Event) -> None:
    form.title.data = event.title
    form.summary.data = event.summary
    form.description.data = event.description_markdown
    form.status.data = event.status
    form.precision.data = event.precision
    form.timezone.data = event.timezone
    if event.starts_at:
        form.start.data = to_local(event.starts_at, event.timezone).strftime("%Y-%m-%dT%H:%M")
    if event.ends_at:
        form.end.data = to_local(event.ends_at, event.timezone).strftime("%Y-%m-%dT%H:%M")
    if event.precision == Precision.DAY.value:
        form.start_day.data = event.start_date
        form.end_day.data = event.end_date
    if event.precision in (Precision.MONTH.value, Precision.SEASON.value):
        form.year.data = event.start_date.year
        form.month.data = event.start_date.month if event.precision == Precision.MONTH.value else 0
        form.season.data = event.season or ""
    for name in ("venue_name", "venue_address", "city", "map_url", "online_url", "registration_url",
                 "registration_note", "slug"):
        getattr(form, name).data = getattr(event, name)
    form.organiser_people.data = _linked_ids(event, PersonRole.ORGANISER)
    form.organisers.data = _people_text(event, PersonRole.ORGANISER)
    form.speaker_people.data = _linked_ids(event, PersonRole.SPEAKER)
    form.speakers.data = _people_text(event, PersonRole.SPEAKER)
    form.tags.data = ", ".join(t.name for t in event.tags)
    form.photo.data = event.photo.key if event.photo else ""
    form.base_sequence.data = str(event.sequence)


def _local_time(text: str | None, field: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in LOCAL_TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValidationFailed(f"“{text}” is not a date and time; use the form 2027-05-20 09:30.", field=field)


def _people(ids: list[int] | None, text: str | None, role: PersonRole,
            event: Event | None) -> list[services.PersonInput]:
    """The people chosen from the list (in the event's order for those it had, then as listed),
    then the lines of free text. A chosen person keeps the affiliation the event gave them."""
    before = {p.person_id: p for p in (event.people if event is not None else [])
              if p.role == role.value and p.person_id is not None}
    order = {person_id: n for n, person_id in enumerate(before)}
    chosen = sorted(dict.fromkeys(ids or []), key=lambda i: order.get(i, len(order)))
    people = [services.PersonInput(name=before[i].name if i in before else "",
                                   affiliation=before[i].affiliation if i in before else "",
                                   role=role.value, person_id=i) for i in chosen]
    for line in (text or "").splitlines():
        name, _, affiliation = line.partition(",")
        if name.strip():
            people.append(services.PersonInput(name=name.strip(), affiliation=affiliation.strip(), role=role.value))
    return people


def _input_from(form: EventForm, event: Event | None = None) -> services.EventInput:
    return services.EventInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        description_markdown=form.description.data or "",
        status=form.status.data,
        precision=form.precision.data,
        timezone=(form.timezone.data or "").strip(),
        start_local=_local_time(form.start.data, "start"),
        end_local=_local_time(form.end.data, "end"),
        start_date=form.start_day.data,
        end_date=form.end_day.data,
        year=form.year.data,
        month=form.month.data or None,
        season=form.season.data or None,
        venue_name=form.venue_name.data or "",
        venue_address=form.venue_address.data or "",
        city=form.city.data or "",
        map_url=form.map_url.data or "",
        online_url=form.online_url.data or "",
        registration_url=form.registration_url.data or "",
        registration_note=form.registration_note.data or "",
        slug=(form.slug.data or "").strip() or None,
        tag_names=(form.tags.data or "").split(","),
        people=(_people(form.organiser_people.data, form.organisers.data, PersonRole.ORGANISER, event)
                + _people(form.speaker_people.data, form.speakers.data, PersonRole.SPEAKER, event)),
        photo_key=form.photo.data or "",
    )


def _save(form: EventForm, event: Event | None):
    action = request.form.get("action", "save")
    try:
        data = _input_from(form, event)
        if event is None:
            event = services.create_event(data, by=current_user)
        else:
            base = int(form.base_sequence.data) if (form.base_sequence.data or "").isdigit() else None
            services.save_event(event, data, by=current_user, base_sequence=base)
        message = "Saved."
        if action == "publish":
            services.publish_event(event, by=current_user)
            message = "Published: readers can see this event."
        elif action == "unpublish":
            services.unpublish_event(event, by=current_user)
            message = "Unpublished: readers no longer see this event."
    except (ValidationFailed, NotAllowed, EditConflict) as error:
        db.session.rollback()
        field = getattr(form, error.field or "", None) or form.title
        field.errors = list(field.errors) + [error.message]
        return render_template("events/edit.html", form=form, event=event if event and event.id else None), \
            error.status_code
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("events.edit", event_id=event.id))


def _form_for(event: Event | None) -> EventForm:
    form = EventForm()
    if request.method == "GET":
        if event is not None:
            _fill_form(form, event)
        else:
            form.timezone.data = get_settings().timezone
    people = [(p.id, p.display_name + (f" ({p.affiliation})" if p.affiliation else ""))
              for p in services.linkable_people()]
    form.organiser_people.choices = form.speaker_people.choices = people
    current = event.photo if event is not None else None
    form.photo.choices = [("", "None")] + [
        (p.key, p.label + (f" – {p.alt_text[:40]}" if p.alt_text else ""))
        for p in ([current] if current is not None else []) + [p for p in media.library(limit=60) if p != current]]
    if not current_user.can(Role.AUTHOR):
        # Contributors write announcements; confirming is for authors and editors.
        keep = EventStatus.ANNOUNCED.value if event is None else event.status
        form.status.choices = [c for c in form.status.choices if c.value == keep]
    return form


@bp.route("/editor/new", methods=["GET", "POST"])
@login_required
def new():
    require_role(current_user, Role.CONTRIBUTOR, "write events")
    form = _form_for(None)
    if form.validate_on_submit():
        return _save(form, None)
    return render_template("events/edit.html", form=form, event=None), 400 if form.errors else 200


@bp.route("/editor/<int:event_id>", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    found = db.get_or_404(Event, event_id)
    services.require_edit_event(found, current_user)
    form = _form_for(found)
    if form.validate_on_submit():
        return _save(form, found)
    return render_template("events/edit.html", form=form, event=found), 400 if form.errors else 200


@bp.get("/editor/<int:event_id>/preview")
@login_required
def preview(event_id: int):
    """The event page as readers will see it, for whoever may edit it (drafts too); never cached."""
    found = db.get_or_404(Event, event_id)
    services.require_edit_event(found, current_user)
    now = utcnow()
    return render_template("events/event.html", event=found, now=now, preview=True,
                           status=found.effective_status(now), writeups=services.visible_writeups(found, now),
                           json_ld=event_json_ld(found, now))


@bp.post("/editor/<int:event_id>/delete")
@login_required
def delete(event_id: int):
    found = db.get_or_404(Event, event_id)
    services.delete_event(found, by=current_user)
    db.session.commit()
    flash("Event deleted.", "success")
    return redirect(url_for("events.editor_index"))
