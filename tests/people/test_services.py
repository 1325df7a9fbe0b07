"""People and publications services: profiles, byline-only people, imports (BibTeX, DOI), listings."""
from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import pytest

from blog.accounts import services as accounts
from blog.accounts.models import Role
from blog.errors import NotAllowed, ValidationFailed
from blog.extensions import db
from blog.people import services
from blog.people.models import Publication
from tests.factories import make_post, make_user

RECORDED = Path(__file__).parent / "recorded"

GOOD_BIB = """
@article{lovelace1843,
  author = {Lovelace, Ada and Menabrea, Luigi},
  title = {Sketch of the Analytical Engine},
  journal = {Scientific Memoirs},
  year = {1843},
  volume = {3},
  doi = {10.5555/analytical}
}
@inproceedings{hopper1952,
  author = {Hopper, Grace},
  title = {The Education of a Computer},
  booktitle = {Proceedings of the ACM National Meeting},
  year = {1952}
}
"""


def _count() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(Publication)).scalar()


def test_byline_person_is_listed_with_profile_and_can_be_invited_later(appctx):
    admin = make_user(Role.ADMIN)
    person = services.add_byline_person("Ada Lovelace", "Analytical Society", by=admin)
    profile = services.update_person(person, services.ProfileInput(
        display_name="Ada Lovelace", affiliation="Analytical Society", ror="https://ror.org/03yrm5c26",
        orcid="https://orcid.org/0000-0002-1825-0097", group_role="Visiting scholar",
        links="https://example.org/ada\n", position=2), by=admin)
    db.session.commit()
    assert person.is_byline_only and person.email is None
    assert (person.ror, person.orcid) == ("03yrm5c26", "0000-0002-1825-0097")
    assert services.group() == [profile] and profile.link_list == ["https://example.org/ada"]

    invitation, token = services.invite_byline_person(person, "ada@example.org", Role.AUTHOR, by=admin)
    db.session.commit()
    joined = accounts.accept_invitation(token, password="a long password", display_name="Ada Lovelace")
    db.session.commit()
    assert joined.id == person.id and not joined.is_byline_only and joined.role == "author"
    assert accounts.authenticate("ada@example.org", "a long password", address="192.0.2.1").id == person.id
    with pytest.raises(ValidationFailed):  # now an account: no second invitation as a byline person
        services.invite_byline_person(person, "ada@example.org", Role.AUTHOR, by=admin)


def test_profile_checks_identifiers_and_rights(appctx):
    admin, author = make_user(Role.ADMIN), make_user(Role.AUTHOR)
    person = services.add_byline_person("Grace Hopper", by=author)
    with pytest.raises(NotAllowed):
        services.update_person(person, services.ProfileInput(display_name="G"), by=author)
    for field, value in (("orcid", "1234"), ("ror", "not a ror"), ("links", "javascript:alert(1)"),
                         ("photo_key", "nope")):
        with pytest.raises(ValidationFailed) as refused:
            services.update_person(person, services.ProfileInput(display_name="Grace Hopper", **{field: value}),
                                   by=admin)
        assert refused.value.field == field
    with pytest.raises(NotAllowed):
        services.add_byline_person("Someone", by=make_user(Role.CONTRIBUTOR))


def test_an_email_of_someone_else_is_refused_for_an_invitation(appctx):
    admin = make_user(Role.ADMIN, email="taken@example.org")
    person = services.add_byline_person("Someone", by=admin)
    with pytest.raises(ValidationFailed):
        services.invite_byline_person(person, "taken@example.org", Role.AUTHOR, by=admin)


def test_bibtex_import_keeps_csl_items_and_links_people(appctx):
    editor = make_user(Role.EDITOR, name="Grace Hopper")
    added = services.import_bibtex(GOOD_BIB, by=editor)
    db.session.commit()
    assert [p.key for p in added] == ["lovelace1843", "hopper1952"]
    first = services.publication_by_key("lovelace1843")
    assert (first.year, first.type, first.doi) == (1843, "article-journal", "10.5555/analytical")
    assert services.publication_by_key("hopper1952").people == [editor]
    assert services.publications(person=editor) == [services.publication_by_key("hopper1952")]
    groups = services.grouped(services.publications())
    assert [g.year for g in groups] == [1952, 1843]
    assert groups[0].types[0][0] == "paper-conference"
    assert services.publications(kind="article-journal") == [first]
    # The BibTeX download parses back to the same entry.
    from blog import citations
    entry = bibtexparser.loads(citations.bibtex(first.item)).entries[0]
    assert entry["title"] == "Sketch of the Analytical Engine" and entry["year"] == "1843"


