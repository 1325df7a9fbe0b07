from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class PostForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    body = TextAreaField("Body (Markdown)", description=(
        "Drag photos here or paste them. A photo is [[photo:KEY]] on its own line, "
        "a gallery [[gallery:KEY1,KEY2]]; the Photo and Gallery buttons insert them."))
    slug = StringField("URL slug", validators=[Optional(), Length(max=120)],
                       description="Made from the title when left empty.")
    custom_excerpt = TextAreaField("Excerpt", validators=[Optional(), Length(max=600)],
                                   description="Shown in lists and feeds; taken from the body when empty.")
    tags = StringField("Tags", description="Separate tags with commas.")
    authors = SelectMultipleField("Authors", coerce=int)
    publish_at = StringField("Publish at", validators=[Optional()],
                             description="Leave empty to publish now. Format: 2026-12-01 09:00, in the site's time zone.",
                             render_kw={"type": "datetime-local"})
    # Citable posts: choices and defaults come from ``blog.scholarly`` (set in the view).
    language = StringField("Language", validators=[Optional(), Length(max=16)],
                           description="A language tag such as en or de; empty for the site's language.")
    licence = SelectField("Licence", validate_choice=False)
    doi = StringField("DOI", validators=[Optional(), Length(max=255)],
                      description="Optional, such as 10.5281/zenodo.1234567 (a doi.org link is fine).")
    base_version = HiddenField()


class TagForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    description = TextAreaField("Description")
