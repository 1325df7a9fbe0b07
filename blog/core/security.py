"""Security headers on every response."""
from __future__ import annotations

_POLICY = [
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "script-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]
CONTENT_SECURITY_POLICY = "; ".join(_POLICY + ["frame-ancestors 'none'"])
EMBEDDABLE_POLICY = "; ".join(_POLICY + ["frame-ancestors *"])


def allow_framing(response):
    """Mark a response as meant to be embedded on other sites (e.g. the subscribe form)."""
    response.headers["Content-Security-Policy"] = EMBEDDABLE_POLICY
    return response


def add_security_headers(headers, *, https: bool) -> None:
    """Add to ``headers`` (Werkzeug ``Headers``) each security header a view did not set itself.

    Used on every response Flask sends and on the cached pages answered before Flask
    (``blog.core.fastpath``), so both carry the same headers.
    """
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if https:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")


def register_security_headers(app) -> None:
    @app.after_request
    def security_headers(response):
        add_security_headers(response.headers, https=app.config["SITE_URL"].startswith("https://"))
        return response
