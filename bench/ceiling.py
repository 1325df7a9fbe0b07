"""The framework's ceiling for bench/pages.py: a bare Flask app returning stored bytes from memory.

Served by gunicorn with the same settings as the blog; ``CEILING_BODIES`` names a
folder of page bodies (one file each), read once at start.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)
BODIES = {path.name: path.read_bytes() for path in Path(os.environ["CEILING_BODIES"]).iterdir()}


@app.get("/empty-304")
def empty_304():
    return Response(status=304)


@app.get("/<name>")
def page(name: str):
    return Response(BODIES[name], content_type="text/html; charset=utf-8")
