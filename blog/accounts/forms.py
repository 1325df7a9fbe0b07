from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from blog.accounts.models import Role

ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in")
    next = HiddenField()


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.AUTHOR.value)


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=10)])
    confirm = PasswordField("Repeat the password", validators=[EqualTo("password", "The passwords differ.")])


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])


class AcceptInvitationForm(SetPasswordForm):
    display_name = StringField("Your name as shown on posts", validators=[DataRequired(), Length(max=120)])
    affiliation = StringField("Affiliation", validators=[Length(max=255)])


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=120)])
    affiliation = StringField("Affiliation", validators=[Length(max=255)])
    bio = TextAreaField("Short biography")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
