"""Log lines without secrets: the query string and token-like path segments of URLs are dropped.

Emailed links carry secrets (invitation, password reset, a subscriber's preferences
and unsubscribe tokens, post previews) in their path or query. Access logs are
kept, copied and read by people who must not be able to use them. Both the
application's loggers and gunicorn's access log (``deploy/gunicorn.conf.py``)
pass what they write through ``redact``.
"""
from __future__ import annotations

import logging
import re

# Path segments of 16 or more URL-safe characters are secrets unless shaped like a slug
# ("a-workshop-report") or a stored file name ("3fa2...c9.webp"); tokens from
# secrets.token_urlsafe and itsdangerous have capitals, underscores or dots between parts.
_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_.=~-]{16,}(?=[/?#\s\"]|$)")
_SLUG_OR_FILE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]{2,5})?")
_QUERY = re.compile(r"\?[^\s\"#]*")
REDACTED = "[redacted]"


def _redact_segment(match: re.Match) -> str:
    return match.group(0) if _SLUG_OR_FILE.fullmatch(match.group(0)) else REDACTED


def redact(text: str) -> str:
    """``text`` with every URL's query replaced and token-like path segments replaced."""
    return _SEGMENT.sub(_redact_segment, _QUERY.sub(f"?{REDACTED}", text))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message through ``redact`` (Werkzeug's request lines included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def redact_application_logs(app) -> None:
    """The app's own logger and Werkzeug's (the development server's request log)."""
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
