"""Readers' requests for pages already in the page store, answered before Flask.

A cached page (``blog.core.cache.cached_page``) still cost a full Flask request:
URL routing, the request context, the session, the view's decorator and the
``after_request`` hooks, about three quarters of a cache hit. This WSGI layer
answers a GET or HEAD from someone without a session or "remember me" cookie
when the page store already holds the page for the current content version (or
the request's validators match it: a 304), with exactly the response Flask
would have sent: the same code builds it (``stored_page_response``) and adds
the security headers (``add_security_headers``). Everything else, including
every miss, goes on to Flask unchanged, and the first request after a change
is rendered and stored there.
"""
from __future__ import annotations

from werkzeug.exceptions import SecurityError
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_host

from blog.core.cache import is_personal_request, not_modified, page_tag, public_cache_headers, stored_page_response
from blog.core.security import add_security_headers


class StoredPagesFirst:
    """WSGI middleware around the Flask app's ``wsgi_app``.

    ``committed_stamp()`` returns ``(last_modified, version)`` as committed in the database, or
    None when Flask must answer (see ``blog.site.services.CommittedStamp``). Answers are prepared
    once per ETag (which names the content version and the URL), status and Accept-Encoding, and
    then sent as they are: an ETag's page never changes, a change makes new ETags.
    """

    PREPARED_LIMIT = 1024

    def __init__(self, app, flask_wsgi_app, committed_stamp):
        self.app = app
        self.flask_wsgi_app = flask_wsgi_app
        self.committed_stamp = committed_stamp
        self.static_prefix = (app.static_url_path or "/static").rstrip("/") + "/"
        self.prepared: dict[tuple, tuple[str, list, bytes]] = {}

    def __call__(self, environ, start_response):
        answer = self.stored_answer(environ) if environ["REQUEST_METHOD"] in ("GET", "HEAD") else None
        if answer is None:
            return self.flask_wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def stored_answer(self, environ) -> tuple[str, list, bytes] | None:
        """``(status, headers, body)`` for a stored page (200, or 304 to a matching conditional
        request), else None."""
        request = Request(environ)
        config = self.app.config
        if request.path.startswith(self.static_prefix) or is_personal_request(request, config):
            return None
        if config["TRUSTED_HOSTS"]:  # Flask refuses other hosts: let it
            try:
                get_host(environ, trusted_hosts=config["TRUSTED_HOSTS"])
            except SecurityError:
                return None
        stamp = self.committed_stamp()
        if stamp is None:
            return None
        last_modified, version = stamp
        tag = page_tag(version, request, config)
        fresh = not_modified(request, tag, last_modified)
        key = (tag, 304) if fresh else (tag, environ.get("HTTP_ACCEPT_ENCODING", ""))
        answer = self.prepared.get(key)
        if answer is None:
            page = self.app.extensions["page_store"].get(version, tag)
            if page is None:  # not a cached page, or not rendered since the last change
                return None
            answer = self._prepare(environ, request, page, tag, last_modified, fresh)
            if len(self.prepared) >= self.PREPARED_LIMIT:
                self.prepared.clear()
            self.prepared[key] = answer
        return answer

    def _prepare(self, environ, request, page, tag, last_modified, fresh: bool) -> tuple[str, list, bytes]:
        """The answer Flask's ``cached_page`` and ``after_request`` hooks would give, as WSGI parts."""
        config, response_class = self.app.config, self.app.response_class
        if fresh:
            response = public_cache_headers(response_class(status=304), tag, last_modified, config)
        else:
            response = stored_page_response(page, request, tag, last_modified, config, response_class)
        add_security_headers(response.headers, https=config["SITE_URL"].startswith("https://"))
        body_parts, status, headers = response.get_wsgi_response({**environ, "REQUEST_METHOD": "GET"})
        return status, headers, b"".join(body_parts)
