"""The favicon and apple-touch-icon: the default, then made from the logo in site settings."""
import io

from PIL import Image

from blog.accounts.models import Role
from tests.factories import login, make_user


def _image(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return Image.open(io.BytesIO(response.data))


def _logo(colour, size=(120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_every_page_names_the_icons_and_they_are_served_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in html
    assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png">' in html
    favicon = _image(client, "/favicon.ico")
    assert favicon.format == "ICO" and {(16, 16), (32, 32), (48, 48)} <= favicon.info["sizes"]
    assert _image(client, "/apple-touch-icon.png").size == (180, 180)


def test_icons_are_made_from_the_logo(client, appctx):
    login(client, make_user(Role.ADMIN))
    response = client.post("/admin/settings", data={
        "site_name": "onlineSAFE", "timezone": "Europe/London", "language": "en",
        "logo": (io.BytesIO(_logo((200, 30, 30))), "logo.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    client.post("/logout")
    favicon = _image(client, "/favicon.ico").convert("RGBA")
    assert favicon.getpixel((favicon.width // 2, favicon.height // 2))[:3] == (200, 30, 30)
    touch = _image(client, "/apple-touch-icon.png").convert("RGB")
    assert touch.size == (180, 180)
    assert touch.getpixel((90, 90)) == (200, 30, 30)
    assert touch.getpixel((90, 5)) == (255, 255, 255)  # a wide logo is letterboxed, not stretched
