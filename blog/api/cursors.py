"""Opaque page cursors: what a page's ``next`` link carries, base64url so clients do not parse it."""
from __future__ import annotations

import base64
import binascii

from flask_smorest import abort


def encode(kind: str, value: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode(kind: str, cursor: str | None) -> str | None:
    """The value inside a cursor of ``kind``; a 400 problem for anything else."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    found, _, value = text.partition(":")
    if found != kind or not value:
        abort(400, message="That cursor is not valid here: use the `next` link of a previous page.")
    return value


def offset_of(cursor: str | None) -> int:
    value = decode("o", cursor)
    if value is None:
        return 0
    if not value.isdigit() or len(value) > 9:
        abort(400, message="That cursor is not valid here: use the `next` link of a previous page.")
    return int(value)
