"""The ``flask import`` group: ``flask import wordpress EXPORT.xml`` and ``flask import SITE.zip``.

A file name in place of a command restores a site export (the ``archive`` command), so the short
form the README gives works without naming it.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup


class ImportGroup(AppGroup):
    """An ``AppGroup`` whose first argument, when it names no command, is an export to restore."""

    default_command = "archive"

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in self.commands and not args[0].startswith("-") \
                and self.default_command in self.commands:
            args = [self.default_command, *args]
        return super().resolve_command(ctx, args)


import_group = ImportGroup("import", help="Bring content in: a WordPress export, or a site export to restore.")
