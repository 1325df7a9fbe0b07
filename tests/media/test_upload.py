"""The upload pipeline with real files: what is accepted, what is refused, what is served."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from blog.accounts.models import Role
from blog.errors import NotAllowed, ValidationFailed
from blog.extensions import db
from blog.media import services
from blog.media.models import Photo
from blog.media.storage import get_storage
from tests.factories import make_user
from tests.media.images import has_gps, phone_photo, photo


def stored_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def open_variant(name: str) -> Image.Image:
    return Image.open(io.BytesIO(get_storage().read(name)))


def test_a_photo_gets_sized_variants_in_webp_and_jpeg_named_by_content(appctx):
    author = make_user(Role.AUTHOR)
    stored = services.store_photo(photo(3000, 2000), "workshop.jpg", by=author)
    db.session.commit()
    assert (stored.width, stored.height) == (3000, 2000)
    assert len(stored.key) == 8
    for fmt, expected in (("jpeg", "JPEG"), ("webp", "WEBP")):
        widths = [v["width"] for v in stored.variant_list(fmt)]
        assert widths == [480, 960, 1600, 2400]
        for variant in stored.variant_list(fmt):
            image = open_variant(variant["name"])
            assert image.format == expected
            assert image.size == (variant["width"], variant["height"])
            assert abs(image.width / image.height - 1.5) < 0.01
    names = stored.file_names
    assert len(set(names)) == 8 and all(len(n.split(".")[0]) == 32 for n in names)


def test_small_photos_are_never_upscaled(appctx):
    stored = services.store_photo(photo(700, 500, fmt="PNG"), "small.png", by=make_user())
    assert [v["width"] for v in stored.variant_list("jpeg")] == [480, 700]
    assert stored.source_format == "PNG"


def test_gps_and_camera_data_are_present_before_and_absent_from_every_variant(appctx):
    original = phone_photo()
    assert has_gps(original)
    stored = services.store_photo(original, "IMG_0001.JPG", by=make_user())
    assert stored.file_names
    for name in stored.file_names:
        data = get_storage().read(name)
        assert not has_gps(data), name
        assert b"PhoneMaker" not in data and b"SERIAL-12345" not in data
        assert "exif" not in Image.open(io.BytesIO(data)).info


def test_exif_orientation_is_applied(appctx):
    # Stored sideways (1200 × 800) with "rotate 90° clockwise": served upright as 800 × 1200,
    # with the marker that was at the top left now at the top right.
    stored = services.store_photo(phone_photo(1200, 800, orientation=6), "sideways.jpg", by=make_user())
    assert (stored.width, stored.height) == (800, 1200)
    image = open_variant(stored.variant_list("jpeg")[-1]["name"]).convert("RGB")
    assert image.size == (800, 1200)
    top_right = image.getpixel((image.width - 10, 10))
    top_left = image.getpixel((10, 10))
    assert top_right[1] > 150 and top_right[0] < 80  # green marker
    assert top_left[1] < 220 and abs(top_left[0] - top_left[1]) < 30  # grey background


def test_colour_profile_is_kept(appctx):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    stored = services.store_photo(photo(600, 400, icc_profile=profile), "profiled.jpg", by=make_user())
    for name in stored.file_names:
        assert open_variant(name).info.get("icc_profile") == profile


def test_png_with_transparency_and_gif_and_webp_are_accepted(appctx):
    user = make_user()
    services.store_photo(photo(500, 300, fmt="PNG", mode="RGBA"), "logo.png", by=user)
    services.store_photo(photo(500, 300, fmt="GIF"), "anim.gif", by=user)
    services.store_photo(photo(500, 300, fmt="WEBP"), "pic.webp", by=user)
    assert db.session.execute(db.select(db.func.count(Photo.id))).scalar() == 3


def test_heic_from_a_phone_is_accepted(appctx):
    pillow_heif = pytest.importorskip("pillow_heif")
    image = Image.new("RGB", (640, 480), (10, 120, 200))
    out = io.BytesIO()
    try:
        pillow_heif.from_pillow(image).save(out, quality=80)
    except (RuntimeError, ValueError, OSError) as error:  # encoder missing from this libheif build
        pytest.skip(f"this pillow-heif build cannot write HEIC: {error}")
    stored = services.store_photo(out.getvalue(), "IMG_0002.HEIC", by=make_user())
    assert stored.source_format in ("HEIF", "HEIC") and stored.width == 640


def _svg() -> bytes:
    return b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _truncated() -> bytes:
    data = photo(1600, 1200, quality=95)
    return data[: len(data) // 2]


def _bomb() -> bytes:
    # 200 megapixels of one colour: a few kilobytes of PNG that would need 600 MB to decode.
    out = io.BytesIO()
    Image.new("1", (20_000, 10_000)).save(out, "PNG")
    return out.getvalue()


def _moderate_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (9_000, 6_000)).save(out, "PNG")  # 54 MP: over the 50 MP limit, under Pillow's own
    return out.getvalue()


def _html_polyglot() -> bytes:
    # Starts like a GIF, decodes as one, and is also a web page with a script.
    return photo(40, 40, fmt="GIF") + b"<html><body><script>alert(document.cookie)</script></body></html>"


def _jpeg_with_script_comment() -> bytes:
    return photo(300, 200, comment=b"<script src=//evil.example/x.js></script>")


HOSTILE = {
    "not an image at all": (lambda: b"Just some text, not a photo.\n" * 20, "notes.jpg", "not a photo"),
    "a script named .jpg": (lambda: b"#!/bin/sh\nrm -rf /\n", "run.jpg", "not a photo"),
    "SVG": (_svg, "drawing.svg", "SVG"),
    "SVG named .png": (_svg, "drawing.png", "SVG"),
    "truncated JPEG": (_truncated, "half.jpg", "truncated"),
    "decompression bomb": (_bomb, "bomb.png", "megapixels"),
    "over the pixel limit": (_moderate_bomb, "huge.png", "megapixels"),
    "HTML polyglot": (_html_polyglot, "page.gif", "markup or script"),
    "script in a JPEG comment": (_jpeg_with_script_comment, "commented.jpg", "markup or script"),
    "a format that is not a photo format": (lambda: photo(50, 50, fmt="BMP"), "old.bmp", "BMP"),
    "empty file": (lambda: b"", "empty.jpg", "empty"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_with_a_clear_message_and_leave_nothing(appctx, case):
    make, filename, expected = HOSTILE[case]
    user = make_user()
    with pytest.raises(ValidationFailed) as refused:
        services.store_photo(make(), filename, by=user)
    assert expected.lower() in refused.value.message.lower()
    assert filename in refused.value.message
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(Photo.id))).scalar() == 0
    assert stored_files(appctx) == []


def test_files_over_the_size_limit_are_refused(make_app):
    app = make_app(MAX_UPLOAD_BYTES=10_000)
    with app.app_context():
        with pytest.raises(ValidationFailed, match="MB"):
            services.store_photo(photo(1600, 1200, quality=95), "big.jpg", by=make_user())
        assert stored_files(app) == []


def test_deactivated_accounts_cannot_upload(appctx):
    user = make_user(Role.CONTRIBUTOR)
    user.active = False
    with pytest.raises(NotAllowed):
        services.store_photo(photo(), "x.jpg", by=user)
    assert stored_files(appctx) == []


def test_large_jpegs_are_decoded_at_reduced_size(appctx, monkeypatch):
    from PIL import JpegImagePlugin

    requested = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = original(self, mode, size)
        requested.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    stored = services.store_photo(photo(6000, 4000, quality=70), "24mp.jpg", by=make_user())
    assert requested == [(3000, 2000)]  # decoded at half size: still wider than the 2400 variant
    assert (stored.width, stored.height) == (6000, 4000)
    assert stored.variant_list("jpeg")[-1]["width"] == 2400
