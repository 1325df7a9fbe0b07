"""Citation formats written from a CSL item and read back by the same libraries reference managers
use: what goes out is what comes back."""
import json

import pytest

from blog import citations

POST = {
    "id": "merdian2024", "type": "post-weblog", "title": "Safer screens: a NetGuard workshop",
    "author": [{"family": "Merdian", "given": "Hannah"}, {"family": "Perkins", "given": "Derek"},
               {"literal": "onlinePROTECT team"}],
    "issued": {"date-parts": [[2024, 3, 12]]}, "container-title": "onlinePROTECT blog",
    "URL": "https://blog.example.org/posts/safer-screens", "DOI": "10.59350/abcd-1234", "language": "en-GB",
}
ARTICLE = {
    "id": "elliott2019", "type": "article-journal", "title": "A self-regulation model of sexual grooming",
    "author": [{"family": "Elliott", "given": "Ian A."}], "issued": {"date-parts": [[2019]]},
    "container-title": "Trauma, Violence, & Abuse", "volume": "18", "issue": "1", "page": "83-97",
    "DOI": "10.1177/1524838015591573",
}


@pytest.mark.parametrize("item", [POST, ARTICLE], ids=["post", "article"])
def test_bibtex_reads_back_as_the_same_work(item):
    (back,) = citations.items_from_bibtex(citations.bibtex(item))
    assert back["type"] == item["type"] and back["id"] == item["id"]
    for key in ("title", "DOI", "container-title", "issued", "author"):
        assert back.get(key) == item.get(key), key


@pytest.mark.parametrize("item", [POST, ARTICLE], ids=["post", "article"])
def test_ris_reads_back_as_the_same_work(item):
    (back,) = citations.items_from_ris(citations.ris(item))
    assert back["type"] == item["type"]
    for key in ("title", "DOI", "container-title", "issued", "author"):
        assert back.get(key) == item.get(key), key


def test_csl_json_is_a_list_of_the_item():
    assert json.loads(citations.csl_json(POST)) == [POST]


def test_formatted_styles_name_the_authors_year_and_resolvable_doi():
    apa = citations.formatted(POST, "apa")
    assert apa.startswith("Merdian, H., Perkins, D., &amp; onlinePROTECT team. (2024, March 12)")
    assert "https://doi.org/10.59350/abcd-1234" in apa
    chicago = citations.formatted(ARTICLE, citations.STYLES["Chicago"])
    assert chicago.startswith("Elliott, I. A. 2019. “A Self-regulation Model") and "Trauma, Violence, &amp; Abuse" in chicago


def test_quoted_words_in_a_quoted_title_alternate_and_the_full_stop_goes_inside():
    quoted = {**POST, "title": "“Safer Screens, Safer Children” – a netGUARD workshop"}
    chicago = citations.formatted(quoted, citations.STYLES["Chicago"])
    assert "“‘Safer Screens, Safer Children’ – a netGUARD Workshop.”" in chicago
    apa = citations.formatted(quoted, "apa")  # APA does not quote a post's title: its own quotes stay
    assert "“Safer Screens, Safer Children” – a netGUARD workshop" in apa


def test_formatted_text_escapes_what_the_item_holds():
    hostile = {**ARTICLE, "title": "<script>alert(1)</script>"}
    assert "<script>" not in citations.formatted(hostile)


def test_a_file_with_no_bibtex_entry_is_refused_clearly():
    with pytest.raises(ValueError, match="No BibTeX entry"):
        citations.items_from_bibtex("this is not BibTeX at all")
