"""One opening path for every uploaded image: formats, pixel limits and WebP's size limit.

Every case runs through each place an image enters the site: a post photo
(the editor's JSON upload), a snapshot's avatar (the quote form) and the site
logo (settings). Files are generated here; a refused format must never reach
its Pillow plugin, and an over-large one must never be decoded.
"""
from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from blog.accounts.models import Role
from blog.embeds.models import SocialPost
from blog.extensions import db
from blog.media import images
from blog.media.models import Photo
from blog.site.services import get_settings
from tests.factories import login, make_user
from tests.media.images import photo


def _saved(fmt: str, **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(out, fmt, **options)
    return out.getvalue()


def _psd() -> bytes:
    """A minimal Photoshop file (Pillow reads PSD but cannot write it): 3 channels, raw pixels."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 48, 64, 8, 3)
    return header + struct.pack(">IIIH", 0, 0, 0, 0) + bytes(64 * 48 * 3)


def flat_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of any size, written row by row (never a bitmap of that size in memory)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes((width + 7) // 8)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


# What a photo may be: every other plugin must stay untouched (spelled out, not read from the code under test).
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "HEIF", "AVIF"}

REFUSED_FORMATS = {
    "TIFF": (lambda: _saved("TIFF"), "scan.tif", "TIFF"),
    "PSD": (_psd, "layers.psd", "PSD"),
    "EPS": (lambda: _saved("EPS"), "figure.eps", "EPS"),
    "ICO": (lambda: _saved("ICO"), "favicon.ico", "ICO"),
    "BMP": (lambda: _saved("BMP"), "old.bmp", "BMP"),
    "TGA": (lambda: _saved("TGA"), "render.tga", "not a photo"),
    "PCX": (lambda: _saved("PCX"), "paint.pcx", "PCX"),
    "PPM": (lambda: _saved("PPM"), "frame.ppm", "PPM"),
    "JPEG2000": (lambda: _saved("JPEG2000"), "scan.jp2", "JPEG 2000"),
}


@pytest.fixture
def plugin_calls(monkeypatch):
    """Names of the Pillow formats whose plugin was asked to open something (not allowed ones only)."""
    Image.init()
    calls: list[str] = []
    for name, (factory, accept) in list(Image.OPEN.items()):
        if name in PHOTO_FORMATS:
            continue

        def spy(fp, filename=None, *args, _name=name, _factory=factory):
            calls.append(_name)
            return _factory(fp, filename, *args)

        def accept_spy(prefix, _name=name, _accept=accept):
            calls.append(_name)
            return _accept(prefix) if _accept else True

        monkeypatch.setitem(Image.OPEN, name, (spy, accept_spy if accept else None))
    return calls


@pytest.fixture
def decoded(monkeypatch):
    """Sizes of the images whose pixels were decoded."""
    sizes: list[tuple[int, int]] = []
    original = ImageFile.ImageFile.load

    def spy(self):
        if self.tile:
            sizes.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return sizes


def _post_photo(client, data, filename):
    response = client.post("/media/upload", data={"file": (io.BytesIO(data), filename)},
                           headers={"Accept": "application/json"}, content_type="multipart/form-data")
    return response.status_code, response.get_json().get("error", ""), \
        db.session.execute(db.select(db.func.count(Photo.id))).scalar()


def _avatar(client, data, filename):
    response = client.post("/embeds/new", data={
        "platform": "x", "display_name": "Ada", "handle": "ada", "text": "Hello",
        "avatar": (io.BytesIO(data), filename),
    }, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    error = re.sub(r"\s+", " ", " ".join(re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', page, re.S)))
    return response.status_code, error or page, db.session.execute(
        db.select(db.func.count(SocialPost.id))).scalar()


def _logo(client, data, filename):
    response = client.post("/admin/settings", data={
        "site_name": "Changed", "timezone": "Europe/London", "language": "en",
        "logo": (io.BytesIO(data), filename),
    }, content_type="multipart/form-data")
    db.session.expire_all()
    return response.status_code, response.get_data(as_text=True), int(bool(get_settings().logo_path))


ENTRIES = {"post photo": _post_photo, "snapshot avatar": _avatar, "site logo": _logo}


@pytest.fixture
def admin_client(client, appctx):
    login(client, make_user(Role.ADMIN))
    return client


@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("fmt", sorted(REFUSED_FORMATS))
def test_other_formats_are_refused_without_reaching_their_plugin(admin_client, plugin_calls, entry, fmt):
    make, filename, expected = REFUSED_FORMATS[fmt]
    data = make()
    with Image.open(io.BytesIO(data)) as check:  # the file is a real one of its format
        assert check.format == fmt
    plugin_calls.clear()
    status, message, stored = ENTRIES[entry](admin_client, data, filename)
    assert status == 400 and stored == 0
    assert expected in message and "JPEG, PNG, WebP" in message
    assert plugin_calls == []


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_169_megapixels_are_refused_from_the_header_before_decoding(admin_client, decoded, entry):
    data = flat_png(13_000, 13_000)
    decoded.clear()
    status, message, stored = ENTRIES[entry](admin_client, data, "huge.png")
    assert status == 400 and stored == 0
    assert "megapixels" in message and "13000 × 13000" in message
    assert decoded == []


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_a_1080_by_17000_screenshot_is_accepted_within_webps_limits(admin_client, entry):
    status, _message, stored = ENTRIES[entry](admin_client, photo(1080, 17_000, fmt="PNG"), "long.png")
    assert status in (201, 302) and stored == 1
    if entry == "site logo":
        name = get_settings().logo_path.split("/")[-1]
        logo = Image.open(io.BytesIO(admin_client.get(f"/site-media/{name}").data))
        assert logo.height == 600 and logo.width in (38, 39)
        return
    stored_photo = db.session.execute(db.select(Photo)).scalar_one()
    assert (stored_photo.width, stored_photo.height) == (1080, 17_000)
    for variant in stored_photo.variant_list("webp"):
        assert max(variant["width"], variant["height"]) <= images.WEBP_MAX_SIDE
    assert max(v["height"] for v in stored_photo.variant_list("webp")) > 16_000


def test_variant_sizes_respect_webp_and_never_upscale():
    assert images.variant_sizes((1080, 17_000), images.VARIANT_WIDTHS) == [(1040, 16370), (960, 15111),
                                                                          (480, 7556)]
    for size in [(1080, 17_000), (1, 60_000), (60_000, 1), (700, 500), (9000, 6000)]:
        variants = images.variant_sizes(size, images.VARIANT_WIDTHS)
        assert all(max(v) <= images.WEBP_MAX_SIDE and min(v) >= 1 for v in variants), size
        assert variants[0][0] <= size[0]


def test_a_large_png_is_reduced_as_soon_as_it_is_decoded(appctx):
    opened = images.open_image(photo(4900, 4900, fmt="PNG"), "big.png", max_bytes=10**8, max_pixels=5 * 10**7)
    upright = images.decode_upright(opened, "big.png", (2400, images.WEBP_MAX_SIDE))
    assert upright.size == (2450, 2450)  # halved at once, not kept at 24 MP while converting


def test_only_the_upload_path_opens_images():
    """No other module can open an upload with every Pillow plugin enabled."""
    root = Path(__file__).resolve().parents[2] / "blog"
    opening = {str(path.relative_to(root)) for path in root.rglob("*.py")
               if re.search(r"\bImage\.open\(", path.read_text())}
    assert opening == {"media/images.py"}
    assert "formats=OPEN_FORMATS" in (root / "media" / "images.py").read_text()
