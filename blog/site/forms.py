from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


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
    about_markdown = TextAreaField("About page (Markdown)")
    logo = FileField("Logo (PNG, JPEG or WebP)")
