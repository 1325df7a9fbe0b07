from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from blog.accounts.forms import ROLE_CHOICES
from blog.accounts.models import Role


class PersonForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    group_role = StringField("Role in the group", validators=[Length(max=120)],
                             description="For example “PhD student” or “Principal investigator”.")
    affiliation = StringField("Affiliation", validators=[Length(max=255)])
    ror = StringField("ROR id of the affiliation", validators=[Length(max=40)],
                      description="Optional, for example 03yrm5c26 (see ror.org).")
    orcid = StringField("ORCID iD", validators=[Length(max=40)], description="For example 0000-0002-1825-0097.")
    photo_key = StringField("Photo", validators=[Length(max=16)],
                            description="The key of a photo in the media library (the KEY of [[photo:KEY]]).")
    bio = TextAreaField("Short biography")
    links = TextAreaField("Links", description="One web address a line.")
    position = IntegerField("Place in the list", default=0, validators=[Optional()],
                            description="People are listed by this number, smallest first, then by name.")
    listed = BooleanField("Show on the people page", default=True)
    publications = SelectMultipleField("Their publications", coerce=int,
                                       description="Found by name on import; choose any the import missed.")


class BylinePersonForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    affiliation = StringField("Affiliation", validators=[Length(max=255)])


class InviteBylineForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.CONTRIBUTOR.value)


class BibtexForm(FlaskForm):
    file = FileField("BibTeX file (.bib)")


class DoiForm(FlaskForm):
    doi = StringField("DOI", validators=[DataRequired(), Length(max=255)],
                      description="For example 10.5281/zenodo.1234567 or https://doi.org/10.5281/zenodo.1234567.")
