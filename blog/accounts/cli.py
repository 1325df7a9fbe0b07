"""``flask users ...``: manage accounts from the command line."""
from __future__ import annotations

import sys

import click

from blog.accounts import services
from blog.accounts.models import Role
from blog.errors import ValidationFailed
from blog.extensions import db


@click.group()
def users():
    """Manage user accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.AUTHOR.value,
              show_default=True)
@click.option("--name", "display_name", default="", help="Display name shown on posts.")
@click.option("--affiliation", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email, role, display_name, affiliation, password_stdin):
    """Create an account; asks for the password unless --password-stdin is given."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email, password, role=Role(role), display_name=display_name,
                                    affiliation=affiliation)
    except ValidationFailed as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@users.command("list")
def list_users():
    """List accounts with their roles."""
    for user in services.list_users():
        state = "" if user.active else " (suspended)"
        click.echo(f"{user.email}\t{user.role}\t{user.display_name}{state}")
