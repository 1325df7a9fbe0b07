"""wordpress.xml in the export: what WordPress's importer (wordpress-importer's WXR parser) reads."""
from __future__ import annotations

import io
import zipfile

from defusedxml import ElementTree

from tests.transfer.helpers import document_of, export_bytes
from tests.transfer.site import rich_site

WP = "{http://wordpress.org/export/1.2/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
EXCERPT = "{http://wordpress.org/export/1.2/excerpt/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


def _wxr(data: bytes):
    return ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("wordpress.xml"))


def test_wxr_has_what_the_wordpress_importer_needs(appctx):
    site = rich_site()
    data = export_bytes()
    document = document_of(data)
    rss = _wxr(data)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    assert channel.findtext(f"{WP}base_site_url") == "http://blog.test"

    logins = {a.findtext(f"{WP}author_login"): a for a in channel.findall(f"{WP}author")}
    assert set(logins) == {p["slug"] for p in document["people"]}
    assert logins[site["coauthor"].slug].findtext(f"{WP}author_display_name") == "Dr Jo Byline"

    tags = {t.findtext(f"{WP}tag_slug"): t.findtext(f"{WP}tag_name") for t in channel.findall(f"{WP}tag")}
    assert tags == {t["slug"]: t["name"] for t in document["tags"]}

    items = channel.findall("item")
    ids = [item.findtext(f"{WP}post_id") for item in items]
    assert len(ids) == len(set(ids)) and all(i.isdigit() for i in ids)
    by_type: dict[str, list] = {}
    for item in items:
        by_type.setdefault(item.findtext(f"{WP}post_type"), []).append(item)
        for required in ("title", f"{WP}post_name", f"{WP}status", CONTENT, DC_CREATOR, f"{WP}post_date"):
            assert item.find(required) is not None, required
        assert item.findtext(DC_CREATOR) in logins
    assert len(by_type["post"]) == len([p for p in document["posts"] if p["kind"] == "post"])
    assert len(by_type["attachment"]) == len(document["photos"])

    attachments = {a.findtext(f"{WP}post_id"): a for a in by_type["attachment"]}
    for attachment in attachments.values():
        assert attachment.findtext(f"{WP}status") == "inherit"
        assert attachment.findtext(f"{WP}attachment_url").startswith("http://blog.test/media/photos/")

    assert sorted(p.findtext(f"{WP}post_name") for p in by_type["page"]) == ["about", "join-the-group"]
    page = next(p for p in by_type["page"] if p.findtext(f"{WP}post_name") == "join-the-group")
    assert page.findtext(f"{WP}status") == "publish"
    html = page.findtext(CONTENT)
    assert "<figure" in html and '<img src="http://blog.test/media/photos/' in html
    assert "<picture" not in html and "srcset" not in html
    thumbnail = {m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value") for m in page.findall(f"{WP}postmeta")}
    assert thumbnail["_thumbnail_id"] in attachments

    writeup = next(i for i in by_type["post"] if i.findtext(f"{WP}post_name") == site["writeup"].slug)
    categories = writeup.findall("category")
    assert categories and all(c.get("domain") == "post_tag" and c.get("nicename") in tags for c in categories)
    assert writeup.findtext(f"{WP}post_date_gmt") == "2025-03-14 10:00:00"
    assert writeup.find(EXCERPT) is not None


def test_content_is_block_markup_and_the_menu_is_nav_menu_items(appctx):
    import re

    from blog.site import services as site_services

    site = rich_site()
    site_services.add_menu_item(by=site["admin"], kind="link", label="Dept", url="https://www.example.ac.uk/")
    from blog.extensions import db
    db.session.commit()
    channel = _wxr(export_bytes()).find("channel")
    items = channel.findall("item")
    attachments = {i.findtext(f"{WP}post_id"): i for i in items if i.findtext(f"{WP}post_type") == "attachment"}
    writeup = next(i for i in items if i.findtext(f"{WP}post_name") == site["writeup"].slug)
    html = writeup.findtext(CONTENT)
    images = re.findall(r'<!-- wp:image \{"id": (\d+), .*?-->\n<figure class="wp-block-image size-full"><img src="([^"]+)" '
                        r'alt="([^"]*)" class="wp-image-(\d+)"/><figcaption class="wp-element-caption">', html)
    assert len(images) == 2
    for wp_id, src, alt, class_id in images:
        attachment = attachments[wp_id]
        assert class_id == wp_id and src == attachment.findtext(f"{WP}attachment_url") and alt
        meta = {m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value") for m in attachment.findall(f"{WP}postmeta")}
        assert meta["_wp_attachment_image_alt"] == alt and src.endswith("/" + meta["_wp_attached_file"])
    assert "<!-- wp:pullquote -->" in html and "<cite>Dr Amara Okafor, closing plenary</cite>" in html
    assert html.count('<!-- wp:quote {"className": "twitter-tweet"} -->') == 4
    assert "&mdash; Dr Tomás Rivera (@trivera_research)" in html and "<!-- wp:heading {\"level\": 2} -->" in html

    children = [c.tag for c in channel]
    [term] = channel.findall(f"{WP}term")
    assert children.index(term.tag) < children.index("item")
    assert term.findtext(f"{WP}term_taxonomy") == "nav_menu"
    menu = sorted((i for i in items if i.findtext(f"{WP}post_type") == "nav_menu_item"),
                  key=lambda i: int(i.findtext(f"{WP}menu_order")))
    assert [i.findtext("title") for i in menu] == ["Posts", "Events", "About", "Dept"]
    for item in menu:
        [category] = item.findall("category")
        assert category.get("domain") == "nav_menu" and category.get("nicename") == term.findtext(f"{WP}term_slug")
    fields = [{m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value") for m in i.findall(f"{WP}postmeta")}
              for i in menu]
    assert fields[0]["_menu_item_type"] == "custom" and fields[0]["_menu_item_url"] == "http://blog.test/"
    assert fields[1]["_menu_item_url"] == "http://blog.test/events"
    about = next(i for i in items if i.findtext(f"{WP}post_name") == "about")
    assert (fields[2]["_menu_item_type"], fields[2]["_menu_item_object"], fields[2]["_menu_item_object_id"]) == \
        ("post_type", "page", about.findtext(f"{WP}post_id"))
    assert fields[3]["_menu_item_url"] == "https://www.example.ac.uk/"
