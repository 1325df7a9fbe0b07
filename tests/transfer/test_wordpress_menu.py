"""A WordPress navigation menu (``nav_menu_item`` items of tests/transfer/wordpress/site.xml) becomes
the site's menu, flat and in order, while the site's menu is still the default one."""
from __future__ import annotations

import re

from blog.accounts.models import Role
from blog.demo import NEW_SITE_ABOUT, ensure_site_pages
from blog.extensions import db
from blog.posts.models import Post, Tag
from blog.site import services as site
from blog.transfer.wordpress_import import import_wordpress
from tests.factories import login, make_user
from tests.transfer.test_wordpress_import import SITE_XML, _counts, _import, uploads  # noqa: F401

# What the "Main Menu" of site.xml becomes: (kind, label, what it links to).
EXPECTED = [("posts", "Home", None), ("page", "About the lab", "about"),
            ("link", "Our department", "https://www.example.ac.uk/lab"), ("tag", "News", "news"),
            ("post", "The move", "hello-lab"), ("tag", "Microscopy", "microscopy"), ("page", "Find us", "about")]


def _menu() -> list[tuple]:
    shape = []
    for item in site.menu_items():
        target = item.url or None
        if item.post_id:
            target = db.session.get(Post, item.post_id).slug
        elif item.tag_id:
            target = db.session.get(Tag, item.tag_id).slug
        shape.append((item.kind, item.label, target))
    return shape


def _header_links(html: str) -> list[tuple[str, str]]:
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<>]+)</a>', nav)


def test_the_main_menu_becomes_the_sites_menu_flat_and_in_order(client, appctx, uploads):  # noqa: F811
    report = _import(make_user(Role.ADMIN), uploads)
    assert _menu() == EXPECTED
    assert report.menu_items == 7 and report.counts()["menu items"] == 7
    assert report.menu[0] == "The WordPress menu “Main Menu” became the site's menu (7 items)"
    lines = "\n".join(report.menu)
    # Sub-items follow their parent, and the report says so.
    assert "“Our department” was under “About the lab”" in lines and "“The move” was under “News”" in lines
    assert "“More” was left out: it links nowhere" in lines
    assert "“Old page” was left out: the page it links to (WordPress id 99) was not imported" in lines
    # The other menu is named, not imported.
    assert "The WordPress menu “Footer” (1 item) was not imported" in lines
    # Readers see it in the header: the imported page and post, tag pages, the old site's address mapped.
    links = _header_links(client.get("/").get_data(as_text=True))[:7]  # (the People link follows, always)
    assert links == [("/", "Home"), ("/about", "About the lab"), ("https://www.example.ac.uk/lab", "Our department"),
                     ("/tags/news", "News"), ("/posts/hello-lab", "The move"), ("/tags/microscopy", "Microscopy"),
                     ("/about", "Find us")]


def test_a_second_import_leaves_the_menu_alone(appctx, uploads):  # noqa: F811
    admin = make_user(Role.ADMIN)
    _import(admin, uploads)
    site.remove_menu_item(site.menu_items()[-1], by=admin)  # the group edits the imported menu
    db.session.commit()
    before, menu = _counts(), _menu()
    again = _import(admin, uploads)
    assert _menu() == menu and _counts() == before and again.menu_items == 0
    assert again.menu[0] == "The WordPress menu “Main Menu” was imported before: the menu is unchanged"


def test_the_default_menu_of_a_new_site_is_replaced(appctx, uploads):  # noqa: F811
    admin = make_user(Role.ADMIN)
    ensure_site_pages(admin, NEW_SITE_ABOUT)  # what `flask init` makes: Posts, Events, About
    db.session.commit()
    assert site.is_default_menu()
    report = _import(admin, uploads)
    # The new site's About page is the untouched placeholder: the WordPress page "about" takes /about.
    assert "“About the lab” (WordPress id 5): took the address /about from the placeholder About page that " \
        "`flask init` made (never edited), which was removed" in report.changed
    assert [(kind, label) for kind, label, _ in _menu()] == [(kind, label) for kind, label, _ in EXPECTED]
    assert _menu()[1][2] == "about"


def test_a_menu_the_group_edited_is_kept_and_the_report_says_so(appctx, uploads):  # noqa: F811
    admin = make_user(Role.ADMIN)
    ensure_site_pages(admin, NEW_SITE_ABOUT)
    site.add_menu_item(by=admin, kind="link", label="Our lab", url="https://lab.example.org/")
    db.session.commit()
    assert not site.is_default_menu()
    menu = _menu()
    report = _import(admin, uploads)
    assert _menu() == menu and report.menu_items == 0
    assert report.menu[0].startswith("The site's menu was kept (it has been edited here): the WordPress menu "
                                     "“Main Menu” was not imported. Its items: “Home”, “About the lab”, ")


def test_without_a_main_menu_by_name_the_first_one_is_taken(appctx):
    xml = SITE_XML.read_bytes().replace(b"Main Menu", b"Sidebar").replace(b"main-menu", b"sidebar")
    report = import_wordpress(xml, by=make_user(Role.ADMIN))
    db.session.commit()
    # Footer comes first in the export; its one link points at the old site, at no imported page.
    assert _menu() == [("link", "Privacy", "https://old.example.org/privacy/")]
    assert "The WordPress menu “Sidebar” (9 items) was not imported" in "\n".join(report.menu)


def test_an_export_without_menus_leaves_the_default_menu(appctx):
    admin = make_user(Role.ADMIN)
    ensure_site_pages(admin, NEW_SITE_ABOUT)
    db.session.commit()
    xml = re.sub(rb"<item>(?:(?!</item>).)*?nav_menu_item(?:(?!</item>).)*?</item>", b"", SITE_XML.read_bytes(),
                 flags=re.S)
    xml = re.sub(rb"<wp:term>.*?</wp:term>", b"", xml, flags=re.S)
    report = import_wordpress(xml, by=admin)
    db.session.commit()
    assert report.menu == [] and site.is_default_menu()


def test_the_menu_settings_show_an_imported_post_item(client, appctx, uploads):  # noqa: F811
    admin = make_user(Role.ADMIN)
    _import(admin, uploads)
    login(client, admin)
    page = client.get("/admin/settings/menu").get_data(as_text=True)
    assert "<td>The move</td>\n    <td>A post</td>" in page
    item = next(i for i in site.menu_items() if i.kind == "post")
    assert client.post(f"/admin/settings/menu/{item.id}", data={"action": "up"}).status_code == 302
    db.session.expire_all()
    assert [i.label for i in site.menu_items()][3:5] == ["The move", "News"]
