"""Reading an export ZIP in tests."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

from blog.transfer.archive import write_export

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "export.schema.json").read_text())


def export_bytes() -> bytes:
    buffer = io.BytesIO()
    write_export(buffer)
    return buffer.getvalue()


def document_of(data: bytes) -> dict:
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("export.json"))


def schema_errors(document: dict) -> list[str]:
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
