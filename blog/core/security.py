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


def register_security_headers(app) -> None:
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY:
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SITE_URL"].startswith("https://"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
