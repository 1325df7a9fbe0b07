"""HTTP caching for public pages: ETag, Last-Modified, 304s and proxy-friendly Cache-Control.

Public pages are cached by their *content stamp*: a version that changes when
anything a reader can see changes (``blog.site.services.content_stamp``). A
conditional request whose validators match the stamp is answered 304 before
any page is rendered; otherwise the page is served from the shared page store
(``blog.core.pagestore``) or rendered once and stored there. Pages for
signed-in users, and any response that sets a cookie (a sign-out, a flashed
message), are never stored, by the app or by a proxy.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from functools import wraps

from flask import current_app, make_response, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login.config import COOKIE_NAME

from blog.core.pagestore import StoredPage, store_for


def etag_for(*parts) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return digest


def cached_page(stamp_function):
    """Decorate a public view: conditional requests, and the rendered page kept in the page store.

    ``stamp_function`` returns ``(last_modified: datetime, version: str)`` and
    must be cheap (one indexed read), since it runs on every request. A request
    whose validators match is answered 304 before anything else; otherwise the
    page stored for (version, URL) is served, or rendered once and stored. A
    request carrying a session or "remember me" cookie (a signed-in person,
    flashed messages) is rendered for it alone and never stored, nor is a page
    that writes to the session (a CSRF token) or sets a cookie.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if is_personal_request(request, current_app.config):
                response = make_response(view(*args, **kwargs))
                response.headers["Cache-Control"] = "private, no-store"
                return response
            last_modified, version = stamp_function()
            config = current_app.config
            tag = page_tag(version, request, config)
            if not_modified(request, tag, last_modified):
                return public_cache_headers(current_app.response_class(status=304), tag, last_modified, config)
            store = current_app.extensions["page_store"]
            page = store.get(version, tag) if version else None
            if page is None:
                response = make_response(view(*args, **kwargs))
                if response.status_code != 200 or sets_cookie(response):
                    return response
                page = StoredPage.from_response(response)
                if version:
                    store.set(version, tag, page)
            return stored_page_response(page, request, tag, last_modified, config, current_app.response_class)

        return wrapper

    return decorator


def is_personal_request(request, config) -> bool:
    """Whether the answer may depend on who asks: a session or remember-me cookie, or credentials.

    Signing in sets the session cookie, so without either cookie nobody is signed in
    (and the session need not even be opened).
    """
    cookies = request.cookies
    return (config["SESSION_COOKIE_NAME"] in cookies
            or config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in cookies
            # An API token: never answered from, nor put in, the page store. (Only Bearer: a staging
            # site behind a proxy's Basic authentication still gets its pages cached.)
            or request.headers.get("Authorization", "")[:7].lower() == "bearer ")


def page_tag(version: str, request, config) -> str:
    """The ETag of a public page, and its key in the page store: the content version and the URL."""
    return etag_for(version, config["SITE_URL"], request.full_path)


def stored_page_response(page: StoredPage, request, tag: str, last_modified: datetime, config,
                         response_class):
    """A stored page as sent: the smallest body the client accepts, and the public cache headers."""
    coding = page.choose_coding(request.accept_encodings)
    response = response_class(page.bodies[coding], headers=page.headers)
    if coding != "identity":
        response.headers["Content-Encoding"] = coding
    if len(page.bodies) > 1:
        response.vary.add("Accept-Encoding")
    return public_cache_headers(response, tag, last_modified, config)


def not_modified(request, tag: str, last_modified: datetime) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains_weak(tag)
    if request.if_modified_since:
        return last_modified.replace(microsecond=0) <= request.if_modified_since
    return False


def public_cache_headers(response, tag: str, last_modified: datetime, config):
    response.set_etag(tag, weak=True)
    response.last_modified = last_modified
    # A proxy may serve the page for a short time, then must ask again (a cheap 304 if unchanged).
    response.headers["Cache-Control"] = f"public, max-age={config['PAGE_CACHE_SECONDS']}, must-revalidate"
    response.vary.add("Cookie")
    return response


def sets_cookie(response) -> bool:
    """Whether ``response`` will carry a ``Set-Cookie`` (including the session cookie, which Flask
    adds after the ``after_request`` hooks run, and Flask-Login's remember cookie, flagged in it)."""
    return "Set-Cookie" in response.headers or session.modified


class ReaderSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus the signing machinery for requests without a
    session cookie (every reader's): their session is empty, so nothing needs verifying."""

    def open_session(self, app, request):
        if app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def register_cache_defaults(app) -> None:
    """Open the page store. Responses that did not choose a caching policy are never stored (forms,
    the editor), and no response that sets a cookie is ever public: a shared cache would hand that
    cookie to everyone."""
    app.session_interface = ReaderSessionInterface()
    app.extensions["page_store"] = store_for(app.config["CACHE_URL"], instance_path=app.instance_path,
                                             prefix=app.config["CACHE_KEY_PREFIX"])

    @app.after_request
    def default_no_store(response):
        if sets_cookie(response) or ("Cache-Control" not in response.headers and request.endpoint != "static"):
            response.headers["Cache-Control"] = "private, no-store"
        return response
