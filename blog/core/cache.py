"""HTTP caching for public pages: ETag, Last-Modified, 304s and proxy-friendly Cache-Control.

Public pages are cached by their *content stamp*: a value that changes when
anything a reader can see changes (``blog.site.services.content_stamp``). A
conditional request whose validators match the stamp is answered 304 before
any page is rendered. Pages for signed-in users, and any response that sets a
cookie (a sign-out, a flashed message), are never stored by a proxy.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from functools import wraps

from flask import current_app, make_response, request, session
from flask_login import current_user


def etag_for(*parts) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return digest


def cached_page(stamp_function):
    """Decorate a public view so it honours conditional requests for ``stamp_function()``.

    ``stamp_function`` returns ``(last_modified: datetime, version: str)``; it
    must be cheap (an indexed query or two), since it runs on every request.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if current_user.is_authenticated or "_flashes" in session:
                # A pending message must be rendered for this person, not answered with a 304.
                response = make_response(view(*args, **kwargs))
                response.headers["Cache-Control"] = "private, no-store"
                return response
            last_modified, version = stamp_function()
            tag = etag_for(version, request.full_path)
            if _not_modified(tag, last_modified):
                response = current_app.response_class(status=304)
            else:
                response = make_response(view(*args, **kwargs))
                if response.status_code != 200:
                    return response
            return public_cache_headers(response, tag, last_modified)

        return wrapper

    return decorator


def _not_modified(tag: str, last_modified: datetime) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains_weak(tag)
    if request.if_modified_since:
        return last_modified.replace(microsecond=0) <= request.if_modified_since
    return False


def public_cache_headers(response, tag: str, last_modified: datetime):
    response.set_etag(tag, weak=True)
    response.last_modified = last_modified
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    # A proxy may serve the page for a short time, then must ask again (a cheap 304 if unchanged).
    response.headers["Cache-Control"] = f"public, max-age={seconds}, must-revalidate"
    response.vary.add("Cookie")
    return response


def sets_cookie(response) -> bool:
    """Whether ``response`` will carry a ``Set-Cookie`` (including the session cookie, which Flask
    adds after the ``after_request`` hooks run, and Flask-Login's remember cookie, flagged in it)."""
    return "Set-Cookie" in response.headers or session.modified


def register_cache_defaults(app) -> None:
    """Responses that did not choose a caching policy are never stored (forms, the editor), and no
    response that sets a cookie is ever public: a shared cache would hand that cookie to everyone."""

    @app.after_request
    def default_no_store(response):
        if sets_cookie(response) or ("Cache-Control" not in response.headers and request.endpoint != "static"):
            response.headers["Cache-Control"] = "private, no-store"
        return response
