"""People of the group and their publications: profiles, co-authors, invitations, imports, listings.

Every change takes the acting user as ``by``; functions flush, never commit.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from urllib.parse import quote

from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import and_, func, or_

from blog import citations
from blog.accounts import services as accounts
from blog.accounts.models import Invitation, Role, User
from blog.core.markdown import directives_in
from blog.core.text import clean_data, strip_controls
from blog.core.signals import directive_output_changed, total
from blog.errors import NotFound, ValidationFailed
from blog.extensions import db
from blog.people.models import PersonProfile, Publication, publication_people

ORCID_PATTERN = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
ROR_PATTERN = re.compile(r"^0[a-z0-9]{6}\d{2}$")
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
PUBLICATION_DIRECTIVE = "publication"
MAX_METADATA_BYTES = 1_000_000

# CSL item types as readers name them on /publications/.
TYPE_LABELS = {
    "article-journal": "Journal articles", "paper-conference": "Conference papers", "book": "Books",
    "chapter": "Book chapters", "report": "Reports", "thesis": "Theses", "dataset": "Data sets",
    "speech": "Talks", "post-weblog": "Blog posts", "webpage": "Web pages", "manuscript": "Preprints",
    "document": "Other",
}


# --- people ------------------------------------------------------------------------------------

def profile_for(user: User) -> PersonProfile:
    """The person's profile, made (unlisted) on first use."""
    profile = db.session.get(PersonProfile, user.id)
    if profile is None:
        profile = PersonProfile(user_id=user.id, group_role="", links="", position=0, listed=False)
        profile.user = user
        db.session.add(profile)
        db.session.flush()
    return profile


def group() -> list[PersonProfile]:
    """The people listed on ``/people/``, in the order the admins gave them (then by name)."""
    return list(db.session.execute(
        db.select(PersonProfile).join(PersonProfile.user).where(PersonProfile.listed, User.active)
        .order_by(PersonProfile.position, User.display_name)).scalars())


def person_by_slug(slug: str) -> tuple[User, PersonProfile | None]:
    """Anyone credited or listed, as author pages always were. :raise NotFound: for no one."""
    person = db.session.execute(db.select(User).where(User.slug == slug)).scalar_one_or_none()
    if person is None:
        raise NotFound("There is no such person here.")
    return person, db.session.get(PersonProfile, person.id)


@dataclass
class ProfileInput:
    display_name: str
    affiliation: str = ""
    ror: str = ""
    orcid: str = ""
    bio: str = ""
    group_role: str = ""
    photo_key: str = ""
    links: str = ""
    position: int = 0
    listed: bool = True
    # Ids of the publications to credit to the person; None leaves them as they are.
    publication_ids: list[int] | None = None


def _bare_identifier(value: str, prefix: str) -> str:
    value = (value or "").strip()
    for start in (f"https://{prefix}/", f"http://{prefix}/", f"{prefix}/"):
        if value.lower().startswith(start):
            return value[len(start):]
    return value


def update_person(person: User, data: ProfileInput, *, by: User) -> PersonProfile:
    """Save what the people pages show of ``person``.

    :raise NotAllowed: below admin. :raise ValidationFailed: for an empty name, a malformed ORCID
    iD, ROR id or link, or an unknown photo.
    """
    from blog.media.services import photo_by_key

    accounts.require_role(by, Role.ADMIN, "edit the people pages")
    name = data.display_name.strip()
    if not name:
        raise ValidationFailed("A person needs a name.", field="display_name")
    orcid = _bare_identifier(data.orcid, "orcid.org").upper()
    if orcid and not ORCID_PATTERN.match(orcid):
        raise ValidationFailed("An ORCID iD looks like 0000-0002-1825-0097.", field="orcid")
    ror = _bare_identifier(data.ror, "ror.org").lower()
    if ror and not ROR_PATTERN.match(ror):
        raise ValidationFailed("A ROR id looks like 03yrm5c26 (or https://ror.org/03yrm5c26).", field="ror")
    links = [line.strip() for line in (data.links or "").splitlines() if line.strip()]
    if any(not link.startswith(("https://", "http://")) for link in links):
        raise ValidationFailed("Each link is a web address starting with https://, one a line.", field="links")
    photo = None
    if data.photo_key.strip():
        try:
            photo = photo_by_key(data.photo_key.strip())
        except NotFound:
            raise ValidationFailed("There is no photo with that key in the library.", field="photo_key") from None
    profile = profile_for(person)
    person.display_name = name
    person.affiliation = data.affiliation.strip()
    person.bio = data.bio.strip()
    person.orcid, person.ror = orcid, ror
    profile.group_role = data.group_role.strip()
    profile.photo = photo
    profile.links = "\n".join(links)
    profile.position = data.position
    profile.listed = data.listed
    if data.publication_ids is not None:
        chosen = set(data.publication_ids)
        for publication in db.session.execute(db.select(Publication)).scalars():
            if (publication.id in chosen) != (person in publication.people):
                (publication.people.append if publication.id in chosen else publication.people.remove)(person)
    db.session.flush()
    return profile