@pytest.mark.parametrize("text, message", [
    ("this is not bibtex at all", "No BibTeX entry"),
    (GOOD_BIB + "\n@misc{lovelace1843, title={Again}}", "used twice"),
    (GOOD_BIB.replace("title = {The Education of a Computer},", ""), "has no title"),
])
def test_bad_bibtex_imports_nothing(appctx, text, message):
    editor = make_user(Role.EDITOR)
    with pytest.raises(ValidationFailed) as refused:
        services.import_bibtex(text, by=editor)
    db.session.rollback()
    assert message in refused.value.message and _count() == 0


def test_importing_a_key_already_there_imports_nothing(appctx):
    editor = make_user(Role.EDITOR)
    services.import_bibtex(GOOD_BIB.split("@inproceedings")[0], by=editor)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="Already in the publications: lovelace1843"):
        services.import_bibtex(GOOD_BIB, by=editor)
    db.session.rollback()
    assert _count() == 1
    with pytest.raises(NotAllowed):
        services.import_bibtex(GOOD_BIB, by=make_user(Role.AUTHOR))


def _recorded(answers: dict[str, str]):
    """A fetcher answering from recorded files by URL; any other URL fails as the network would."""
    asked = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        if url not in answers:
            raise ValidationFailed("That address answered 404.")
        return (RECORDED / answers[url]).read_bytes()
    return fetch, asked


def test_doi_import_from_crossref_recorded_answer(make_app):
    app = make_app(ALLOW_METADATA_FETCH=True)
    with app.app_context():
        editor = make_user(Role.EDITOR, name="Ada Lovelace")
        fetch, asked = _recorded({"https://api.crossref.org/works/10.1038/nphys1170":
                                  "crossref-10.1038_nphys1170.json"})
        publication = services.import_doi("https://doi.org/10.1038/NPHYS1170", by=editor, fetch=fetch)
        db.session.commit()
        assert asked == ["https://api.crossref.org/works/10.1038/nphys1170"]
        assert (publication.key, publication.year, publication.type) == ("aspelmeyer2009", 2009, "article-journal")
        assert publication.item["container-title"] == "Nature Physics" and publication.people == [editor]
        with pytest.raises(ValidationFailed, match="already here"):
            services.import_doi("10.1038/nphys1170", by=editor, fetch=fetch)


def test_doi_import_falls_back_to_datacite(make_app):
    app = make_app(ALLOW_METADATA_FETCH=True)
    with app.app_context():
        editor = make_user(Role.EDITOR)
        fetch, asked = _recorded({"https://api.datacite.org/dois/10.5281/zenodo.1234567":
                                  "datacite-10.5281_zenodo.1234567.json"})
        publication = services.import_doi("doi:10.5281/zenodo.1234567", by=editor, fetch=fetch)
        assert len(asked) == 2 and publication.type == "dataset" and publication.year == 2018
        assert publication.item["author"][1] == {"literal": "The Survey Consortium"}
        with pytest.raises(ValidationFailed, match="Neither Crossref nor DataCite"):
            services.import_doi("10.1234/unknown", by=editor, fetch=fetch)


def test_doi_import_is_off_by_default_and_never_fetches(appctx):
    editor = make_user(Role.EDITOR)
    fetch, asked = _recorded({})
    with pytest.raises(ValidationFailed, match="ALLOW_METADATA_FETCH"):
        services.import_doi("10.1038/nphys1170", by=editor, fetch=fetch)
    assert asked == []


def test_publication_directive_renders_a_citation_card(appctx):
    editor = make_user(Role.EDITOR)
    services.import_bibtex(GOOD_BIB, by=editor)
    db.session.commit()
    post = make_post(editor, body="As shown before:\n\n[[publication:lovelace1843]]\n\n[[publication:missing]]\n")
    assert 'class="publication-card"' in post.body_html
    assert "Sketch of the Analytical Engine" in post.body_html and "https://doi.org/10.5555/analytical" in post.body_html
    assert "publication-missing" in post.body_html and "missing" in post.body_html  # a note naming the unknown key


def test_talks_are_events_crediting_the_person_by_name(appctx):
    from blog.events import services as events

    author = make_user(Role.AUTHOR, name="Ada Lovelace")
    event = events.create_event(events.EventInput(title="Engines", precision="tba"), by=author)
    event.people = []
    from blog.events.models import EventPerson
    event.people.append(EventPerson(name="ada lovelace", role="speaker"))
    db.session.flush()
    assert services.talks(author) == []  # not published yet
    events.publish_event(event, by=author)
    db.session.commit()
    assert services.talks(author) == [event]
    assert services.talks(make_user(Role.AUTHOR)) == []


def test_crossref_conversion_keeps_only_known_fields():
    answer = json.loads((RECORDED / "crossref-10.1038_nphys1170.json").read_text())
    item = services.item_from_crossref(answer)
    assert item["author"][0] == {"given": "Markus", "family": "Aspelmeyer"}
    assert item["issued"] == {"date-parts": [[2009, 1]]} and item["page"] == "11-12"
