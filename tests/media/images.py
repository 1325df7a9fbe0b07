"""Real image files made in the test: ordinary photos, phone-style ones with EXIF, and hostile ones."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

GPS_LATITUDE = (51.0, 30.0, 12.34)


def photo(width=1200, height=800, fmt="JPEG", color=(180, 40, 40), **save) -> bytes:
    """A picture with a marker square at the top left (to check orientation)."""
    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 4, height // 4), fill=(0, 200, 0))
    draw.ellipse((width // 2, height // 2, width // 2 + width // 5, height // 2 + height // 5), fill=(0, 0, 220))
    out = io.BytesIO()
    if fmt == "PNG" and "mode" in save:
        image = image.convert(save.pop("mode"))
    image.save(out, fmt, **save)
    return out.getvalue()


def phone_photo(width=1200, height=800, orientation=6) -> bytes:
    """A JPEG with camera EXIF: GPS position, serial number, and a rotation tag."""
    image = Image.new("RGB", (width, height), (200, 200, 200))
    ImageDraw.Draw(image).rectangle((0, 0, width // 4, height // 4), fill=(0, 200, 0))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber (in the Exif IFD, but fine at top level)
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LATITUDE
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(0x8825)) or b"SERIAL-12345" in data or "exif" in image.info