def add_byline_person(display_name: str, affiliation: str = "", *, by: User) -> User:
    """A co-author without an account, added from the editor or the people admin.

    :raise NotAllowed: below author. :raise ValidationFailed: for an empty name.
    """
    accounts.require_role(by, Role.AUTHOR, "add people")
    return accounts.create_byline_person(display_name, affiliation=affiliation)


def invite_byline_person(person: User, email: str, role: Role, *, by: User) -> tuple[Invitation, str]:
    """An invitation for a byline-only person to take over their own entry as an account.

    Accepting it (``accounts.accept_invitation``) gives ``person`` a password: their posts, talks
    and publications stay theirs.

    :raise ValidationFailed: for someone who already has an account, or an email someone else has.
    """
    accounts.require_role(by, Role.ADMIN, "invite people")
    if not person.is_byline_only:
        raise ValidationFailed(f"{person.display_name} already has an account.", field="email")
    address = accounts.normalise_email(email or person.email or "")
    holder = accounts.user_by_email(address)
    if holder is not None and holder.id != person.id:
        raise ValidationFailed("Someone else already has that email address.", field="email")
    person.email = address
    db.session.flush()
    return accounts.invite(address, role, by=by)


def person_json_ld(person: User, profile: PersonProfile | None) -> dict:
    """schema.org ``Person`` for a people page: ORCID and links as ``sameAs``, the ROR-identified affiliation."""
    from blog.core.urls import absolute_url

    data = {"@context": "https://schema.org", "@type": "Person", "name": person.display_name,
            "url": absolute_url("people.person", slug=person.slug)}
    if person.orcid:
        data["identifier"] = f"https://orcid.org/{person.orcid}"
    same_as = ([f"https://orcid.org/{person.orcid}"] if person.orcid else []) + (profile.link_list if profile else [])
    if same_as:
        data["sameAs"] = same_as
    if person.affiliation:
        data["affiliation"] = {"@type": "Organization", "name": person.affiliation,
                               **({"@id": f"https://ror.org/{person.ror}"} if person.ror else {})}
    if profile and profile.group_role:
        data["jobTitle"] = profile.group_role
    if person.bio:
        data["description"] = person.bio
    return data


def talks(person: User, *, now=None) -> list:
    """Published events where ``person`` speaks or organises, newest first.

    A credit linked to the person (``EventPerson.person_id``) counts; so does, for a credit linked
    to no one (one saved before people could be linked, or before the person had a page), their
    name as the event gives it, ignoring case. A credit linked to someone else never counts, even
    under the same name.
    """
    from blog.events.models import Event, EventPerson

    credited = or_(EventPerson.person_id == person.id,
                   and_(EventPerson.person_id.is_(None),
                        func.lower(EventPerson.name) == person.display_name.strip().lower()))
    return list(db.session.execute(
        db.select(Event).where(Event.published_at.is_not(None), Event.people.any(credited))
        .order_by(Event.sort_at.desc().nulls_last(), Event.id.desc())).scalars())


# --- publications ------------------------------------------------------------------------------

def _year(item: dict) -> int | None:
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    first = parts[0][0] if parts and parts[0] else None
    return int(first) if str(first or "").isdigit() else None


