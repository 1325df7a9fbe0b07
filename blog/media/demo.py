"""Demo photos for the workshop write-up: a feature photo and two pictures in the body, with alt text,
captions and credits (all generated)."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

from blog.extensions import db
from blog.media import services
from blog.media.models import Photo
from blog.posts import services as posts
from blog.site.services import mark_as_demo

SELFIE = "netguard-workshop-selfie.jpg"
TEAM = "netguard-wider-team.jpg"
HALL = "netguard-kingsgate-hall.jpg"


def _people_picture(width: int, height: int, people: int, rows: int, sky, seed: int) -> bytes:
    """A simple drawn scene: a wall, a floor and rows of figures (no real person is shown)."""
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(height * 0.72), width, height), fill=(120, 98, 76))
    draw.rectangle((int(width * 0.06), int(height * 0.08), int(width * 0.4), int(height * 0.34)),
                   fill=(240, 240, 235), outline=(60, 60, 60), width=6)  # a projector screen
    colours = [(31, 78, 121), (156, 39, 6), (46, 125, 50), (94, 53, 177), (230, 145, 56), (55, 71, 79)]
    per_row = -(-people // rows)
    for index in range(people):
        row, col = divmod(index, per_row)
        scale = 1.0 - 0.18 * (rows - 1 - row)
        x = int(width * (col + 0.5) / per_row)
        base = int(height * (0.62 + 0.2 * row / max(rows - 1, 1)))
        head = int(height * 0.06 * scale)
        body = colours[(index + seed) % len(colours)]
        draw.ellipse((x - head, base - 5 * head, x + head, base - 3 * head), fill=(224, 172, 105))
        draw.rounded_rectangle((x - int(1.6 * head), base - 3 * head, x + int(1.6 * head), base + head),
                               radius=head // 2, fill=body)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _photo(name: str, make, *, by, alt: str, caption: str, credit: str) -> Photo:
    photo = db.session.execute(db.select(Photo).where(Photo.original_name == name)).scalar_one_or_none()
    if photo is None:
        photo = services.store_photo(make(), name, by=by)
        services.update_photo(photo, by=by, alt_text=alt, caption=caption, credit=credit)
    mark_as_demo(photo)
    return photo


def _insert_after(body: str, marker: str, block: str) -> str:
    """Put ``block`` as its own paragraph after the paragraph (or list) containing ``marker``."""
    start = body.find(marker)
    if start == -1:
        return body.rstrip() + "\n\n" + block + "\n"
    end = body.find("\n\n", start)
    end = len(body) if end == -1 else end
    return body[:end] + "\n\n" + block + body[end:]


def seed(created: dict) -> None:
    admin = created["admin"]
    writeup = created["writeup"]
    selfie = _photo(SELFIE, lambda: _people_picture(1600, 1200, 3, 1, (250, 236, 210), 1), by=admin,
                    alt="Three workshop organisers smiling into a phone camera in front of a projector screen",
                    caption="An obligatory *selfie* of the organisers before the doors opened",
                    credit="netGUARD")
    team = _photo(TEAM, lambda: _people_picture(2400, 1350, 12, 2, (214, 228, 240), 3), by=admin,
                  alt="Twelve members of the netGUARD team standing in two rows in Kingsgate Hall",
                  caption="The wider team, from left to right: back row, Dr Amara Okafor, Prof Lewis Hartley "
                          "and colleagues; front row, the PhD and MSc students who ran the case-study tables",
                  credit="Kingsgate Hall staff")
    hall = _photo(HALL, lambda: _people_picture(1920, 1008, 18, 3, (226, 232, 222), 5), by=admin,
                  alt="Kingsgate Hall during the morning briefing: rows of attendees facing the projector screen",
                  caption="The morning briefing at Kingsgate Hall", credit="netGUARD")
    if writeup.feature_photo_id is None:
        services.set_feature_photo(writeup, hall.key, by=admin)
    body = writeup.body_markdown
    if f"[[photo:{selfie.key}]]" not in body:
        body = _insert_after(body, "took home a set of practical assessment tools", f"[[photo:{selfie.key}]]")
    if f"[[photo:{team.key}]]" not in body:
        body = _insert_after(body, "- Action planning for each attendee's service", f"[[photo:{team.key}]]")
    if writeup.feature_photo_id is None:
        services.set_feature_photo(writeup, team.key, by=admin)
    if body != writeup.body_markdown:
        posts.save_post(writeup, posts.PostInput(title=writeup.title, body_markdown=body),
                        by=admin, base_version=writeup.version)
    db.session.flush()
