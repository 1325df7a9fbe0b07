"""Feeds are named and linked by what they follow; feed pictures carry the size of the file they show."""
import io
import re

import pytest
from PIL import Image

from blog.accounts.models import Role
from blog.extensions import db
from blog.media import services as media
from tests.factories import make_post, make_user
from tests.media.images import photo


@pytest.fixture
def tagged(appctx):
    author = make_user(Role.AUTHOR, name="Dr Amara Okafor")
    post = make_post(author, title="A workshop", tags=["Case Studies"])
    return author, post


def _alternates(html: str) -> dict[str, str]:
    """{title: href} of the page's feed autodiscovery links."""
    return dict(re.findall(r'<link rel="alternate" type="[^"]+" title="([^"]+)" href="([^"]+)">', html))


def test_tag_page_names_its_feeds_by_the_tag_and_links_them_and_its_calendar(client, tagged):
    html = client.get("/tags/case-studies").get_data(as_text=True)
    alternates = _alternates(html)
    assert alternates["Case Studies (RSS)"] == "/feeds/tags/case-studies.rss"
    assert alternates["Case Studies (Atom)"] == "/feeds/tags/case-studies.atom"
    assert alternates["Case Studies (JSON Feed)"] == "/feeds/tags/case-studies.json"
    assert not any("case-studies (" in title for title in alternates)
    for href in ("/feeds/tags/case-studies.rss", "/feeds/tags/case-studies.atom",
                 "/feeds/tags/case-studies.json", "/feeds/tags/case-studies/events.ics"):
        assert f'<a href="{href}"' in html, href
        assert client.get(href).status_code == 200


def test_author_page_names_its_feeds_by_the_person_and_links_them(client, tagged):
    author, _ = tagged
    html = client.get(f"/people/{author.slug}").get_data(as_text=True)
    alternates = _alternates(html)
    for kind, label in (("rss", "RSS"), ("atom", "Atom"), ("json", "JSON Feed")):
        href = f"/feeds/authors/{author.slug}.{kind}"
        assert alternates[f"Dr Amara Okafor ({label})"] == href
        assert f'<a href="{href}"' in html
        assert client.get(href).status_code == 200


def test_feed_pictures_have_the_width_and_height_of_the_file_they_reference(client, appctx, app):
    author = make_user(Role.AUTHOR)
    picture = media.store_photo(photo(4000, 3000), "big.jpg", by=author)
    media.update_photo(picture, by=author, alt_text="A wide hall")
    make_post(author, body=f"Before.\n\n[[photo:{picture.key}]]\n")
    db.session.commit()
    for url in ("/feeds/posts.rss", "/feeds/posts.atom", "/feeds/posts.json"):
        body = client.get(url).get_data(as_text=True).replace("&lt;", "<").replace("&gt;", ">")
        body = body.replace('\\"', '"').replace("&quot;", '"')
        tags = re.findall(r"<img [^>]*>", body)
        assert tags, url
        for tag in tags:
            src = re.search(r'src="([^"]+)"', tag).group(1)
            name = src.rsplit("/", 1)[1]
            served = Image.open(io.BytesIO(client.get(f"/media/photos/{name}").data))
            assert re.search(rf'width="{served.width}"', tag) and re.search(rf'height="{served.height}"', tag), \
                (url, tag, served.size)