def _people_named(item: dict) -> list[User]:
    """The site's people among the item's authors, matched on "Given Family" as their display name."""
    names = {" ".join(part for part in (a.get("given", ""), a.get("family", "")) if part).lower()
             for a in item.get("author") or []} | {a.get("literal", "").lower() for a in item.get("author") or []}
    names.discard("")
    if not names:
        return []
    return list(db.session.execute(db.select(User).where(func.lower(User.display_name).in_(names))).scalars())


def _publication_from(item: dict) -> Publication:
    title = (item.get("title") or "").strip()
    key = (item.get("id") or "").strip()
    if not title:
        raise ValidationFailed(f"The entry {key or '(without a key)'} has no title.")
    if not re.fullmatch(r"[^\]\s<>\"']{1,120}", key):
        raise ValidationFailed(f"The key “{key}” cannot be used: no spaces, quotes or brackets, at most 120 characters.")
    publication = Publication(key=key, year=_year(item), type=item.get("type") or "document", title=title,
                              doi=(item.get("DOI") or "").strip(), csl_json=json.dumps(item, ensure_ascii=False))
    publication.people = _people_named(item)
    return publication


def add_publications(items: list[dict], *, by: User) -> list[Publication]:
    """Store the CSL items as publications, all or none.

    :raise ValidationFailed: for an item without a title or a usable key, or a key already taken
    (in the database or twice in ``items``); nothing is added then.
    """
    accounts.require_role(by, Role.EDITOR, "add publications")
    items = [clean_data(item) for item in items]  # from BibTeX, Crossref or DataCite alike
    keys = [(item.get("id") or "").strip() for item in items]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValidationFailed(f"The key {', '.join(repeated)} is used twice. Nothing was imported.")
    taken = set(db.session.execute(db.select(Publication.key).where(Publication.key.in_(keys))).scalars())
    if taken:
        raise ValidationFailed(f"Already in the publications: {', '.join(sorted(taken))}. Nothing was imported.")
    publications = [_publication_from(item) for item in items]
    db.session.add_all(publications)
    db.session.flush()
    for key in _cited_among({p.key for p in publications}):  # cited before it was imported
        publication_changed(key)
    return publications


def _cited_among(keys: set[str]) -> list[str]:
    """Those of ``keys`` some post cites: one scan of the posts for a whole BibTeX file, then
    the re-rendering only for keys in use."""
    from blog.posts.models import Post

    cited: set[str] = set()
    for markdown in db.session.execute(db.select(Post.body_markdown).where(
            Post.body_markdown.contains(f"[[{PUBLICATION_DIRECTIVE}:"))).scalars():
        cited.update(key for kind, key in directives_in(markdown) if kind == PUBLICATION_DIRECTIVE)
    return sorted(cited & keys)


def publication_changed(key: str) -> int:
    """Bring every post citing ``[[publication:KEY]]`` up to date after the publication with that key
    was added, edited or deleted (the change signal photos and social posts use); their stored
    HTML changes in this transaction, so the content version, and with it every cached page,
    moves at the commit. Returns how many posts were re-rendered.
    """
    return total(directive_output_changed.send(PUBLICATION_DIRECTIVE, key=key))


def import_bibtex(text: str, *, by: User) -> list[Publication]:
    """Every entry of a BibTeX file, or none of them.

    :raise ValidationFailed: for a file that is not BibTeX, holds no entry, or any bad entry.
    """
    text = strip_controls(text)  # invisible controls (a NUL would end PostgreSQL's statement)
    try:
        items = citations.items_from_bibtex(text)
    except ValueError as error:
        raise ValidationFailed(f"{error} Nothing was imported.", field="file") from None
    return add_publications(items, by=by)


Fetcher = Callable[[str], bytes]


def _fetch(url: str) -> bytes:
    from blog.core.fetch import fetch_public

    return fetch_public(url, max_bytes=MAX_METADATA_BYTES, timeout=10)


