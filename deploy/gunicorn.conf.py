"""Gunicorn settings for a production install: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Give the number of workers and the address on the command line (``--workers 2
--bind 127.0.0.1:8000``) or in ``WEB_CONCURRENCY``/``GUNICORN_CMD_ARGS``.

The access log is on, and never holds a secret: emailed links carry tokens
(invitations, password resets, newsletter preferences and unsubscribe links,
post previews) in their path or query, so every URL it writes goes through
``blog.core.logs.redact``: the query string and token-like path segments are
replaced by ``[redacted]``.
"""
import sys
from pathlib import Path

from gunicorn.glogging import Logger

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for blog.core.logs

from blog.core.logs import REDACTED, redact  # noqa: E402

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'

# Atoms that can hold a URL of this site: the request line, path, Referer and redirect target.
_URL_ATOMS = ("r", "U", "f", "{referer}i", "{location}o")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in _URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        if atoms.get("q"):
            atoms["q"] = REDACTED
        return atoms


logger_class = RedactingLogger
