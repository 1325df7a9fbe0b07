from flask_wtf import FlaskForm
from wtforms import (DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from blog.events.models import EventStatus, Precision


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


PRECISION_CHOICES = _choices([
    (Precision.TBA.value, "Not known yet (to be announced)"),
    (Precision.SEASON.value, "A season"),
    (Precision.MONTH.value, "A month"),
    (Precision.DAY.value, "A day or days (all day)"),
    (Precision.TIME.value, "Exact times"),
])
MONTH_CHOICES = _choices([(0, "–")] + [(n, name) for n, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)])
SEASON_CHOICES = _choices([("", "–"), ("spring", "Spring (March–May)"), ("summer", "Summer (June–August)"),
                           ("autumn", "Autumn (September–November)"), ("winter", "Winter (December–February)")])
STATUS_CHOICES = _choices([
    (EventStatus.ANNOUNCED.value, "Announced (watch this space)"),
    (EventStatus.CONFIRMED.value, "Confirmed"),
    (EventStatus.POSTPONED.value, "Postponed"),
    (EventStatus.CANCELLED.value, "Cancelled"),
    (EventStatus.HELD.value, "Held"),
])


class EventForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField("Summary", validators=[Optional(), Length(max=600)],
                            description="One or two sentences for lists, feeds and calendars.")
    description = TextAreaField("Description (Markdown)")
    status = SelectField("Status", choices=STATUS_CHOICES, default=EventStatus.ANNOUNCED.value)
    precision = SelectField("How well is the date known?", choices=PRECISION_CHOICES,
                            default=Precision.TBA.value)
    timezone = StringField("Time zone", validators=[DataRequired(), Length(max=64)],
                           description="An IANA name such as Europe/London.")
    start = StringField("Starts", validators=[Optional()], render_kw={"type": "datetime-local"},
                        description="For exact times: local time in the event's time zone.")
    end = StringField("Ends", validators=[Optional()], render_kw={"type": "datetime-local"})
    start_day = DateField("First day", validators=[Optional()], description="For all-day events.")
    end_day = DateField("Last day", validators=[Optional()], description="Leave empty for a single day.")
    year = IntegerField("Year", validators=[Optional(), NumberRange(1900, 2999)],
                        description="For a month or a season.")
    month = SelectField("Month", choices=MONTH_CHOICES, coerce=int, default=0)
    season = SelectField("Season", choices=SEASON_CHOICES, default="")
    venue_name = StringField("Venue", validators=[Optional(), Length(max=200)])
    venue_address = TextAreaField("Venue address", validators=[Optional()])
    city = StringField("Town or city", validators=[Optional(), Length(max=120)],
                       description="Shown even before the venue is known.")
    map_url = StringField("Map link", validators=[Optional(), Length(max=500)], render_kw={"type": "url"})
    online_url = StringField("Online link", validators=[Optional(), Length(max=500)], render_kw={"type": "url"})
    registration_url = StringField("Registration link", validators=[Optional(), Length(max=500)],
                                   render_kw={"type": "url"})
    registration_note = TextAreaField("Registration note", validators=[Optional()])
    organiser_people = SelectMultipleField("Organisers from the group's people", coerce=int, validate_choice=False,
                                           description="Linked to their people page; the event shows on it.")
    organisers = TextAreaField("Other organisers", description="One per line: Name, affiliation.")
    speaker_people = SelectMultipleField("Speakers from the group's people", coerce=int, validate_choice=False,
                                         description="Linked to their people page; the talk shows on it.")
    speakers = TextAreaField("Other speakers", description="One per line: Name, affiliation. A name that is "
                             "exactly one person's is linked to them too.")
    tags = StringField("Tags", description="Separate tags with commas.")
    photo = SelectField("Photo", validate_choice=False,
                        description="Shown on the event page and when the page is shared. Upload photos in the photo library.")
    slug = StringField("URL slug", validators=[Optional(), Length(max=120)],
                       description="Made from the title when left empty.")
    base_sequence = HiddenField()
