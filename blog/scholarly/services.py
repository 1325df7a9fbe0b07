"""Citable posts: licence, language and DOI of a post, its citation, its reference list, and the
site's readiness for scholarly aggregators (Rogue Scholar).

A post's empty ``language`` or ``licence`` means the site's default (site settings), so changing
the default changes every post that did not choose its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import html as lxml_html
from nameparser import HumanName

from blog.accounts.models import User
from blog.errors import ValidationFailed
from blog.extensions import db
from blog.posts import services as posts  # the module, not names: posts.services imports this one
from blog.posts.models import Post, PostAuthor, PostKind
from blog.site.models import SiteSettings


@dataclass(frozen=True)
class Licence:
    spdx: str
    name: str
    url: str

    @property
    def open_attribution(self) -> bool:
        """CC BY or CC0: what Rogue Scholar requires for the full text it archives."""
        return self.spdx in ("CC-BY-4.0", "CC0-1.0")


# The licences an author can choose, by SPDX identifier (https://spdx.org/licenses/).
LICENCES = {licence.spdx: licence for licence in (
    Licence("CC-BY-4.0", "Creative Commons Attribution 4.0 International",
            "https://creativecommons.org/licenses/by/4.0/"),
    Licence("CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 International",
            "https://creativecommons.org/licenses/by-sa/4.0/"),
    Licence("CC-BY-NC-4.0", "Creative Commons Attribution-NonCommercial 4.0 International",
            "https://creativecommons.org/licenses/by-nc/4.0/"),
    Licence("CC-BY-NC-SA-4.0", "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
            "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
    Licence("CC-BY-ND-4.0", "Creative Commons Attribution-NoDerivatives 4.0 International",
            "https://creativecommons.org/licenses/by-nd/4.0/"),
    Licence("CC-BY-NC-ND-4.0", "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International",
            "https://creativecommons.org/licenses/by-nc-nd/4.0/"),
    Licence("CC0-1.0", "Creative Commons Zero 1.0 Universal (public domain)",
            "https://creativecommons.org/publicdomain/zero/1.0/"),
)}
DEFAULT_LICENCE = "CC-BY-4.0"

# Crossref's advice for matching modern DOIs: "10.", a registrant code of 4–9 digits, "/", a suffix.
DOI = re.compile(r"10\.\d{4,9}/[-._;()/:A-Za-z0-9<>\[\]]+")
_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# A BCP 47 language tag, in the shape feeds and HTML accept: "en", "de-CH", "zh-Hant-TW".
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
REFERENCES_HEADING = re.compile(r"^\s*(references|bibliography|works cited)\s*$", re.IGNORECASE)


def normalise_doi(text: str) -> str:
    """A DOI as stored ("10.1234/abc"), from what an author pastes (a doi.org link, "doi:…").

    :raise ValidationFailed: when the text is not empty and not a DOI.
    """
    text = _DOI_PREFIXES.sub("", (text or "").strip())
    if not text:
        return ""
    if not DOI.fullmatch(text):
        raise ValidationFailed(f"“{text}” is not a DOI; a DOI looks like 10.5281/zenodo.1234567.",
                               field="doi")
    return text


def normalise_language(text: str) -> str:
    """:raise ValidationFailed: unless empty or a language tag such as "en" or "pt-BR"."""
    text = (text or "").strip()
    if text and not LANGUAGE_TAG.match(text):
        raise ValidationFailed(f"“{text}” is not a language tag; use one such as en, de or pt-BR.",
                               field="language")
    return text


def check_licence(spdx: str, *, field_name: str = "licence") -> str:
    """:raise ValidationFailed: unless empty (the site's default) or one of ``LICENCES``."""
    spdx = (spdx or "").strip()
    if spdx and spdx not in LICENCES:
        raise ValidationFailed(f"Choose a licence from the list (“{spdx}” is not offered).", field=field_name)
    return spdx


def doi_url(doi: str) -> str:
    return f"https://doi.org/{doi}"


def site_licence(settings: SiteSettings) -> Licence:
    return LICENCES.get(settings.licence or "", LICENCES[DEFAULT_LICENCE])


def post_licence(post: Post, settings: SiteSettings) -> Licence:
    return LICENCES.get(post.licence or "") or site_licence(settings)


def post_language(post: Post, settings: SiteSettings) -> str:
    return post.language or settings.language or "en"


def rights_statement(licence: Licence) -> str:
    """The one line feeds carry as ``<rights>``/``<copyright>``."""
    return f"{licence.name} ({licence.spdx}): {licence.url}"


def orcid_url(user: User) -> str | None:
    return f"https://orcid.org/{user.orcid}" if user.orcid else None


def ror_url(user: User) -> str | None:
    return f"https://ror.org/{user.ror}" if user.ror else None


def csl_name(user: User) -> dict:
    """A CSL name from a display name ("Dr Amara Okafor" → Okafor, Amara); titles are dropped."""
    name = HumanName(user.display_name)
    if not name.last:
        return {"literal": user.display_name}
    given = " ".join(part for part in (name.first, name.middle) if part)
    return {"family": name.last, "given": given} if given else {"literal": name.last}


def csl_item(post: Post, settings: SiteSettings, url: str) -> dict:
    """The post as a CSL-JSON item (a blog post in the site as container)."""
    item = {"id": post.slug, "type": "post-weblog", "title": post.title,
            "author": [csl_name(user) for user in post.authors],
            "container-title": settings.site_name, "URL": url,
            "language": post_language(post, settings)}
    if post.published_at:
        moment = post.published_at
        item["issued"] = {"date-parts": [[moment.year, moment.month, moment.day]]}
    if post.doi:
        item["DOI"] = post.doi
    if post.excerpt:
        item["abstract"] = post.excerpt
    return item


# ---------------------------------------------------------------- references


def _references_list(root):
    """The list that follows a "References" heading in a post's HTML, or ``None``."""
    for heading in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        if REFERENCES_HEADING.match(heading.text_content()):
            following = heading.getnext()
            if following is not None and following.tag in ("ol", "ul"):
                return following
    return None


def link_reference_dois(body_html: str) -> str:
    """``body_html`` with every DOI written as text in its reference list made a ``https://doi.org`` link.

    Runs when a post is saved, after sanitising: it adds only ``<a href="https://doi.org/…">``.
    """
    if "10." not in body_html:
        return body_html
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    listing = _references_list(root)
    if listing is None or not _link_dois_in(listing):
        return body_html
    return (root.text or "") + "".join(lxml_html.tostring(child, encoding="unicode") for child in root)


_DOI_IN_TEXT = re.compile(r"(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(" + DOI.pattern + ")", re.IGNORECASE)


def _link_dois_in(element) -> bool:
    """Link the DOIs in ``element``'s text outside links, depth first; whether any was found."""
    found = False
    for child in list(element):
        if child.tag != "a":
            found |= _link_dois_in(child)
        links, child.tail = _doi_links(child.tail)
        for offset, link in enumerate(links, start=element.index(child) + 1):
            element.insert(offset, link)
        found |= bool(links)
    links, element.text = _doi_links(element.text)
    for offset, link in enumerate(links):
        element.insert(offset, link)
    return found | bool(links)


def _doi_links(text: str | None) -> tuple[list, str | None]:
    """The text before the first DOI, and a link element per DOI carrying the text after it."""
    matches = list(_DOI_IN_TEXT.finditer(text or ""))
    if not matches:
        return [], text
    links = []
    for number, match in enumerate(matches):
        doi = match.group(1).rstrip(".,;")
        link = lxml_html.Element("a", href=doi_url(doi))
        link.text = doi_url(doi)
        end = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        link.tail = match.group(1)[len(doi):] + text[match.end():end]
        links.append(link)
    return links, text[:matches[0].start()]


def references(body_html: str) -> list[dict]:
    """The post's reference list as schema.org ``CreativeWork`` items (for JSON-LD ``citation``)."""
    if not body_html:
        return []
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    listing = _references_list(root)
    if listing is None:
        return []
    works = []
    for item in listing.findall("li"):
        text = " ".join(item.text_content().split())
        if not text:
            continue
        work = {"@type": "CreativeWork", "name": text}
        found = DOI.search(text)
        if found:
            doi = found.group(0).rstrip(".,;")
            work["@id"] = doi_url(doi)
            work["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": doi}
        works.append(work)
    return works


# ---------------------------------------------------------------- readiness


@dataclass
class Finding:
    """One thing that is wrong: what, and where to put it right."""

    text: str
    fix_url: str | None = None


@dataclass
class Check:
    title: str
    required: bool
    explanation: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings


FINDINGS_SHOWN = 20  # per check; the count says how many more there are


def _post_findings(query, describe, fix_url) -> list[Finding]:
    total = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar_one()
    posts = db.session.execute(query.order_by(Post.published_at.desc()).limit(FINDINGS_SHOWN)).scalars()
    findings = [Finding(describe(post), fix_url(post)) for post in posts]
    if total > FINDINGS_SHOWN:
        findings.append(Finding(f"… and {total - FINDINGS_SHOWN} more posts."))
    return findings


def readiness(*, settings: SiteSettings, site_url: str, now, url_for) -> list[Check]:
    """The site against Rogue Scholar's required and recommended items
    (https://docs.rogue-scholar.org/), each with what is missing and where to fix it.

    ``url_for`` builds the fix links (the view passes Flask's), so this stays free of the request.
    """
    visible = db.select(Post).where(posts.visible_filter(now), Post.kind == PostKind.POST.value)
    edit = lambda post: url_for("editor.edit", post_id=post.id)  # noqa: E731
    settings_url = url_for("site.settings")
    person_url = lambda user: url_for("people.admin_person", user_id=user.id)  # noqa: E731
    checks = []

    feed = Check("Public feed with the full text", True,
                 "Rogue Scholar reads the posts' full text from an Atom, RSS or JSON Feed.")
    if db.session.execute(visible.limit(1)).first() is None:
        feed.findings.append(Finding("No post is published yet, so the feeds are empty.", url_for("editor.new")))
    feed.findings += _post_findings(visible.where(Post.body_markdown == ""),
                                    lambda p: f"“{p.title}” has no text.", edit)
    checks.append(feed)

    metadata = Check("Title, authors and date on every post", True,
                     "Every post needs a title, at least one author and a publication date.")
    credited = db.exists().where(PostAuthor.post_id == Post.id)
    metadata.findings += _post_findings(visible.where(~credited),
                                        lambda p: f"“{p.title}” credits no author.", edit)
    checks.append(metadata)

    landing = Check("Public landing page for every post", True,
                    "Each post has its own page at a public https address carrying its metadata.")
    if not site_url.startswith("https://") or any(
            host in site_url for host in ("://localhost", "://127.", "://[::1]")):
        landing.findings.append(Finding(
            f"The site's address is {site_url or 'not set'}: readers and aggregators need a public "
            "https address (set SITE_URL when deploying)."))
    checks.append(landing)

    licence = Check("Creative Commons Attribution licence", True,
                    "Posts are archived and shared under CC BY 4.0 (or placed in the public domain, CC0).")
    if not site_licence(settings).open_attribution:
        licence.findings.append(Finding(f"The site's default licence is {site_licence(settings).spdx}.",
                                        settings_url))
    open_ids = [spdx for spdx, known in LICENCES.items() if known.open_attribution]
    licence.findings += _post_findings(
        visible.where(Post.licence != "", Post.licence.not_in(open_ids)),
        lambda p: f"“{p.title}” is licensed {p.licence}.", edit)
    checks.append(licence)

    doi = Check("Persistent identifier (DOI)", False,
                "A DOI makes a post citable for good; Rogue Scholar can register one for each post.")
    doi.findings += _post_findings(visible.where(Post.doi == ""),
                                   lambda p: f"“{p.title}” has no DOI.", edit)
    checks.append(doi)

    description = Check("Descriptions", False, "The site and its posts describe themselves in a sentence.")
    if not (settings.description or settings.tagline):
        description.findings.append(Finding("The site has neither a tagline nor a description.", settings_url))
    checks.append(description)

    language = Check("Language", False, "The site (and any post in another language) names its language.")
    if not settings.language:
        language.findings.append(Finding("The site's language is not set.", settings_url))
    checks.append(language)

    for column, title, explanation, missing in (
            (User.orcid, "Authors' ORCID iDs", "Authors are identified by their ORCID iD.", "no ORCID iD"),
            (User.ror, "Authors' affiliations (ROR)",
             "An affiliation with its ROR identifier says which institution a post comes from.",
             "no ROR affiliation")):
        check = Check(title, False, explanation)
        authors = db.session.execute(
            db.select(User).where(column == "", db.exists().where(
                PostAuthor.user_id == User.id, PostAuthor.post_id == Post.id, posts.visible_filter(now)))
            .order_by(User.display_name)).scalars()
        check.findings += [Finding(f"{user.display_name} has {missing}.", person_url(user)) for user in authors]
        checks.append(check)

    references_check = Check("References", False,
                             "A “References” heading followed by a list, with DOIs, is read as the post's "
                             "reference list.")
    if db.session.execute(visible.where(Post.body_html.contains(">References</h")).limit(1)).first() is None \
            and db.session.execute(visible.limit(1)).first() is not None:
        references_check.findings.append(Finding("No published post has a reference list yet."))
    checks.append(references_check)

    # What the engine always provides: listed so the page shows the whole of Rogue Scholar's list.
    for title, explanation in (
            ("Updated dates", "Every feed entry and JSON-LD block carries the post's last change."),
            ("Schema.org JSON-LD", "Every post page carries BlogPosting/ScholarlyArticle metadata."),
            ("BibTeX and other citation downloads", "Every post page has a “Cite this post” box."),
            ("Paged feeds", "Atom and JSON Feed link to older pages (RFC 5005) down to the first post."),
            ("Stable identifiers", "Feed ids are UUIDs that survive changes of title and address.")):
        checks.append(Check(title, False, explanation))
    return checks
