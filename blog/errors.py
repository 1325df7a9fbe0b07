"""Domain errors raised by services, and the application's error pages.

Services raise these instead of calling ``abort()``; views turn them into form
errors or messages. Any that escapes a view becomes the matching HTTP page.
"""
from __future__ import annotations

from flask import render_template, request
from werkzeug.exceptions import HTTPException

from blog.extensions import db


class DomainError(Exception):
    """Base class: a message fit to show to the person who caused it."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input a person can fix (a bad date, a duplicate slug, a malformed upload)."""


class NotAllowed(DomainError):
    """The acting user's role does not permit this."""

    status_code = 403


class NotFound(DomainError):
    status_code = 404


class EditConflict(DomainError):
    """Someone else saved the same thing since this edit began; nothing was overwritten."""

    status_code = 409

    def __init__(self, message: str, *, theirs=None, mine=None):
        super().__init__(message)
        self.theirs = theirs
        self.mine = mine


def register_error_handlers(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return render_template("errors/domain.html", error=error), error.status_code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code < 400 or request.path.startswith("/static/"):
            return error
        template = f"errors/{error.code}.html" if error.code in (403, 404, 429) else "errors/generic.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(500)
    def server_error(error):
        # A failed request must not leave a half-done transaction for the next one.
        db.session.rollback()
        return render_template("errors/500.html"), 500
