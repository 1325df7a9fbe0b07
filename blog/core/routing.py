"""URL converters shared by every blueprint."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

# Both databases store ids as signed 64-bit integers; a larger number cannot name a row.
LARGEST_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` that does not match past ``LARGEST_ID``, so the route answers 404.

    Werkzeug's converter accepts any number of digits; SQLite then fails with
    ``OverflowError`` (a 500) and PostgreSQL with a numeric range error.
    """

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs["max"] = min(kwargs.get("max") or LARGEST_ID, LARGEST_ID)
        super().__init__(map, *args, **kwargs)
