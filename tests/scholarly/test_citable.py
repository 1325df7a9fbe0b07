"""Citable posts: licence, language and DOI; citation downloads parsed back; meta tags and JSON-LD."""
import json
from datetime import datetime

import pytest
from lxml import html as lxml_html

from blog import citations
from blog.accounts.models import Role
from blog.core.time import UTC
from blog.errors import ValidationFailed
from blog.extensions import db
from blog.posts import services as posts
from blog.scholarly import services as scholarly
from blog.site.services import get_settings
from tests.factories import login, make_post, make_user

REFERENCES = ("Our findings.\n\n## References\n\n"
              "1. Okafor, A. (2024). Safer screens. *Journal of Play*, 3, 1–9. doi:10.1234/jop.2024.17\n"
              "2. Hartley, L. (2023). A talk. https://doi.org/10.5555/talk-1.\n"
              "3. A book without an identifier.\n")


@pytest.fixture
def cited(appctx):
    okafor = make_user(Role.AUTHOR, name="Dr Amara Okafor", affiliation="University of Northbridge")
    okafor.orcid, okafor.ror = "0000-0002-1825-0097", "03yrm5c26"
    hartley = make_user(Role.AUTHOR, name="Prof Lewis Hartley")
    post = make_post(okafor, title="Safer screens: what we learnt", body=REFERENCES,
                     published_at=datetime(2025, 3, 14, 10, tzinfo=UTC))
    posts.save_post(post, posts.PostInput(title=post.title, body_markdown=REFERENCES,
                                          author_ids=[okafor.id, hartley.id], doi="https://doi.org/10.59350/abc-123",
                                          language="en-GB", licence="CC-BY-SA-4.0"),
                    by=okafor, base_version=post.version)
    db.session.commit()
    return {"post": post, "okafor": okafor, "hartley": hartley}


def test_doi_language_and_licence_are_validated(appctx):
    assert scholarly.normalise_doi("doi:10.1000/182") == "10.1000/182"
    assert scholarly.normalise_doi(" https://dx.doi.org/10.1000/182 ") == "10.1000/182"
    assert scholarly.normalise_doi("") == ""
    for bad in ("10.12/short-prefix", "not a doi", "10.1000/with space"):
        with pytest.raises(ValidationFailed) as error:
            scholarly.normalise_doi(bad)
        assert error.value.field == "doi"
    assert scholarly.normalise_language("pt-BR") == "pt-BR"
    with pytest.raises(ValidationFailed):
        scholarly.normalise_language("English please")
    with pytest.raises(ValidationFailed):
        scholarly.check_licence("WTFPL")


def test_post_defaults_follow_the_site_and_an_override_wins(appctx):
    author = make_user(Role.AUTHOR)
    post = make_post(author)
    settings = get_settings()
    assert scholarly.post_licence(post, settings).spdx == "CC-BY-4.0"
    assert scholarly.post_language(post, settings) == "en"
    settings.licence, settings.language = "CC0-1.0", "de"
    assert scholarly.post_licence(post, settings).spdx == "CC0-1.0"
    assert scholarly.post_language(post, settings) == "de"
    post.licence, post.language = "CC-BY-NC-4.0", "fr"
    assert scholarly.post_licence(post, settings).spdx == "CC-BY-NC-4.0"
    assert scholarly.post_language(post, settings) == "fr"


def test_reference_dois_become_links_and_json_ld_citations(cited):
    post = cited["post"]
    page = lxml_html.fromstring(post.body_html)
    links = [a.get("href") for a in page.iter("a")]
    assert links == ["https://doi.org/10.1234/jop.2024.17", "https://doi.org/10.5555/talk-1"]
    works = scholarly.references(post.body_html)
    assert [w.get("@id") for w in works] == ["https://doi.org/10.1234/jop.2024.17",
                                            "https://doi.org/10.5555/talk-1", None]
    assert works[2]["name"] == "A book without an identifier."


def test_a_doi_outside_the_reference_list_is_left_alone(appctx):
    post = make_post(make_user(), body="See 10.1234/abcd in the text.\n\n## Notes\n\n- 10.1234/efgh\n")
    assert "doi.org" not in post.body_html