_CROSSREF_TYPES = {"journal-article": "article-journal", "proceedings-article": "paper-conference",
                   "book-chapter": "chapter", "posted-content": "manuscript", "dissertation": "thesis",
                   "monograph": "book", "edited-book": "book", "report": "report", "dataset": "dataset"}


def _first(value) -> str:
    return (value[0] if value else "") if isinstance(value, list) else (value or "")


def item_from_crossref(answer: dict) -> dict:
    """A CSL item from a Crossref REST API ``/works/DOI`` answer."""
    work = answer["message"]
    item = {"type": _CROSSREF_TYPES.get(work.get("type", ""), citations_type(work.get("type", ""))),
            "title": _first(work.get("title")), "DOI": work.get("DOI", "")}
    authors = [{k: v for k, v in (("given", a.get("given", "")), ("family", a.get("family", ""))) if v}
               or {"literal": a.get("name", "")} for a in work.get("author") or []]
    if authors:
        item["author"] = authors
    issued = (work.get("issued") or work.get("published") or {}).get("date-parts")
    if issued and issued[0] and issued[0][0]:
        item["issued"] = {"date-parts": [issued[0]]}
    for source, target in (("container-title", "container-title"), ("publisher", "publisher"),
                           ("volume", "volume"), ("issue", "issue"), ("page", "page"), ("URL", "URL")):
        if _first(work.get(source)):
            item[target] = _first(work.get(source))
    return item


def item_from_datacite(answer: dict) -> dict:
    """A CSL item from a DataCite REST API ``/dois/DOI`` answer."""
    attributes = answer["data"]["attributes"]
    item = {"type": citations_type((attributes.get("types") or {}).get("citeproc", "")),
            "title": (_first(attributes.get("titles")) or {}).get("title", ""), "DOI": attributes.get("doi", "")}
    authors = []
    for creator in attributes.get("creators") or []:
        if creator.get("familyName"):
            authors.append({"family": creator["familyName"], "given": creator.get("givenName", "")})
        elif creator.get("name"):
            authors.append({"literal": creator["name"]})
    if authors:
        item["author"] = authors
    if attributes.get("publicationYear"):
        item["issued"] = {"date-parts": [[int(attributes["publicationYear"])]]}
    publisher = attributes.get("publisher")
    if isinstance(publisher, dict):
        publisher = publisher.get("name")
    if publisher:
        item["publisher"] = publisher
    if attributes.get("url"):
        item["URL"] = attributes["url"]
    return item


def citations_type(csl_type: str) -> str:
    return csl_type if csl_type in TYPE_LABELS else "document"


def normalise_doi(value: str) -> str:
    """A bare, lower-case DOI from "10.x/y", "doi:10.x/y" or a doi.org address.

    :raise ValidationFailed: for anything else.
    """
    doi = (value or "").strip()
    doi = _bare_identifier(_bare_identifier(doi, "doi.org"), "dx.doi.org")
    if doi.lower().startswith("doi:"):
        doi = doi[4:].strip()
    if not DOI_PATTERN.match(doi):
        raise ValidationFailed("A DOI looks like 10.5281/zenodo.1234567.", field="doi")
    return doi.lower()


def _key_for(item: dict, doi: str) -> str:
    first = (item.get("author") or [{}])[0]
    family = re.sub(r"[^a-z]", "", (first.get("family") or first.get("literal") or "").lower()) or "doi"
    base = f"{family}{_year(item) or ''}"
    key, number = base, 1
    while db.session.execute(db.select(Publication.id).where(Publication.key == key)).first():
        number += 1
        key = f"{base}-{number}"
    return key


