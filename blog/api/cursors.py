"""Opaque page cursors: what a page's ``next`` link carries, base64url so clients do not parse it."""
from __future__ import annotations

import base64
import binascii

from flask_smorest import abort


NO_SUCH_PAGE = "There is no such page: use the `next` link of a previous page as it is."



def encode(kind: str, value: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode(kind: str, cursor: str | None) -> str | None:
    """The value inside a cursor of ``kind``; for anything else a 404 problem, as the feeds answer a
    malformed page link: the page it names does not exist."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    found, _, value = text.partition(":")
    if found != kind or not value:
        abort(404, message=NO_SUCH_PAGE)
    return value


def offset_of(cursor: str | None) -> int:
    value = decode("o", cursor)
    if value is None:
        return 0
    if not value.isdigit() or len(value) > 9:
        abort(404, message=NO_SUCH_PAGE)
    return int(value)
