from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from blog.newsletter.models import Receives

RECEIVES_CHOICES = [SelectChoice(r.value, r.label) for r in Receives]
WEEKDAYS = [SelectChoice(str(i), d) for i, d in enumerate(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])]


class SubscribeForm(FlaskForm):
    """The public form; CSRF-free so it also works embedded on other sites (double opt-in guards it)."""

    class Meta:
        csrf = False

    email = EmailField("Email address", validators=[DataRequired(), Length(max=320)])
    name = StringField("Name (optional)", validators=[Optional(), Length(max=120)])
    receives = RadioField("What to receive", choices=RECEIVES_CHOICES, default="both")
    tags = StringField("Interests (optional, comma-separated)", validators=[Optional(), Length(max=255)])
    website = StringField("Leave this empty")  # honeypot: people never see it, bots fill it
    source = StringField("Form")  # hidden: "footer" from the footer form (recorded in the consent log)


class PreferencesForm(FlaskForm):
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    receives = RadioField("What to receive", choices=RECEIVES_CHOICES)
    tags = StringField("Interests (comma-separated)", validators=[Optional(), Length(max=255)])


class ScheduleForm(FlaskForm):
    frequency = SelectField("Send the digest", choices=[SelectChoice("off", "Only when I press “send now”"),
                                                        SelectChoice("daily", "Every day"),
                                                        SelectChoice("weekly", "Every week")])
    weekday = SelectField("On (weekly)", choices=WEEKDAYS, default="0")
    send_time = StringField("At (HH:MM, site time zone)", default="09:00", validators=[DataRequired()])
    reply_to = EmailField("Reply-To address (optional)", validators=[Optional(), Length(max=320)])


class NoteForm(FlaskForm):
    editor_note = TextAreaField("Editor's note for the next digest (Markdown)")


class TestSendForm(FlaskForm):
    address = EmailField("Send a test to", validators=[DataRequired(), Length(max=320)])


class DraftForm(FlaskForm):
    kind = RadioField("Draft", choices=[SelectChoice("digest", "The next digest, with a note"),
                                        SelectChoice("post", "An announcement of a post"),
                                        SelectChoice("event", "An announcement of an event")],
                       default="digest")
    note = TextAreaField("Note for the digest (Markdown)", validators=[Optional()])
    post_id = SelectField("Post", validators=[Optional()], validate_choice=False)
    event_id = SelectField("Event", validators=[Optional()], validate_choice=False)


class ImportForm(FlaskForm):
    csv_file = FileField("CSV file (columns: email, consent; optional name, receives, tags, consented_at)",
                         validators=[DataRequired()])
