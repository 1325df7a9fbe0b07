"""A 24-megapixel JPEG through the photo upload pipeline, against a naive full decode and resize.

Each measurement runs in a fresh process so peak memory (the kernel's resident
high-water mark, reset just before the work starts) is not blurred by the one
before it. Pillow allocates its bitmaps outside Python's heap, so tracemalloc
would miss them; the resident set does not.

- pipeline: ``blog.media.services.store_photo`` on a throw-away app and SQLite
  database: checks, reduced-size JPEG decoding (``Image.draft``), EXIF
  orientation, metadata stripping, 480/960/1600/2400 px variants in WebP and
  JPEG, files written, row recorded.
- naive: ``Image.open(...).load()`` at full size, orientation, then each
  variant resized from the full bitmap and encoded the same way.

    .venv/bin/python bench/photos.py                   # 24 MP, 2 runs each
    .venv/bin/python bench/photos.py --megapixels 48 --runs 5
    .venv/bin/python bench/photos.py --png-side 7000  # a flat 7000 × 7000 PNG (the audit's case)
"""
from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere


def make_jpeg(megapixels: float) -> bytes:
    """A photo-like JPEG: smooth gradients plus sensor-like noise, with camera EXIF and GPS."""
    from PIL import Image

    width = int((megapixels * 1_000_000 * 3 / 2) ** 0.5)
    height = int(width * 2 / 3)
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 24)
    blue = Image.blend(red.rotate(90, expand=False), noise, 0.5)
    image = Image.merge("RGB", (Image.blend(red, noise, 0.3), Image.blend(green, noise, 0.3), blue))
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif[0x0112] = 1
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def make_png(side: int) -> bytes:
    """A mostly flat square PNG: a few hundred KB that decode to ``side`` × ``side`` RGB pixels."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (side, side), (180, 40, 40))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, side // 4, side // 4), fill=(0, 200, 0))
    draw.ellipse((side // 2, side // 2, side // 2 + side // 5, side // 2 + side // 5), fill=(0, 0, 220))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


def _run_pipeline(data: bytes, folder: str) -> None:
    from blog import create_app
    from blog.accounts import services as accounts
    from blog.accounts.models import Role
    from blog.extensions import db
    from blog.media.services import store_photo

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "INSTANCE_PATH": folder,
                      "MEDIA_ROOT": f"{folder}/media", "SECRET_KEY": "bench", "SITE_URL": "http://bench.test"})
    with app.app_context():
        db.create_all()
        user = accounts.create_user("bench@example.org", None, role=Role.AUTHOR, display_name="Bench")
        db.session.commit()
        yield (lambda: store_photo(data, "bench", by=user))
        db.session.commit()


def _naive(data: bytes) -> None:
    from PIL import Image, ImageOps

    from blog.media.images import VARIANT_WIDTHS

    image = Image.open(io.BytesIO(data))
    image.load()
    image = ImageOps.exif_transpose(image)
    image.info = {}
    for width in VARIANT_WIDTHS:
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), Image.Resampling.LANCZOS)
        resized.save(io.BytesIO(), "WEBP", quality=80, method=4)
        resized.save(io.BytesIO(), "JPEG", quality=82, optimize=True, progressive=True)


def _measure(kind: str, data: bytes, queue) -> None:
    import PIL.Image  # noqa: F401 - imported before the baseline, as in a running server

    with tempfile.TemporaryDirectory() as folder:
        if kind == "pipeline":
            steps = _run_pipeline(data, folder)
            work = next(steps)
        else:
            work = lambda: _naive(data)  # noqa: E731
        _reset_peak()
        baseline = _status("VmRSS")
        started, cpu_started = time.perf_counter(), time.process_time()
        work()
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        peak = _status("VmHWM") - baseline
        if kind == "pipeline":
            next(steps, None)
    queue.put({"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_bytes": peak})


def measure(kind: str, data: bytes) -> dict:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(kind, data, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megapixels", type=float, default=24.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--png-side", type=int, default=0, help="measure a flat square PNG of this side instead")
    args = parser.parse_args()

    data = make_png(args.png_side) if args.png_side else make_jpeg(args.megapixels)
    from PIL import Image

    with Image.open(io.BytesIO(data)) as header:
        size, kind = header.size, header.format
    print(f"Input: generated {kind} {size[0]} × {size[1]} ({size[0] * size[1] / 1e6:.1f} MP), "
          f"{len(data) / 1_048_576:.2f} MB{', with EXIF GPS' if kind == 'JPEG' else ''}")
    results = {}
    for kind in ("pipeline", "naive"):
        runs = [measure(kind, data) for _ in range(args.runs)]
        results[kind] = {
            "seconds": statistics.median(r["seconds"] for r in runs),
            "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
            "peak_mb": max(r["peak_bytes"] for r in runs) / 1_048_576,
        }
        print(f"{kind:>9}: {results[kind]['seconds']:.2f} s, {results[kind]['cpu_seconds']:.2f} s CPU "
              f"(median of {args.runs}), "
              f"peak memory +{results[kind]['peak_mb']:.0f} MB")
    pipeline, naive = results["pipeline"], results["naive"]
    print(f"    ratio: pipeline/naive time {pipeline['seconds'] / naive['seconds']:.2f}, "
          f"memory {pipeline['peak_mb'] / max(naive['peak_mb'], 1e-9):.2f} "
          f"(naive needs {naive['peak_mb'] / max(pipeline['peak_mb'], 1e-9):.1f}× the memory)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
