"""Image decoding and variants: the pure part of the upload pipeline (no database, no files).

A file is accepted because it decodes as a photo, never because of its name or
declared type. ``prepare_image`` refuses what does not decode, what is cut
short, decompression bombs, SVG and polyglots (markup or script inside an image
file), then applies the EXIF orientation and re-encodes every variant without
any metadata (no EXIF, GPS, XMP, IPTC, comments); only the colour profile is kept.
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF, what phones take
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pinned in requirements.txt
    pillow_heif = None

from blog.errors import ValidationFailed

# Never decode what is cut short: a truncated upload is refused, not padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

VARIANT_WIDTHS = (480, 960, 1600, 2400)
ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF",
                    "HEIF": "HEIF", "HEIC": "HEIC", "AVIF": "AVIF"}
FORMATS_TEXT = "JPEG, PNG, WebP, GIF or HEIC/HEIF"
JPEG_QUALITY = 82
WEBP_QUALITY = 80

# Markup or script where only pixels should be: the signature of a polyglot file. Long markers
# are searched in the whole file (chance of appearing in compressed pixels is negligible);
# short ones only near the start and end, where headers, comments and appended payloads sit.
_MARKUP_ANYWHERE = re.compile(
    rb"<script|<html|<iframe|<!doctype|<\?php|javascript:|<object\b|<embed\b", re.IGNORECASE)
_MARKUP_AT_EDGES = re.compile(rb"<(?:svg|body|head|form|meta)[\s>/]|onerror\s*=|onload\s*=",
                              re.IGNORECASE)
EDGE_BYTES = 65_536


@dataclass
class Variant:
    fmt: str  # "jpeg" or "webp"
    width: int
    height: int
    data: bytes
    name: str = ""

    def __post_init__(self):
        extension = "jpg" if self.fmt == "jpeg" else self.fmt
        self.name = f"{hashlib.sha256(self.data).hexdigest()[:32]}.{extension}"


@dataclass
class Prepared:
    source_format: str
    width: int  # after orientation, before any resizing
    height: int
    content_hash: str  # of the uploaded bytes
    variants: list[Variant] = field(default_factory=list)


def refuse_obvious(data: bytes, filename: str, *, max_bytes: int) -> None:
    """Checks that need no decoding: size, emptiness, SVG and markup inside the file."""
    if not data:
        raise ValidationFailed(f"“{filename}” is empty.")
    if len(data) > max_bytes:
        raise ValidationFailed(
            f"“{filename}” is {len(data) / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB.")
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        raise ValidationFailed(
            f"“{filename}” is an SVG drawing. SVG files can carry scripts, so they are not accepted: "
            f"export it as PNG or JPEG.")
    if _MARKUP_ANYWHERE.search(data) or _MARKUP_AT_EDGES.search(data[:EDGE_BYTES]) \
            or _MARKUP_AT_EDGES.search(data[-EDGE_BYTES:]):
        raise ValidationFailed(
            f"“{filename}” contains web page markup or script inside the image data, so it was refused. "
            f"Save the photo again from a photo editor and upload that.")


def _open(data: bytes, filename: str, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(filename, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed(
            f"“{filename}” is not a photo this site can read. Upload a {FORMATS_TEXT} file.") from None
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationFailed(
            f"“{filename}” is a {image.format} image; upload a {FORMATS_TEXT} file instead.")
    if image.width * image.height > max_pixels or image.width < 1 or image.height < 1:
        raise _bomb(filename, max_pixels, image.size)
    return image


def _bomb(filename: str, max_pixels: int, size=None) -> ValidationFailed:
    detail = f" ({size[0]} × {size[1]} pixels)" if size else ""
    return ValidationFailed(
        f"“{filename}” is too large in pixels{detail}; the limit is {max_pixels / 1_000_000:.0f} megapixels. "
        f"Resize it before uploading.")


def _oriented_width(image: Image.Image) -> int:
    orientation = image.getexif().get(0x0112, 1)
    return image.height if orientation in (5, 6, 7, 8) else image.width


def _to_output_mode(image: Image.Image) -> Image.Image:
    """RGB or RGBA (for WebP with transparency), converting CMYK and other modes through sRGB."""
    icc = image.info.get("icc_profile")
    if image.mode == "CMYK":
        if icc:
            try:
                source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                srgb = ImageCms.createProfile("sRGB")
                image = ImageCms.profileToProfile(image, source, srgb, outputMode="RGB")
                image.info["icc_profile"] = ImageCms.ImageCmsProfile(srgb).tobytes()
                return image
            except (ImageCms.PyCMSError, OSError):
                pass
        image = image.convert("RGB")
        image.info.pop("icc_profile", None)
        return image
    if image.mode in ("RGB", "RGBA"):
        return image
    if image.mode in ("P", "PA", "LA") or "transparency" in image.info:
        return image.convert("RGBA")
    if image.mode.startswith("I;16") or image.mode == "I":
        return image.point(lambda v: v / 256).convert("RGB") if image.mode == "I" else image.convert("RGB")
    return image.convert("RGB")


def prepare_image(data: bytes, filename: str, *, max_bytes: int, max_pixels: int,
                  widths: tuple[int, ...] = VARIANT_WIDTHS) -> Prepared:
    """Decode ``data`` and make its variants, or :raise ValidationFailed: with a clear message."""
    refuse_obvious(data, filename, max_bytes=max_bytes)
    image = _open(data, filename, max_pixels)
    source_format = ACCEPTED_FORMATS[image.format]
    largest = max(widths)
    try:
        # A large JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers the largest
        # variant: a 24-megapixel photo then never needs its full-size bitmap in memory.
        final_width = _oriented_width(image)
        if image.format in ("JPEG", "MPO") and final_width > largest:
            shrink = final_width / largest
            image.draft("RGB", (int(image.width / shrink), int(image.height / shrink)))
        image.load()
        if getattr(image, "is_animated", False):
            image.seek(0)  # galleries show stills: the first frame
        icc = image.info.get("icc_profile")
        image = ImageOps.exif_transpose(image)
        image.info["icc_profile"] = icc
        if not icc:
            image.info.pop("icc_profile", None)
        image = _to_output_mode(image)
    except ValidationFailed:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        truncated = "truncated" in str(error).lower() or isinstance(error, EOFError)
        reason = "is cut short (truncated)" if truncated else "is damaged and could not be decoded"
        raise ValidationFailed(f"“{filename}” {reason}. Upload the complete file again.") from None
    icc = image.info.get("icc_profile")
    # Everything but the colour profile is dropped: no EXIF, GPS, XMP, IPTC or comments.
    image.info = {}
    if hasattr(image, "_exif"):
        image._exif = None
    original_size = _original_size(data, image)
    prepared = Prepared(source_format=source_format, width=original_size[0], height=original_size[1],
                        content_hash=hashlib.sha256(data).hexdigest())
    targets = sorted({w for w in widths if w < image.width} | {min(image.width, largest)}, reverse=True)
    current = image
    for width in targets:
        height = max(1, round(image.height * width / image.width))
        if current.size != (width, height):
            # Each size is made from the next larger one: fast, and sharp enough at these ratios.
            current = current.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        prepared.variants.extend(_encode(current, icc))
    return prepared


def _original_size(data: bytes, decoded: Image.Image) -> tuple[int, int]:
    """The oriented size of the photo as uploaded (``decoded`` may be a reduced draft)."""
    with Image.open(io.BytesIO(data)) as header:
        width, height = header.size
        if header.getexif().get(0x0112, 1) in (5, 6, 7, 8):
            width, height = height, width
    if decoded.width > width:  # cannot happen, but never report less than was decoded
        return decoded.size
    return width, height


def _encode(image: Image.Image, icc: bytes | None) -> list[Variant]:
    extra = {"icc_profile": icc} if icc else {}
    webp = io.BytesIO()
    image.save(webp, "WEBP", quality=WEBP_QUALITY, method=4, **extra)
    jpeg_source = image
    if image.mode == "RGBA":
        jpeg_source = Image.new("RGB", image.size, (255, 255, 255))
        jpeg_source.paste(image, mask=image.getchannel("A"))
    jpeg = io.BytesIO()
    jpeg_source.save(jpeg, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, **extra)
    return [Variant("webp", image.width, image.height, webp.getvalue()),
            Variant("jpeg", image.width, image.height, jpeg.getvalue())]
