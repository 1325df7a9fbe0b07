"""Site settings, about page, sitemap, robots.txt, configuration, the CLI and error pages."""
import io
import re

import pytest
from PIL import Image

from blog import create_app
from blog.accounts.models import Role, User
from blog.config import ConfigError, from_environment
from blog.extensions import db
from blog.site import sitemap
from blog.site.services import get_settings
from tests.factories import login, make_post, make_user


def _png_bytes(size=(64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_admin_edits_site_settings_shown_on_every_page(client, appctx):
    login(client, make_user(Role.ADMIN))
    response = client.post("/admin/settings", data={
        "site_name": "onlineSAFE", "tagline": "Pathways of Risk", "description": "A research group",
        "timezone": "Europe/London", "language": "en", "footer_text": "© The group",
        "logo": (io.BytesIO(_png_bytes()), "logo.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    client.post("/logout")
    home = client.get("/").get_data(as_text=True)
    assert "onlineSAFE" in home and "Pathways of Risk" in home and "© The group" in home
    logo = re.search(r'src="(/site-media/[^"]+)"', home).group(1)
    served = client.get(logo)
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")


@pytest.mark.parametrize("field, value, message", [
    ("timezone", "Mars/Olympus", "Unknown time zone"),
    ("site_name", "", "This field is required"),
])
def test_bad_settings_are_refused_with_a_clear_message(client, appctx, field, value, message):
    login(client, make_user(Role.ADMIN))
    data = {"site_name": "Name", "timezone": "Europe/London", "language": "en"}
    data[field] = value
    response = client.post("/admin/settings", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert get_settings().site_name != "Name"


def test_a_logo_that_is_not_an_image_is_refused_and_nothing_saved(client, appctx):
    login(client, make_user(Role.ADMIN))
    response = client.post("/admin/settings", data={
        "site_name": "Changed", "timezone": "Europe/London", "language": "en",
        "logo": (io.BytesIO(b"GIF89a<script>alert(1)</script>"), "logo.gif"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "markup or script" in response.get_data(as_text=True)  # the photo upload's checks and message
    db.session.expire_all()
    assert client.get("/").get_data(as_text=True).count("Changed") == 0


def test_sitemap_lists_public_pages_and_posts_only(client, appctx):
    author = make_user(name="Dr Sitemap")
    post = make_post(author, tags=["Events"])
    draft = make_post(author, title="Hidden", published=False)
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    xml = response.get_data(as_text=True)
    assert f"<loc>http://blog.test/posts/{post.slug}</loc>" in xml
    assert "http://blog.test/tags/events" in xml and "http://blog.test/people/dr-sitemap" in xml
    assert draft.slug not in xml


def test_sitemap_becomes_an_index_past_the_url_limit(client, appctx, monkeypatch):
    monkeypatch.setattr(sitemap, "MAX_URLS", 5)
    author = make_user()
    posts = [make_post(author, title=f"Post {n}") for n in range(8)]
    index = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<sitemapindex" in index
    children = re.findall(r"<loc>http://blog.test(/sitemap/[^<]+)</loc>", index)
    assert children[0] == "/sitemap/pages.xml" and len(children) == 1 + (max(p.id for p in posts) // 5 + 1)
    listed = "".join(client.get(path).get_data(as_text=True) for path in children)
    for post in posts:
        assert listed.count(f"/posts/{post.slug}</loc>") == 1
    assert client.get("/sitemap/posts-99.xml").status_code == 404


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    assert "Sitemap: http://blog.test/sitemap.xml" in response.get_data(as_text=True)
    assert "Disallow: /editor/" in response.get_data(as_text=True)


def test_server_error_page_rolls_back_and_keeps_the_site_style(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("unexpected")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data and b'class="site-header"' in response.data


# --- configuration ----------------------------------------------------------------------------

def test_production_refuses_to_start_without_site_url_and_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SITE_URL, SECRET_KEY"):
        from_environment({"BLOG_ENV": "production", "INSTANCE_PATH": str(tmp_path)})
    settings = from_environment({"BLOG_ENV": "production", "INSTANCE_PATH": str(tmp_path),
                                 "SITE_URL": "https://blog.example/", "SECRET_KEY": "k" * 32,
                                 "DATABASE_URL": "postgres://u@h/db", "RATELIMIT_STORAGE_URI": "redis://r:6379"})
    assert settings["SITE_URL"] == "https://blog.example"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_a_random_secret_key_is_made_once_and_kept(tmp_path):
    first = from_environment({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    second = from_environment({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_defaults_are_embedded(tmp_path):
    settings = from_environment({"INSTANCE_PATH": str(tmp_path)})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'blog.sqlite3'}"
    assert settings["MEDIA_ROOT"] == str(tmp_path / "media")
    assert settings["MAIL_URL"] == "" and settings["MAIL_FOLDER"] == str(tmp_path / "mail")
    assert settings["SITE_URL"] == "http://127.0.0.1:5000"


def test_bad_number_setting_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="MAX_UPLOAD_BYTES must be a whole number"):
        from_environment({"INSTANCE_PATH": str(tmp_path), "MAX_UPLOAD_BYTES": "lots"})


# --- command line -----------------------------------------------------------------------------

def test_users_create_reads_the_password_from_stdin(runner, appctx):
    result = runner.invoke(args=["users", "create", "cli@example.org", "--role", "editor",
                                 "--name", "Cli Person", "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).where(User.email == "cli@example.org")).scalar_one()
    assert user.role == "editor" and user.display_name == "Cli Person"
    again = runner.invoke(args=["users", "create", "cli@example.org", "--password-stdin"],
                          input="a long password\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_users_create_prompts_for_the_password(runner, appctx):
    result = runner.invoke(args=["users", "create", "prompt@example.org"],
                           input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["users", "list"])
    assert "prompt@example.org\tauthor" in listing.output


def test_demo_is_idempotent_and_prints_the_login(runner, appctx):
    from blog.posts.models import Post

    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@example.org" in first.output and "password:" in first.output
    counts = (db.session.query(Post).count(), db.session.query(User).count())
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert (db.session.query(Post).count(), db.session.query(User).count()) == counts
    password = re.search(r"password: (\S+)", first.output).group(1)
    assert password in second.output


def test_demo_write_up_has_the_anatomy_of_the_seed(client, runner, appctx):
    runner.invoke(args=["demo"])
    from blog.demo import WRITEUP_SLUG

    html = client.get(f"/posts/{WRITEUP_SLUG}").get_data(as_text=True)
    assert "<em>netGUARD</em>" in html
    assert '<figure class="pullquote">' in html and "<figcaption>— Dr Amara Okafor" in html
    assert "Watch this space" in html
    assert "University of Northbridge" in html and "Eastfield University" in html
    assert html.count('class="tag"') >= 2


def test_create_app_without_config_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SITE_URL", "https://research.example")
    app = create_app()
    assert app.config["SITE_URL"] == "https://research.example"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("blog.sqlite3")
