"""URL converters shared by every blueprint."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

# Ids are INTEGER columns: signed 32-bit on PostgreSQL (SQLite's are wider, but a site must be able
# to move between the two); a larger number cannot name a row.
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` that does not match past ``LARGEST_ID``, so the route answers 404.

    Werkzeug's converter accepts any number of digits; SQLite then fails with
    ``OverflowError`` past 64 bits and PostgreSQL with a numeric range error past 32 (a 500).
    """

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs["max"] = min(kwargs.get("max") or LARGEST_ID, LARGEST_ID)
        super().__init__(map, *args, **kwargs)
