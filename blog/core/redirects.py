"""Where a ``next=`` parameter may send the browser: a path on this site, nothing else."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit


def _is_site_path(path: str) -> bool:
    """One leading slash, then no slash or backslash (never a scheme-relative ``//host``), and no
    control character (browsers drop tabs and newlines, which could join ``/`` and ``/host``)."""
    return (path.startswith("/") and not path.startswith(("//", "/\\")) and "\\" not in path
            and path.isprintable())


def _remove_dot_segments(path: str) -> str:
    """``/a/./b/../c`` as a browser resolves it (RFC 3986, 5.2.4): ``/a/c``; empty segments stay."""
    resolved: list[str] = []
    segments = path.split("/")[1:]
    for position, segment in enumerate(segments, 1):
        if segment in (".", ".."):
            if segment == ".." and resolved:
                resolved.pop()
            if position == len(segments):
                resolved.append("")
        else:
            resolved.append(segment)
    return "/" + "/".join(resolved)


def safe_next(target: str | None) -> str | None:
    """``target`` as a path (and query) on this site, or None when it could lead anywhere else.

    Only a path with a single leading ``/`` is accepted, and it is checked again after
    normalisation and after percent-decoding, so ``/.//evil.example``, ``/%2F%2Fevil.example``,
    ``/\\evil.example``, control characters (browsers drop tabs and newlines), schemes and
    absolute URLs (even to this host) are refused.
    """
    if not target or not _is_site_path(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.fragment:
        return None
    path = _remove_dot_segments(parts.path)
    if not (_is_site_path(path) and _is_site_path(unquote(path)) and _is_site_path(_remove_dot_segments(unquote(path)))):
        return None
    return path + (f"?{parts.query}" if parts.query else "")
