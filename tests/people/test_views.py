"""People and publications over HTTP: public pages, redirects, admin pages, the CLI and the feed."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from blog.accounts.models import Role, User
from blog.extensions import db
from blog.people import services
from blog.people.models import Publication
from tests.factories import login, make_post, make_user
from tests.people.test_services import GOOD_BIB


def _count() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(Publication)).scalar()


def test_people_page_lists_the_group_and_person_pages_show_posts_and_publications(client, appctx):
    admin = make_user(Role.ADMIN, name="Grace Hopper")
    guest = services.add_byline_person("Ada Lovelace", "Analytical Society", by=admin)
    services.update_person(guest, services.ProfileInput(display_name="Ada Lovelace", affiliation="Analytical Society",
                                                         ror="03yrm5c26", orcid="0000-0002-1825-0097",
                                                         group_role="Visiting scholar"), by=admin)
    services.import_bibtex(GOOD_BIB, by=admin)
    post = make_post(admin, title="Engines together")
    post.credits.append(type(post.credits[0])(user_id=guest.id, position=1))
    db.session.commit()

    people = client.get("/people/").get_data(as_text=True)
    assert "Ada Lovelace" in people and "Visiting scholar" in people and "Grace Hopper" not in people  # unlisted
    assert 'href="https://ror.org/03yrm5c26"' in people and "https://orcid.org/0000-0002-1825-0097" in people
    page = client.get(f"/people/{guest.slug}").get_data(as_text=True)
    assert "Engines together" in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Person" and data["identifier"] == "https://orcid.org/0000-0002-1825-0097"
    assert data["affiliation"] == {"@type": "Organization", "name": "Analytical Society",
                                   "@id": "https://ror.org/03yrm5c26"}
    hopper = client.get(f"/people/{admin.slug}").get_data(as_text=True)
    assert "The Education of a Computer" in hopper and "/publications/hopper1952.bib" in hopper
    assert client.get("/people/nobody").status_code == 404
    # Both authors are in the byline, each linking to their people page.
    article = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    assert f'/people/{guest.slug}"' in article and f'/people/{admin.slug}"' in article


def test_author_urls_redirect_permanently(client, appctx):
    author = make_user(Role.AUTHOR)
    response = client.get(f"/authors/{author.slug}?before=abc")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/people/{author.slug}?before=abc"


def test_publications_page_groups_filters_and_downloads_bibtex(client, appctx):
    services.import_bibtex(GOOD_BIB, by=make_user(Role.EDITOR))
    db.session.commit()
    html = client.get("/publications/").get_data(as_text=True)
    assert html.index(">1952<") < html.index(">1843<")
    assert "Conference papers" in html and "Journal articles" in html
    filtered = client.get("/publications/?year=1843").get_data(as_text=True)
    assert "Sketch of the Analytical Engine" in filtered and "The Education of a Computer" not in filtered
    by_type = client.get("/publications/?type=paper-conference").get_data(as_text=True)
    assert "The Education of a Computer" in by_type and "Sketch of the Analytical Engine" not in by_type
    download = client.get("/publications/lovelace1843.bib")
    assert download.status_code == 200 and download.mimetype == "application/x-bibtex"
    assert "@article{lovelace1843" in download.get_data(as_text=True)
    assert client.get("/publications/nothing.bib").status_code == 404


def test_publications_feed_lists_new_publications(client, appctx):
    services.import_bibtex(GOOD_BIB, by=make_user(Role.EDITOR))
    db.session.commit()
    response = client.get("/feeds/publications.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert sorted(titles) == ["Sketch of the Analytical Engine", "The Education of a Computer"]
    authors = [a.findtext("a:name", namespaces=ns) for a in feed.findall("a:entry/a:author", ns)]
    assert "Ada Lovelace" in authors and "Luigi Menabrea" in authors


def test_admin_uploads_bibtex_and_a_bad_file_imports_nothing(client, appctx):
    login(client, make_user(Role.EDITOR))
    bad = client.post("/admin/publications", data={"bib-file": (io.BytesIO(b"no entries here"), "x.bib")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "Nothing was imported" in bad.get_data(as_text=True) and _count() == 0
    good = client.post("/admin/publications", data={"bib-file": (io.BytesIO(GOOD_BIB.encode()), "x.bib")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "2 publications imported" in good.get_data(as_text=True) and _count() == 2
    off = client.post("/admin/publications", data={"doi-doi": "10.1038/nphys1170"})
    assert off.status_code == 400 and "ALLOW_METADATA_FETCH" in off.get_data(as_text=True) and _count() == 2


def test_admin_adds_a_byline_person_and_invites_them_by_email(client, app, appctx):
    admin = make_user(Role.ADMIN)
    login(client, admin)
    added = client.post("/admin/people/group", data={"display_name": "Ada Lovelace", "affiliation": "Society"})
    person = db.session.execute(db.select(User).where(User.display_name == "Ada Lovelace")).scalar_one()
    assert added.status_code == 302 and person.is_byline_only
    saved = client.post(f"/admin/people/{person.id}/page", data={
        "display_name": "Ada Lovelace", "affiliation": "Society", "orcid": "0000-0002-1825-0097",
        "group_role": "Guest", "position": "1", "listed": "y", "links": "https://example.org"})
    assert saved.status_code == 302
    assert _count() == 0
    services.import_bibtex(GOOD_BIB, by=admin)
    db.session.commit()
    hopper = services.publication_by_key("hopper1952")
    credited = client.post(f"/admin/people/{person.id}/page", data={
        "display_name": "Ada Lovelace", "affiliation": "Society", "listed": "y", "publications": str(hopper.id)})
    assert credited.status_code == 302
    assert [p.key for p in services.publications(person=person)] == ["hopper1952"]
    assert "The Education of a Computer" in client.get(f"/people/{person.slug}").get_data(as_text=True)
    bad = client.post(f"/admin/people/{person.id}/page", data={"display_name": "Ada Lovelace", "orcid": "x"})
    assert bad.status_code == 400 and "ORCID" in bad.get_data(as_text=True)
    invited = client.post(f"/admin/people/{person.id}/invite-to-sign-in",
                          data={"email": "ada@example.org", "role": "author"})
    assert invited.status_code == 302
    mail = "".join(p.read_text(errors="replace") for p in Path(app.config["MAIL_FOLDER"]).rglob("*") if p.is_file())
    path = re.search(r"https?://[^/\s]+(/invitation/[A-Za-z0-9_\-]+)", mail).group(1)
    client.post("/logout")
    client.get(path)
    joined = client.post("/invitation", data={"display_name": "Ada Lovelace", "affiliation": "",
                                              "password": "a long password", "confirm": "a long password"})
    assert joined.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert not person.is_byline_only and person.email == "ada@example.org" and person.affiliation == "Society"


def test_editor_co_author_endpoint_makes_a_byline_person(client, appctx):
    login(client, make_user(Role.AUTHOR))
    made = client.post("/editor/co-authors", json={"display_name": "Ada Lovelace", "affiliation": "Society"})
    assert made.status_code == 201 and made.json["label"] == "Ada Lovelace (Society)"
    assert db.session.get(User, made.json["id"]).is_byline_only
    empty = client.post("/editor/co-authors", json={"display_name": " "})
    assert empty.status_code == 400 and "name" in empty.json["error"]


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.AUTHOR, Role.EDITOR])
def test_people_admin_pages_are_for_admins(client, appctx, role):
    login(client, make_user(role))
    assert client.get("/admin/people/group").status_code == 403
    assert client.get(f"/admin/people/{make_user().id}/page").status_code == 403
    expected = 200 if role == Role.EDITOR else 403
    assert client.get("/admin/publications").status_code == expected


def test_cli_imports_a_bibtex_file_all_or_nothing(runner, appctx, tmp_path):
    make_user(Role.ADMIN)
    good, bad = tmp_path / "good.bib", tmp_path / "bad.bib"
    good.write_text(GOOD_BIB)
    bad.write_text(GOOD_BIB + "\n@misc{nokey_title_missing, year={2000}}")
    refused = runner.invoke(args=["publications", "import", str(bad)])
    assert refused.exit_code != 0 and "has no title" in refused.output and _count() == 0
    result = runner.invoke(args=["publications", "import", str(good)])
    assert result.exit_code == 0 and "2 publications imported: lovelace1843, hopper1952" in result.output


def test_demo_lists_its_authors_and_removing_it_removes_their_profiles(client, appctx):
    from blog.demo import create_demo_content, remove_demo_content
    from blog.people.models import PersonProfile

    created = create_demo_content()
    db.session.commit()
    html = client.get("/people/").get_data(as_text=True)
    assert "Dr Amara Okafor" in html and "Co-lead, senior lecturer" in html
    remove_demo_content(by=created["admin"])
    db.session.commit()
    assert db.session.execute(db.select(db.func.count()).select_from(PersonProfile)).scalar() == 0
    assert "No one is listed yet." in client.get("/people/").get_data(as_text=True)
