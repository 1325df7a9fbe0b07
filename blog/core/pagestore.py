"""Rendered public pages, shared by every worker: on the file system or in Redis (``CACHE_URL``).

A stored page is keyed by its ETag, which is made from the content version and
the URL, so a page is never updated in place: a write moves the version and
every older page simply stops being asked for. The file store deletes older
versions' folders when the first page of a new version is stored; Redis
entries expire by themselves.

Each page is kept as sent (identity) and precompressed (gzip, and Brotli when
the ``brotli`` package is installed), so a cache hit costs a read and no
compression.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

try:
    import brotli
except ImportError:  # optional: gzip alone is served then
    brotli = None

COMPRESSIBLE = ("text/", "application/xml", "application/rss+xml", "application/atom+xml",
                "application/feed+json", "application/json", "application/ld+json")
MIN_COMPRESS_BYTES = 256
REDIS_SECONDS = 24 * 3600
_UNSTORED_HEADERS = {"content-length", "set-cookie", "content-encoding", "vary"}


@dataclass(frozen=True)
class StoredPage:
    headers: list[tuple[str, str]]
    bodies: dict[str, bytes]  # content coding ("identity", "gzip", "br") -> bytes

    @classmethod
    def from_response(cls, response) -> StoredPage:
        body = response.get_data()
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _UNSTORED_HEADERS]
        bodies = {"identity": body}
        if len(body) >= MIN_COMPRESS_BYTES and (response.mimetype or "").startswith(COMPRESSIBLE):
            bodies["gzip"] = gzip.compress(body, compresslevel=6, mtime=0)
            if brotli is not None:
                bodies["br"] = brotli.compress(body, quality=5)
        return cls(headers, bodies)

    def choose_coding(self, accept_encodings) -> str:
        """The smallest body the client accepts (``accept_encodings``: Werkzeug's parsed header)."""
        for coding in ("br", "gzip"):
            if coding in self.bodies and accept_encodings[coding]:
                return coding
        return "identity"

    def to_bytes(self) -> bytes:
        codings = list(self.bodies)
        head = json.dumps({"headers": self.headers, "codings": codings,
                           "lengths": [len(self.bodies[c]) for c in codings]}).encode()
        return head + b"\n" + b"".join(self.bodies[c] for c in codings)

    @classmethod
    def from_bytes(cls, data: bytes) -> StoredPage:
        newline = data.index(b"\n")
        head = json.loads(data[:newline])
        bodies, offset = {}, newline + 1
        for coding, length in zip(head["codings"], head["lengths"]):
            bodies[coding] = data[offset:offset + length]
            offset += length
        return cls([tuple(h) for h in head["headers"]], bodies)


class FileStore:
    """One folder per content version under ``root``; one file per page, written atomically."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def get(self, version: str, key: str) -> StoredPage | None:
        try:
            return StoredPage.from_bytes((self.root / version / key).read_bytes())
        except (FileNotFoundError, ValueError):
            return None

    def set(self, version: str, key: str, page: StoredPage) -> None:
        folder = self.root / version
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            self._forget_other_versions(version)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".")
        with os.fdopen(handle, "wb") as file:
            file.write(page.to_bytes())
        os.replace(temporary, folder / key)

    def _forget_other_versions(self, version: str) -> None:
        for folder in self.root.iterdir():
            if folder.name != version:
                shutil.rmtree(folder, ignore_errors=True)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class RedisStore:
    """Pages in Redis under ``prefix``; every entry expires after a day, so old versions go by themselves."""

    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = prefix

    def get(self, version: str, key: str) -> StoredPage | None:
        data = self.client.get(f"{self.prefix}:page:{version}:{key}")
        return StoredPage.from_bytes(data) if data else None

    def set(self, version: str, key: str, page: StoredPage) -> None:
        self.client.set(f"{self.prefix}:page:{version}:{key}", page.to_bytes(), ex=REDIS_SECONDS)

    def clear(self) -> None:
        for name in self.client.scan_iter(f"{self.prefix}:page:*"):
            self.client.delete(name)


class NoStore:
    """``CACHE_URL=none``: every page is rendered (ETags and 304s still work)."""

    def get(self, version: str, key: str) -> None:
        return None

    def set(self, version: str, key: str, page: StoredPage) -> None:
        pass

    def clear(self) -> None:
        pass


class RecentPages:
    """The most recently served pages kept in this process in front of the shared store.

    Safe because a stored page never changes under its key (a change makes a new
    version, hence new keys); it only saves the shared store's read on the busiest pages.
    """

    def __init__(self, store, size: int = 256):
        self.store = store
        self.size = size
        self.pages: OrderedDict[tuple[str, str], StoredPage] = OrderedDict()

    def get(self, version: str, key: str) -> StoredPage | None:
        page = self.pages.get((version, key))
        if page is not None:
            self.pages.move_to_end((version, key))
            return page
        page = self.store.get(version, key)
        if page is not None:
            self._remember(version, key, page)
        return page

    def set(self, version: str, key: str, page: StoredPage) -> None:
        self.store.set(version, key, page)
        self._remember(version, key, page)

    def _remember(self, version: str, key: str, page: StoredPage) -> None:
        self.pages[(version, key)] = page
        while len(self.pages) > self.size:
            self.pages.popitem(last=False)

    def clear(self) -> None:
        self.pages.clear()
        self.store.clear()


def store_for(cache_url: str, *, instance_path: str, prefix: str):
    """The store ``CACHE_URL`` names: empty for ``INSTANCE_PATH/page-cache``, ``file:///folder``,
    ``redis://host:6379/0`` or ``none``."""
    if cache_url in ("", "file:"):
        return RecentPages(FileStore(Path(instance_path) / "page-cache"))
    if cache_url.startswith("file://"):
        return RecentPages(FileStore(cache_url[len("file://"):]))
    if cache_url.startswith(("redis://", "rediss://", "unix://")):
        return RecentPages(RedisStore(cache_url, prefix))
    if cache_url == "none":
        return NoStore()
    raise ValueError(f"unknown CACHE_URL {cache_url!r}")  # blog.config explains the choices
