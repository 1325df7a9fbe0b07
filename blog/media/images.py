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

from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

try:  # HEIC/HEIF, what phones take
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pinned in requirements.txt
    pillow_heif = None

from blog.errors import ValidationFailed

# Never decode what is cut short: a truncated upload is refused, not padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

VARIANT_WIDTHS = (480, 960, 1600, 2400)
# Pillow plugins allowed to read an upload: no other plugin ever sees the bytes (TIFF, PSD, EPS,
# JPEG 2000 and the like have had parser bugs, and are not what a photo arrives as). The JPEG
# plugin also reads MPO (multi-picture JPEG from cameras).
OPEN_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "HEIF", "AVIF")
ACCEPTED_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF",
                    "HEIF": "HEIF", "HEIC": "HEIC", "AVIF": "AVIF"}
FORMATS_TEXT = "JPEG, PNG, WebP, GIF or HEIC/HEIF"
# libwebp cannot encode a side longer than this; JPEG's limit (65535) is larger.
WEBP_MAX_SIDE = 16383
# Only for naming a refused file's format in the message: these bytes are compared, never parsed.
_OTHER_FORMAT_SIGNATURES = (
    (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"8BPS", "Photoshop (PSD)"), (b"%!PS", "EPS"),
    (b"\xc5\xd0\xd3\xc6", "EPS"), (b"\x00\x00\x01\x00", "ICO"),
    (b"BM", "BMP"), (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"), (b"\xffO\xffQ", "JPEG 2000"),
    (b"P1", "PPM"), (b"P2", "PPM"), (b"P3", "PPM"), (b"P4", "PPM"), (b"P5", "PPM"), (b"P6", "PPM"),
    (b"\n", "PCX"),
)
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


def open_image(data: bytes, filename: str, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """The only way an upload is opened: checks, then the header of an allowed format, unloaded.

    Only the plugins of ``OPEN_FORMATS`` look at the bytes, and the pixel count is
    checked from the header, before any pixel is decoded.

    :raise ValidationFailed: with a message naming the file and what is wrong.
    """
    refuse_obvious(data, filename, max_bytes=max_bytes)
    try:
        with warnings.catch_warnings():
            # The configured limit is checked below, with the size in the message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=OPEN_FORMATS)
    except Image.DecompressionBombError:
        raise _bomb(filename, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        other = next((name for magic, name in _OTHER_FORMAT_SIGNATURES if data.startswith(magic)), None)
        if other:
            raise ValidationFailed(f"“{filename}” is a {other} image; upload a {FORMATS_TEXT} file instead.") \
                from None
        raise ValidationFailed(
            f"“{filename}” is not a photo this site can read. Upload a {FORMATS_TEXT} file.") from None
    if image.width * image.height > max_pixels or image.width < 1 or image.height < 1:
        raise _bomb(filename, max_pixels, image.size)
    return image


def _bomb(filename: str, max_pixels: int, size=None) -> ValidationFailed:
    detail = f" ({size[0]} × {size[1]} pixels)" if size else ""
    return ValidationFailed(
        f"“{filename}” is too large in pixels{detail}; the limit is {max_pixels / 1_000_000:.0f} megapixels. "
        f"Resize it before uploading.")


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
        # 16-bit greyscale: scale to 8 bits rather than clipping everything above 255 to white.
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L").convert("RGB")
    return image.convert("RGB")


def fit_within(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled down (never up) to fit ``box``, keeping its proportions."""
    scale = min(1.0, box[0] / size[0], box[1] / size[1])
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose).
_ORIENTATIONS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                 4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
# Modes whose pixels can be averaged as they are (a palette index cannot).
_REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA", "CMYK")


def decode_upright(image: Image.Image, filename: str, box: tuple[int, int]) -> Image.Image:
    """Decode an opened upload as little as ``box`` allows; upright, RGB or RGBA, first frame.

    Memory is bounded by decoding a large JPEG at 1/2, 1/4 or 1/8 scale
    (``draft``) and by reducing any other format by an integer factor as soon as
    it is decoded, before orientation and colour conversion make copies: what
    stays in memory is never much larger than what ``box`` needs.

    :raise ValidationFailed: when the file is cut short or damaged.
    """
    try:
        turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        target = fit_within(image.size, (box[1], box[0]) if turned else box)
        if image.format in ("JPEG", "MPO"):
            image.draft("RGB", target)
        image.load()
        if getattr(image, "is_animated", False):
            image.seek(0)  # galleries show stills: the first frame
        transpose = _ORIENTATIONS.get(image.getexif().get(0x0112, 1))
        factor = min(image.width // target[0], image.height // target[1])
        if factor > 1:
            if image.mode not in _REDUCIBLE_MODES:
                image = _to_output_mode(image)
            image = image.reduce(factor)
        if transpose is not None:
            image = image.transpose(transpose)
        return _to_output_mode(image)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        truncated = "truncated" in str(error).lower() or isinstance(error, EOFError)
        reason = "is cut short (truncated)" if truncated else "is damaged and could not be decoded"
        raise ValidationFailed(f"“{filename}” {reason}. Upload the complete file again.") from None


def _oriented_size(image: Image.Image) -> tuple[int, int]:
    """The size of the photo as uploaded, once turned upright (read from the header)."""
    width, height = image.size
    return (height, width) if image.getexif().get(0x0112, 1) in (5, 6, 7, 8) else (width, height)


def _strip_metadata(image: Image.Image) -> bytes | None:
    """Drop everything but the colour profile (no EXIF, GPS, XMP, IPTC or comments); return the profile."""
    icc = image.info.get("icc_profile")
    image.info = {}
    if hasattr(image, "_exif"):
        image._exif = None
    return icc


def variant_sizes(size: tuple[int, int], widths: tuple[int, ...]) -> list[tuple[int, int]]:
    """The variants' sizes, widest first: each of ``widths`` below the photo's own, and its largest.

    None is upscaled and none has a side over ``WEBP_MAX_SIDE``: a very tall
    image (a 1080 × 17000 screenshot) gets narrower variants instead of an error.
    """
    width, height = size
    largest = max(1, min(max(widths), width, WEBP_MAX_SIDE * width // height))
    chosen = sorted({w for w in widths if w < largest} | {largest}, reverse=True)
    return [(w, min(WEBP_MAX_SIDE, max(1, round(height * w / width)))) for w in chosen]


def prepare_image(data: bytes, filename: str, *, max_bytes: int, max_pixels: int,
                  widths: tuple[int, ...] = VARIANT_WIDTHS) -> Prepared:
    """Decode ``data`` and make its variants, or :raise ValidationFailed: with a clear message."""
    image = open_image(data, filename, max_bytes=max_bytes, max_pixels=max_pixels)
    source_format = ACCEPTED_FORMATS[image.format]
    original_size = _oriented_size(image)
    largest = variant_sizes(original_size, widths)[0]
    image = decode_upright(image, filename, largest)
    icc = _strip_metadata(image)
    prepared = Prepared(source_format=source_format, width=original_size[0], height=original_size[1],
                        content_hash=hashlib.sha256(data).hexdigest())
    current = image
    for size in variant_sizes(original_size, widths):
        if current.size != size:
            # Each size is made from the next larger one: fast, and sharp enough at these ratios.
            current = current.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        prepared.variants.extend(_encode(current, icc))
    return prepared


def prepare_logo(data: bytes, filename: str, *, max_bytes: int, max_pixels: int,
                 box: tuple[int, int] = (600, 600)) -> bytes:
    """The site's logo as a metadata-free PNG fitting ``box``, through the same checks as photos."""
    image = open_image(data, filename, max_bytes=max_bytes, max_pixels=max_pixels)
    image = decode_upright(image, filename, box)
    icc = _strip_metadata(image)
    size = fit_within(image.size, box)
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    output = io.BytesIO()
    image.convert("RGBA").save(output, "PNG", **({"icc_profile": icc} if icc else {}))
    return output.getvalue()


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
