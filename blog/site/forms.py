from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class SettingsForm(FlaskForm):
    site_name = StringField("Site name", validators=[DataRequired(), Length(max=120)])
    tagline = StringField("Tagline", validators=[Length(max=255)])
    description = TextAreaField("Description (for search engines and feeds)")
    timezone = StringField("Time zone", validators=[DataRequired()],
                           description="An IANA name such as Europe/London")
    language = StringField("Language", default="en", validators=[Length(max=16)])
    licence = SelectField("Licence of posts", validate_choice=False,
                          description="Posts use it unless they choose their own.")
    footer_text = TextAreaField("Footer text")
    logo = FileField("Logo (PNG, JPEG or WebP)")


class MenuItemForm(FlaskForm):
    KINDS = [("page", "A page"), ("tag", "A tag's posts"), ("posts", "The list of posts"),
             ("events", "The events list"), ("link", "An external link")]

    kind = SelectField("Links to", choices=[SelectChoice(value, label) for value, label in KINDS], default="page")  # checked by add_menu_item
    page_id = SelectField("Page", coerce=int, validators=[Optional()])
    tag_id = SelectField("Tag", coerce=int, validators=[Optional()])
    url = StringField("External address", validators=[Optional(), Length(max=500)],
                      description="A full address, such as https://example.org/")
    label = StringField("Label", validators=[Length(max=80)],
                        description="Left empty: the page's title or the tag's name.")
