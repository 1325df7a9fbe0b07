"""Where photo files live, behind one small interface.

Features only call ``get_storage()`` and the four methods of ``Storage``; a
different backend (object storage, say) is a class with the same methods set
as ``app.extensions["media_storage"]``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app


class Storage(Protocol):
    def save(self, name: str, data: bytes) -> None: ...
    def read(self, name: str) -> bytes: ...
    def exists(self, name: str) -> bool: ...
    def delete(self, name: str) -> None: ...


class LocalStorage:
    """Files in one folder (``MEDIA_ROOT/photos`` by default), written atomically."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, name: str) -> Path:
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"not a plain file name: {name!r}")
        return self.root / name

    def save(self, name: str, data: bytes) -> None:
        target = self.path(name)
        if target.exists():  # content-addressed: same name, same bytes
            return
        self.root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)


def get_storage() -> Storage:
    storage = current_app.extensions.get("media_storage")
    if storage is None:
        storage = LocalStorage(Path(current_app.config["MEDIA_ROOT"]) / "photos")
        current_app.extensions["media_storage"] = storage
    return storage