@pytest.mark.parametrize("kind", ["bib", "ris", "json"])
def test_citation_downloads_parse_back(client, cited, kind):
    response = client.get(f"/posts/{cited['post'].slug}/cite.{kind}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{cited["post"].slug}.{kind}"'
    text = response.get_data(as_text=True)
    item = {"bib": lambda: citations.items_from_bibtex(text)[0], "ris": lambda: citations.items_from_ris(text)[0],
            "json": lambda: json.loads(text)[0]}[kind]()
    assert item["title"] == "Safer screens: what we learnt"
    assert item["author"] == [{"family": "Okafor", "given": "Amara"}, {"family": "Hartley", "given": "Lewis"}]
    assert item["issued"] == {"date-parts": [[2025, 3, 14]]}
    assert item["DOI"] == "10.59350/abc-123"
    assert item["language"] == "en-GB"


def test_citation_download_404_for_a_draft(client, appctx):
    draft = make_post(make_user(), published=False)
    assert client.get(f"/posts/{draft.slug}/cite.bib").status_code == 404


def test_landing_page_meta_tags_json_ld_and_cite_box(client, cited):
    response = client.get(f"/posts/{cited['post'].slug}")
    assert response.status_code == 200
    page = lxml_html.fromstring(response.data)
    meta = {}
    for tag in page.iter("meta"):
        if tag.get("name", "").startswith("citation_"):
            meta.setdefault(tag.get("name"), []).append(tag.get("content"))
    assert meta["citation_title"] == ["Safer screens: what we learnt"]
    assert meta["citation_author"] == ["Dr Amara Okafor", "Prof Lewis Hartley"]
    assert meta["citation_author_orcid"] == ["https://orcid.org/0000-0002-1825-0097"]
    assert meta["citation_publication_date"] == ["2025/03/14"]
    assert meta["citation_doi"] == ["10.59350/abc-123"]
    assert meta["citation_language"] == ["en-GB"]
    data = json.loads(page.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == ["BlogPosting", "ScholarlyArticle"]
    assert data["@id"] == "https://doi.org/10.59350/abc-123"
    assert data["identifier"]["value"] == "10.59350/abc-123"
    assert data["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert data["inLanguage"] == "en-GB"
    okafor = data["author"][0]
    assert okafor["@id"] == "https://orcid.org/0000-0002-1825-0097"
    assert okafor["affiliation"] == {"@type": "Organization", "name": "University of Northbridge",
                                     "@id": "https://ror.org/03yrm5c26"}
    assert "@id" not in data["author"][1]
    assert len(data["citation"]) == 3
    box = page.get_element_by_id("cite-heading").getparent()
    text = " ".join(box.text_content().split())
    assert "Okafor, A., & Hartley, L. (2025, March 14). Safer screens: what we learnt. Research Group Blog. https://doi.org/10.59350/abc-123" in text  # APA
    assert "Okafor, A., and L. Hartley. 2025. “Safer Screens: What We Learnt.”" in text  # Chicago (title case)
    assert {a.get("href") for a in box.iter("a")} >= {
        f"/posts/{cited['post'].slug}/cite.bib", f"/posts/{cited['post'].slug}/cite.ris",
        f"/posts/{cited['post'].slug}/cite.json", "https://doi.org/10.59350/abc-123",
        "https://creativecommons.org/licenses/by-sa/4.0/"}
    assert page.xpath("//article/@lang") == ["en-GB"]


def test_editor_saves_language_licence_and_doi(client, appctx):
    author = make_user(Role.AUTHOR)
    post = make_post(author, published=False)
    login(client, author)
    form = {"title": post.title, "body": "Text.", "authors": [author.id], "base_version": post.version,
            "language": "de", "licence": "CC0-1.0", "doi": "doi:10.5281/zenodo.42", "action": "save"}
    assert client.post(f"/editor/posts/{post.id}", data=form).status_code == 302
    db.session.refresh(post)
    assert (post.language, post.licence, post.doi) == ("de", "CC0-1.0", "10.5281/zenodo.42")
    response = client.post(f"/editor/posts/{post.id}", data={**form, "base_version": post.version, "doi": "nonsense"})
    assert response.status_code == 400
    assert "is not a DOI" in response.get_data(as_text=True)
