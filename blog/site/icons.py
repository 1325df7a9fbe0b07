"""The site's icons (favicon and apple-touch-icon): made from the logo in site settings, else the default.

Icons are made from the stored logo on first request and kept beside it under
``MEDIA_ROOT/site/`` (named after the logo file, so a new logo gets new icons and
the old ones are never served again). Without a logo the defaults shipped in
``static/img/`` are served. Browsers and feed readers ask for ``/favicon.ico``
and ``/apple-touch-icon.png`` at the root even when no page names them.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from PIL import Image

from blog.media.images import open_image

FAVICON_SIZES = [(16, 16), (32, 32), (48, 48)]
TOUCH_ICON_SIZE = 180  # what iOS asks for
ICONS = {"favicon.ico": "ICO", "apple-touch-icon.png": "PNG"}


def _square(logo: Image.Image, size: int, background=(0, 0, 0, 0)) -> Image.Image:
    """The whole logo, centred on a square (never cropped or stretched)."""
    logo = logo.convert("RGBA")
    logo.thumbnail((size, size), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (size, size), background)
    canvas.paste(logo, ((size - logo.width) // 2, (size - logo.height) // 2), logo)
    return canvas


def icon_file(name: str, logo_path: str) -> Path:
    """The file to serve as ``name`` (a key of ``ICONS``), made from ``logo_path`` if there is one."""
    if not logo_path:
        return Path(current_app.static_folder) / "img" / name
    media = Path(current_app.config["MEDIA_ROOT"])
    logo_file = media / logo_path
    target = logo_file.with_name(f"{logo_file.stem}-{name}")
    if not target.exists():
        # The stored logo is a PNG the site wrote itself, yet it is opened the one way every image is.
        logo = open_image(logo_file.read_bytes(), logo_file.name, max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
                          max_pixels=current_app.config["MAX_IMAGE_PIXELS"])
        if ICONS[name] == "ICO":
            image = _square(logo, max(size for size, _ in FAVICON_SIZES))
            options = {"sizes": FAVICON_SIZES}
        else:
            # iOS shows transparency as black: the home-screen icon gets a white ground.
            image, options = _square(logo, TOUCH_ICON_SIZE, (255, 255, 255, 255)), {}
        partial = target.with_suffix(".tmp")
        image.save(partial, ICONS[name], **options)
        partial.replace(target)  # two first requests at once never serve half a file
    return target