def import_doi(value: str, *, by: User, fetch: Fetcher | None = None) -> Publication:
    """A publication from its DOI's Crossref metadata, or DataCite's when Crossref has none.

    Only when ``ALLOW_METADATA_FETCH`` is on: the server then asks api.crossref.org and
    api.datacite.org. ``fetch`` (a URL to the answer's bytes) replaces the network in tests.

    :raise ValidationFailed: when fetching is off, for a malformed DOI, one already imported, or
    one neither registry knows.
    """
    accounts.require_role(by, Role.EDITOR, "add publications")
    if not current_app.config.get("ALLOW_METADATA_FETCH"):
        raise ValidationFailed("Fetching metadata is turned off on this site (ALLOW_METADATA_FETCH); "
                               "import a BibTeX file instead.", field="doi")
    doi = normalise_doi(value)
    if db.session.execute(db.select(Publication.id).where(func.lower(Publication.doi) == doi)).first():
        raise ValidationFailed(f"The publication with DOI {doi} is already here.", field="doi")
    fetch = fetch or _fetch
    item = None
    for url, convert in ((f"https://api.crossref.org/works/{quote(doi, safe='/')}", item_from_crossref),
                         (f"https://api.datacite.org/dois/{quote(doi, safe='/')}", item_from_datacite)):
        try:
            item = convert(json.loads(fetch(url)))
            break
        except (ValidationFailed, ValueError, KeyError, TypeError):
            continue
    if item is None or not item.get("title"):
        raise ValidationFailed(f"Neither Crossref nor DataCite could describe the DOI {doi}.", field="doi")
    item["DOI"] = item.get("DOI") or doi
    item["id"] = _key_for(item, doi)
    return add_publications([item], by=by)[0]


def delete_publication(publication: Publication, *, by: User) -> None:
    accounts.require_role(by, Role.EDITOR, "delete publications")
    key = publication.key
    db.session.delete(publication)
    db.session.flush()
    publication_changed(key)  # citing posts show the "not in the publications" note instead of the card


def publication_by_key(key: str) -> Publication:
    """:raise NotFound: for an unknown key."""
    publication = db.session.execute(db.select(Publication).where(Publication.key == key)).scalar_one_or_none()
    if publication is None:
        raise NotFound("There is no publication with that key.")
    return publication


@dataclass
class PublicationGroup:
    year: int | None
    types: list[tuple[str, list[Publication]]]


def publications(*, year: int | None = None, kind: str | None = None, person: User | None = None) -> list[Publication]:
    """Publications newest year first (undated last), then by type and title; filtered if asked."""
    query = db.select(Publication)
    if year is not None:
        query = query.where(Publication.year == year)
    if kind:
        query = query.where(Publication.type == kind)
    if person is not None:
        query = query.where(Publication.id.in_(
            db.select(publication_people.c.publication_id).where(publication_people.c.user_id == person.id)))
    return list(db.session.execute(query.order_by(
        Publication.year.desc().nulls_last(), Publication.type, Publication.title)).scalars())


def grouped(rows: list[Publication]) -> list[PublicationGroup]:
    """``rows`` (in the order ``publications`` gives) grouped by year, then by type."""
    return [PublicationGroup(year, [(kind, list(items)) for kind, items in groupby(in_year, key=lambda p: p.type)])
            for year, in_year in groupby(rows, key=lambda p: p.year)]


def publication_filters() -> tuple[list[int], list[str]]:
    """The years and types there are publications of, for the filters of ``/publications/``."""
    years = db.session.execute(db.select(Publication.year).where(Publication.year.is_not(None))
                               .distinct().order_by(Publication.year.desc())).scalars()
    kinds = db.session.execute(db.select(Publication.type).distinct().order_by(Publication.type)).scalars()
    return list(years), list(kinds)


def recent_publications(*, limit: int = 20, since=None, until=None) -> list[Publication]:
    """Publications added in (``since``, ``until``], newest first (for the feed and the digest)."""
    query = db.select(Publication)
    if since is not None:
        query = query.where(Publication.created_at > since)
    if until is not None:
        query = query.where(Publication.created_at <= until)
    return list(db.session.execute(query.order_by(Publication.created_at.desc(), Publication.id.desc())
                                   .limit(limit)).scalars())


def publication_card_directive(key: str) -> Markup:
    """HTML for ``[[publication:KEY]]``: the formatted citation as a card; for a key with no
    publication (deleted, or not imported yet) a note naming the key, never a broken card."""
    try:
        publication = publication_by_key(key)
    except NotFound:
        return Markup(render_template("people/_publication_missing.html", key=key).strip())
    return Markup(render_template("people/_publication_card.html", publication=publication,
                                  citation=citations.formatted(publication.item)).strip())

