"""Invisible control characters in input: the one place they are removed.

PostgreSQL cannot store (or even compare with) a NUL character, so a NUL anywhere in input used to
end in a 500. The other C0 controls (U+0001 to U+001F except tab, line feed and carriage return)
are stored, but no one can see or type them: they come from pasting out of terminals, PDFs and word
processors, and they make XML feeds and exports invalid.

The choice, one rule everywhere text enters (forms, query strings, the editor's JSON, uploaded file
names, imported WordPress, BibTeX and social-post embed code):

* **web input is cleaned, not refused**: ``strip_controls`` removes the invisible characters and
  keeps everything a person can see, so an author who pasted a body with a stray NUL loses nothing.
  ``CleanInputRequest`` does it for every request outside ``/api/``, before any view or form reads
  the input;
* **password fields are passed on exactly as sent** (``VERBATIM_FIELDS``): a password is never
  stored as text (only its hash), and stripping would silently make a password other than the one
  typed. A pasted control character simply makes a different password (sign-in then fails as for
  any wrong password);
* **an address (path) with a control character is a 404**: no page has one;
* **the API (``/api/``) refuses instead of cleaning** (422, ``blog.api.schemas.Schema``): a program
  must learn that its data would not be stored as sent. It refuses the NUL that PostgreSQL cannot
  store; ``has_nul`` is shared.
"""
from __future__ import annotations

import re

from flask import Request, abort, request
from werkzeug.datastructures import FileStorage, ImmutableMultiDict

NUL = "\x00"
# Every C0 control except tab (U+0009), line feed (U+000A) and carriage return (U+000D).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Field names whose values are passed on unchanged: see the module's docstring.
VERBATIM_FIELDS = frozenset({"password", "confirm", "current_password", "new_password"})
API_PREFIX = "/api/"


def strip_controls(text: str) -> str:
    """``text`` without NUL and the other invisible C0 controls; tabs and line breaks are kept."""
    return CONTROL_CHARACTERS.sub("", text)


def has_controls(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def has_nul(value) -> bool:
    """Whether a NUL is in ``value`` or any string, key or item nested in it (JSON-like data)."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, (list, tuple)):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


def clean_data(value):
    """JSON-like data with ``strip_controls`` applied to every string, key and item in it."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [clean_data(v) for v in value]
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    return value


def _clean_pair(key, value):
    if isinstance(key, str):
        key = strip_controls(key)
    if isinstance(value, str) and key not in VERBATIM_FIELDS:
        value = strip_controls(value)
    elif isinstance(value, FileStorage) and value.filename:
        value.filename = strip_controls(value.filename)
    return key, value


class CleanMultiDict(ImmutableMultiDict):
    """Query-string, form and file fields with their keys, values and file names cleaned."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if hasattr(mapping, "lists"):  # a MultiDict
            mapping = list(mapping.items(multi=True))
        elif isinstance(mapping, dict):  # as MultiDict reads one: a list value is several values
            mapping = [(k, v) for k, values in mapping.items()
                       for v in (values if isinstance(values, (list, tuple)) else [values])]
        super().__init__([_clean_pair(k, v) for k, v in mapping])


class CleanInputRequest(Request):
    """The request class of the app: input outside ``/api/`` reaches views already cleaned.

    ``args``, ``form``, ``values`` and ``files`` are built as ``CleanMultiDict``; ``get_json`` (and
    ``json``) return ``clean_data`` of the body. The API's requests are left as sent (it refuses).
    """

    def __init__(self, environ, *args, **kwargs):
        super().__init__(environ, *args, **kwargs)
        if not (environ.get("PATH_INFO") or "").startswith(API_PREFIX):
            self.parameter_storage_class = CleanMultiDict
            self._cleans = True
        else:
            self._cleans = False

    def get_json(self, force=False, silent=False, cache=True):
        data = super().get_json(force=force, silent=silent, cache=cache)
        return clean_data(data) if self._cleans else data


def refuse_control_characters_in_paths() -> None:
    """``before_request``: an address with a control character names no page (404), rather than
    reaching a database query PostgreSQL refuses. The API answers its own 404s."""
    if request.path.startswith(API_PREFIX) or not request.view_args:
        return
    if any(isinstance(v, str) and has_controls(v) for v in request.view_args.values()):
        abort(404)


def register_input_cleaning(app) -> None:
    app.request_class = CleanInputRequest
    app.before_request(refuse_control_characters_in_paths)


_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def strip_control_bytes(data: bytes) -> bytes:
    """An uploaded file's bytes without the C0 controls ``strip_controls`` removes.

    For ASCII-compatible encodings only (UTF-8, ISO 8859, Windows code pages), where those bytes
    never occur inside a multi-byte character; a UTF-16 or UTF-32 file is returned unchanged.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:4].count(b"\x00") >= 2:
        return data
    return _CONTROL_BYTES.sub(b"", data)
