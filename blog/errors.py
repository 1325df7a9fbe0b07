"""Domain errors raised by services, and the application's error pages.

Services raise these instead of calling ``abort()``; views turn them into form
errors or messages. Any that escapes a view becomes the matching HTTP page.
"""
from __future__ import annotations

import json

from flask import current_app, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError
from werkzeug.http import HTTP_STATUS_CODES

from blog.core.text import has_controls
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


# ``hook(path, args)`` returns where a missing page moved (a path), or None: old addresses of an
# imported site answer with a 301 there instead of a 404.
_moved_page_hooks: list = []


def on_page_not_found(hook):
    """Register ``hook`` to be asked, in order, before a 404 page is shown."""
    _moved_page_hooks.append(hook)
    return hook


def wants_json() -> bool:
    """Whether the client (one of the editor's scripts) named JSON explicitly, ranked above a page.

    A wildcard (``*/*`` from curl, crawlers and link checkers) never counts as asking for JSON:
    ``best_match`` would pick the first offer for it, so the explicit entries are compared instead.
    """
    named = {mimetype: quality for mimetype, quality in request.accept_mimetypes}
    json_quality = named.get("application/json", 0)
    return json_quality > 0 and json_quality >= request.accept_mimetypes["text/html"]


HEADINGS = {
    403: "You are not allowed to see this page",
    404: "Page not found",
    409: "Someone else saved this first",
    413: "That was too large to send",
    429: "Too many requests",
    500: "Something went wrong",
}
SERVER_ERROR_MESSAGE = ("The server hit an error it did not expect. Nothing you saved before this is lost; "
                        "please try again in a moment.")


# --- the API's errors: RFC 9457 problem details ------------------------------------------------

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"
# Problem types beyond a bare HTTP status ("about:blank"), listed in the README's API section.
PROBLEM_TYPES = {
    "validation": "urn:blog:problem:validation-failed",
    "not-allowed": "urn:blog:problem:not-allowed",
    "conflict": "urn:blog:problem:edit-conflict",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem_response(status: int, detail: str = "", *, type_: str = "about:blank", title: str | None = None,
                     errors: dict | None = None, headers=None):
    """An ``application/problem+json`` answer (RFC 9457): type, title, status, detail and, for
    input that failed validation, ``errors`` (field name to a list of messages)."""
    body = {"type": type_, "title": title or HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            "detail": detail or HTTP_STATUS_CODES.get(status, "Error")}
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers.items() if hasattr(headers, "items") else headers or []):
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _flat_errors(messages) -> dict:
    """webargs' ``{"json": {"title": [...]}, "query": {...}}`` as ``{"title": [...]}``."""
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields if isinstance(fields, list) else [str(fields)]
    return flat


def domain_problem(error: DomainError):
    if isinstance(error, ValidationFailed):
        return problem_response(422, error.message, type_=PROBLEM_TYPES["validation"], title="Validation failed",
                                errors={error.field or "_schema": [error.message]})
    if isinstance(error, NotAllowed):
        return problem_response(403, error.message, type_=PROBLEM_TYPES["not-allowed"], title="Not allowed")
    if isinstance(error, EditConflict):
        return problem_response(409, error.message, type_=PROBLEM_TYPES["conflict"], title="Edit conflict")
    return problem_response(error.status_code, error.message)


def http_problem(error: HTTPException):
    data = getattr(error, "data", None) or {}
    errors = None
    if "errors" in data or "messages" in data:
        errors = _flat_errors(data.get("errors", data.get("messages")))
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    headers += list((data.get("headers") or {}).items())
    detail = data.get("message") or error.description or ""
    type_ = data.get("type", "about:blank")
    title = data.get("title")
    if errors and type_ == "about:blank":
        type_, title = PROBLEM_TYPES["validation"], "Validation failed"
        detail = data.get("message") or "The request's input failed validation: see `errors`."
    return problem_response(error.code, detail, type_=type_, title=title, errors=errors, headers=headers)


def _error_page(status: int, heading: str | None, message: str):
    heading = heading or HEADINGS.get(status, "That did not work")
    return render_template("errors/error.html", heading=heading, message=message), status


def register_error_handlers(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if is_api_request():
            return domain_problem(error)
        return _error_page(error.status_code, None, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code < 400 or request.path.startswith("/static/"):
            return error
        if is_api_request():
            db.session.rollback()
            return http_problem(error)
        # No old address holds a control character (and PostgreSQL cannot even compare a NUL).
        if error.code == 404 and request.method in ("GET", "HEAD") and not has_controls(request.path):
            for hook in _moved_page_hooks:
                if (target := hook(request.path, request.args)) is not None:
                    return redirect(target, 301)
        if wants_json():  # the editor's scripts show this text
            message = HEADINGS.get(error.code, error.name) + (f": {error.description}" if error.description else "")
            return jsonify(error=message), error.code
        return _error_page(error.code, HEADINGS.get(error.code, error.name), error.description or "")

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page either.
        return app.response_class("This site is not served under that host name.\n", status=400,
                                  mimetype="text/plain")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        megabytes = app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        return http_error(RequestEntityTooLarge(
            f"This site accepts at most {megabytes:.0f} MB in one request. Nothing was saved; "
            "choose a smaller file (a photo is resized here anyway) and try again."))

    @app.errorhandler(500)
    def server_error(error):
        # A failed request must not leave a half-done transaction for the next one.
        db.session.rollback()
        if is_api_request():
            return problem_response(500, SERVER_ERROR_MESSAGE)
        return _error_page(500, None, SERVER_ERROR_MESSAGE)
