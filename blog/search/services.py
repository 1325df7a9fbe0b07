"""Full-text search: one entry point, ``search``, the same results on SQLite and PostgreSQL.

Results come in three tiers: documents whose *title* has every word, then those whose *excerpt*
has them, then those that have them anywhere (title, excerpt and body together); within a tier the
newest first (``published_at`` descending, then the later-written document). Each tier has an index
of its own, walked in sort-key order with a LIMIT (see ``blog.search.models``), and a document
is kept out of a tier when an earlier tier's index has it: finding a page of results reads about a
page of index entries per tier, however many documents match. There is no total count, only a
cursor to the next page.
"""
from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from urllib.parse import quote

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select, text

from blog.core.time import utcnow
from blog.errors import ValidationFailed
from blog.extensions import db
from blog.search.indexing import ALL_KINDS, PUBLIC_KINDS
from blog.search.models import SearchDocument, regconfig_case, sort_key

TIERS = ("title", "excerpt", "body")
KIND_LABELS = {"post": "Post", "page": "Page", "event": "Event", "person": "Person",
               "publication": "Publication", "photo": "Photo", "tag": "Tag"}
MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_TERM_CHARS = 60
MAX_LIMIT = 200
SNIPPET_CHARS = 220
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Result:
    kind: str
    object_id: int
    slug: str
    title: str
    title_html: Markup  # escaped, query words in <mark>
    snippet: Markup  # escaped, query words in <mark>
    tier: str  # which tier found it: title, excerpt or body
    published_at: datetime

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def url(self) -> str:
        """The site-relative address (made when asked: needs a request, or ``SERVER_NAME``)."""
        return document_url(self.kind, self.slug)


@dataclass(frozen=True)
class ResultPage:
    query: str
    results: list[Result]
    next_cursor: str | None  # give it back as ``cursor`` for the next page; None on the last page


def terms(query: str) -> list[str]:
    """The words searched for: letters and digits, lower-cased, at most ``MAX_TERMS``."""
    words = [w for w in _WORD.findall((query or "")[:MAX_QUERY_CHARS].casefold()) if len(w) <= MAX_TERM_CHARS]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _parse_cursor(cursor: str | None) -> tuple[int, int | None]:
    if not cursor:
        return 0, None
    try:
        tier, after = cursor.split(".", 1)
        tier_number, after_id = int(tier), int(after)
    except ValueError:
        raise ValidationFailed("That page of results does not exist.") from None
    if not 0 <= tier_number < len(TIERS):
        raise ValidationFailed("That page of results does not exist.")
    return tier_number, after_id


def search(query: str, *, kinds: tuple[str, ...] | list[str] | None = None, limit: int = 20,
           cursor: str | None = None, now: datetime | None = None, prefix: bool = False) -> ResultPage:
    """The page of results for ``query`` (every word must be found) among ``kinds`` (default: the
    public ones; "photo" only when asked), starting after ``cursor``.

    ``prefix`` makes the last word match as a prefix (search as you type, in the editor). Only
    published things are found: posts and pages published (a scheduled one once its time has
    come), published events, active people, publications; photos only through ``kinds``.

    :raise ValidationFailed: for a malformed cursor.
    """
    words = terms(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    kinds = tuple(k for k in (kinds or PUBLIC_KINDS) if k in ALL_KINDS)
    start_tier, after_id = _parse_cursor(cursor)
    if not words or not kinds:
        return ResultPage(query, [], None)
    lowest = sort_key(now or utcnow())  # ids below it are not published yet
    backend = _backend()
    matcher = backend.matcher(words, prefix)
    if matcher is None:
        return ResultPage(query, [], None)
    found: list[tuple[int, int]] = []
    try:
        for tier in range(start_tier, len(TIERS)):
            wanted = limit + 1 - len(found)
            if wanted <= 0:
                break
            after = after_id if tier == start_tier and after_id is not None else lowest - 1
            found += [(tier, doc_id)
                      for doc_id in backend.tier_ids(tier, matcher, kinds, max(after, lowest - 1), wanted)]
    except BaseException:
        with contextlib.suppress(Exception):  # after a database error the rollback undoes the settings
            backend.done()
        raise
    backend.done()
    more = len(found) > limit
    found = found[:limit]
    documents = {d.id: d for d in db.session.execute(
        select(SearchDocument).where(SearchDocument.id.in_([doc_id for _, doc_id in found]))).scalars()}
    pattern = _pattern(words, prefix)
    results = [_result(documents[doc_id], TIERS[tier], words, prefix, pattern)
               for tier, doc_id in found if doc_id in documents]
    next_cursor = f"{found[-1][0]}.{found[-1][1]}" if more and found else None
    return ResultPage(query, results, next_cursor)


def tags_named(query: str, *, limit: int = 3) -> list[Result]:
    """Tags whose name has every word (tags are few and have no document: a name match, for the
    editor's link dialog)."""
    from blog.posts.models import Tag

    words = terms(query)
    if not words:
        return []
    condition = [Tag.name.ilike(f"%{word}%") for word in words]
    pattern = _pattern(words, True)
    return [Result(kind="tag", object_id=tag.id, slug=tag.slug, title=tag.name,
                   title_html=highlight(tag.name, words, True, pattern), snippet=Markup(""),
                   tier="title", published_at=utcnow())
            for tag in db.session.execute(select(Tag).where(*condition).order_by(Tag.name).limit(limit)).scalars()]


# --- the two engines -----------------------------------------------------------------------------

def _backend():
    return _Postgres() if db.session.get_bind().dialect.name == "postgresql" else _Sqlite()


class _Sqlite:
    """FTS5: ``table(:match)`` walked in rowid order (= newest first) from ``:after``, with a LIMIT."""

    TABLES = ("search_fts_title", "search_fts_excerpt", "search_fts_all")

    def done(self) -> None:
        pass

    def matcher(self, words: list[str], prefix: bool) -> str:
        quoted = [f'"{w}"' for w in words]
        if prefix:
            quoted[-1] += "*"
        return " AND ".join(quoted)

    def tier_ids(self, tier: int, matcher: str, kinds, after: int, wanted: int) -> list[int]:
        earlier = " ".join(f"AND NOT EXISTS (SELECT 1 FROM {table}(:m) AS e{n} WHERE e{n}.rowid = f.rowid)"
                           for n, table in enumerate(self.TABLES[:tier]))
        sql = text(f"SELECT f.rowid FROM {self.TABLES[tier]}(:m) AS f "
                   f"JOIN search_documents AS d ON d.id = f.rowid "
                   f"WHERE f.rowid > :after AND d.kind IN :kinds {earlier} ORDER BY f.rowid LIMIT :n"
                   ).bindparams(bindparam("kinds", expanding=True))
        return list(db.session.execute(sql, {"m": matcher, "after": after, "kinds": list(kinds),
                                             "n": wanted}).scalars())


class _Postgres:
    """Per-tier GIN-indexed tsvector columns; ``ORDER BY id LIMIT`` (the primary key: newest first)."""

    COLUMNS = ("tsv_title", "tsv_excerpt", "tsv_all")
    def matcher(self, words: list[str], prefix: bool) -> str | None:
        self.spread  # noqa: B018 - read while the planner still chooses freely (min/max by the index)
        return self._matcher(words, prefix)

    def _matcher(self, words: list[str], prefix: bool) -> str | None:
        """One tsquery: the words as read by the configuration of each language the index holds
        (a document is indexed with its language's), duplicates removed; None when there is
        nothing to find. The languages come from a skip scan of the language index: one probe
        per language, not per document."""
        expression = " & ".join(words) + (":*" if prefix else "")
        variants = db.session.execute(text(
            "WITH RECURSIVE languages(language) AS ("
            " (SELECT language FROM search_documents ORDER BY language LIMIT 1)"
            " UNION ALL SELECT (SELECT s.language FROM search_documents AS s WHERE s.language > l.language"
            "  ORDER BY s.language LIMIT 1) FROM languages AS l WHERE l.language IS NOT NULL)"
            f" SELECT DISTINCT CAST(to_tsquery({regconfig_case('language')}, :q) AS text)"
            " FROM languages WHERE language IS NOT NULL"), {"q": expression}).scalars()
        kept = sorted(v for v in variants if v)
        return " | ".join(f"( {v} )" for v in kept) or None

    def tier_ids(self, tier: int, matcher: str, kinds, after: int, wanted: int) -> list[int]:
        """Bitmap scans only (the planner's guess at how common a word is cannot be trusted: taking
        a rare word for a common one, it walks the whole table in id order):

        1. the matches among about the newest ``WINDOW`` documents (ids are spread about evenly:
           ``spread``), found by ANDing the GIN bitmap with the primary key's range: only they are
           read from the table. A common word is done here;
        2. otherwise, beyond that window, at most ``PROBE`` matches in no order: when there are
           fewer, that is every match, and the newest are taken from them (a rare word);
        3. otherwise windows four times as wide each, until ``wanted``.
        """
        earlier = " ".join(f"AND NOT ({column} @@ CAST(:m AS tsquery))" for column in self.COLUMNS[:tier])
        condition = f"{self.COLUMNS[tier]} @@ CAST(:m AS tsquery) AND kind IN :kinds {earlier}"
        parameters = {"m": matcher, "kinds": list(kinds)}
        self._plan("bitmap")
        newest, oldest, per_document = self.spread
        lower = max(after, newest - 1)
        span = max(1, int(self.WINDOW * per_document))
        probe = max(self.PROBE, 2 * wanted)
        # Steps 1 and 2 in one statement: the probe runs only when the window fell short (a
        # one-time filter on the window's count), and not at all when the window reached the end.
        rows = db.session.execute(text(
            f"WITH w AS MATERIALIZED (SELECT id FROM search_documents WHERE {condition} AND id > :lower "
            f"AND id <= :bound ORDER BY id LIMIT :n) "
            f"SELECT 0 AS step, id FROM w UNION ALL SELECT 1, id FROM (SELECT id FROM search_documents "
            f"WHERE :beyond AND (SELECT count(*) FROM w) < :n AND {condition} AND id > :bound LIMIT :probe) AS p"
        ).bindparams(bindparam("kinds", expanding=True)),
            {**parameters, "lower": lower, "bound": lower + span, "n": wanted, "probe": probe,
             "beyond": lower + span < oldest}).all()
        found = sorted(doc_id for step, doc_id in rows if step == 0)
        rest = [doc_id for step, doc_id in rows if step == 1]
        lower, span = lower + span, span * 4
        if len(found) >= wanted or lower >= oldest:
            return found
        if len(rest) < probe:
            return found + sorted(rest)[:wanted - len(found)]
        while len(found) < wanted and lower < oldest:
            found += self._window(condition, parameters, lower, lower + span, wanted - len(found))
            lower, span = lower + span, span * 4
        return found

    def _window(self, condition: str, parameters: dict, lower: int, bound: int, wanted: int) -> list[int]:
        return self._ids(f"SELECT id FROM search_documents WHERE {condition} AND id > :lower AND id <= :bound "
                         f"ORDER BY id LIMIT :n", {**parameters, "lower": lower, "bound": bound}, wanted)

    @property
    def spread(self) -> tuple[int, int, float]:
        """``(newest id, oldest id, ids per document)``: how wide a window of ``WINDOW`` documents
        is, on average (read once per search, before the plan is fixed: two primary-key ends and
        the planner's row count; a bursty history only makes some windows fuller than others)."""
        if self._spread is None:
            newest, oldest, rows, *settings = db.session.execute(text(
                "SELECT min(id), max(id), (SELECT reltuples FROM pg_class WHERE oid = 'search_documents'::regclass), "
                + ", ".join(f"current_setting('{name}')" for name in self.SETTINGS) + " FROM search_documents")).one()
            self.saved = tuple(settings)  # what ``done`` puts back
            if newest is None:
                self._spread = (0, 0, 1.0)
            else:
                documents = rows if rows and rows > 0 else 1  # never analysed: one window, everything
                self._spread = (newest, oldest, max(1.0, (oldest - newest + 1) / documents))
        return self._spread

    _spread: tuple[int, int, float] | None = None

    PROBE = 64
    WINDOW = 2048

    def _ids(self, sql: str, parameters: dict, limit: int) -> list[int]:
        statement = text(sql).bindparams(bindparam("kinds", expanding=True))
        return list(db.session.execute(statement, {**parameters, "n": limit}).scalars())

    SETTINGS = ("enable_seqscan", "enable_indexscan", "enable_bitmapscan", "jit")
    MODES = {"bitmap": ("off", "off", "on", "off")}
    saved: tuple | None = None
    mode: str | None = None

    def _plan(self, mode: str) -> None:
        """Bitmap scans only, for the rest of the transaction (``set_config(..., true)`` is
        ``SET LOCAL``) until ``done``. JIT is off too: a plan priced with the planner's "disabled"
        penalty would be compiled, for 50 ms."""
        if mode == self.mode:
            return
        self.spread  # noqa: B018 - reads the settings to put back
        self._set(self.MODES[mode])
        self.mode = mode

    def _set(self, values) -> None:
        db.session.execute(text("SELECT " + ", ".join(
            f"set_config('{name}', :v{n}, true)" for n, name in enumerate(self.SETTINGS))),
            {f"v{n}": value for n, value in enumerate(values)})

    def done(self) -> None:
        """The planner's own choices again."""
        if self.mode is not None:
            self._set(self.saved)
            self.mode = None


# --- presenting a result -------------------------------------------------------------------------

def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


def _stem(word: str) -> str:
    """A crude common beginning of a word's forms ("publications" → "publicati"): good enough to
    show where a stemmed match is; which documents match is the engines' business."""
    return word[:max(4, len(word) - 3)] if len(word) > 5 else word


def _pattern(words: list[str], prefix: bool) -> re.Pattern:
    """Whole words beginning with a query word's stem (and at most five letters longer), or with
    the last word when it is a prefix; case-insensitive, accents as typed or left out."""
    alternatives = []
    for n, word in enumerate(words):
        stems = {_stem(word), _stem(_fold(word))}
        tail = "[^\\W_]*" if prefix and n == len(words) - 1 else "[^\\W_]{0,5}"
        alternatives += [re.escape(stem) + tail for stem in stems]
    return re.compile("(?<![^\\W_])(?:" + "|".join(alternatives) + ")(?![^\\W_])", re.IGNORECASE)


def highlight(text_: str, words: list[str], prefix: bool = False, pattern: re.Pattern | None = None) -> Markup:
    """``text_`` HTML-escaped, with the query words (and their forms) in ``<mark>``."""
    pattern = pattern or _pattern(words, prefix)
    parts, last = [], 0
    for match in pattern.finditer(text_):
        parts.append(escape(text_[last:match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group())
        last = match.end()
    parts.append(escape(text_[last:]))
    return Markup("").join(parts)


def _window(text_: str, pattern: re.Pattern) -> str:
    """About ``SNIPPET_CHARS`` of ``text_`` around the first query word, cut at spaces."""
    text_ = " ".join(text_.split())
    if len(text_) <= SNIPPET_CHARS:
        return text_
    found = pattern.search(text_)
    first = found.start() if found else 0
    start = max(0, first - SNIPPET_CHARS // 3)
    if start:
        space = text_.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = start + SNIPPET_CHARS
    if end < len(text_):
        space = text_.rfind(" ", start, end)
        end = space if space > first else end
    return ("… " if start else "") + text_[start:end] + (" …" if end < len(text_) else "")


def _result(doc: SearchDocument, tier: str, words: list[str], prefix: bool, pattern: re.Pattern) -> Result:
    source = doc.excerpt if tier in ("title", "excerpt") and doc.excerpt else doc.body
    if tier == "title" and not source:
        source = doc.excerpt
    return Result(kind=doc.kind, object_id=doc.object_id, slug=doc.slug, title=doc.title,
                  title_html=highlight(doc.title, words, prefix, pattern),
                  snippet=highlight(_window(source or "", pattern), words, prefix, pattern),
                  tier=tier, published_at=doc.published_at)


def document_url(kind: str, slug: str) -> str:
    """The site-relative address of a found thing."""
    from blog.events.services import event_url
    from blog.posts.services import post_url

    if kind in ("post", "page"):
        return post_url(SimpleNamespace(kind=kind, slug=slug))
    if kind == "event":
        return event_url(SimpleNamespace(slug=slug), external=False)
    if kind == "person":
        return url_for("people.person", slug=slug)
    if kind == "publication":
        return url_for("people.publications") + "#" + quote(slug, safe="-._~:@!$&()*+,;=/?")
    if kind == "tag":
        return url_for("posts.tag", slug=slug)
    return url_for("media.library", q=slug) + "#photo-" + quote(slug, safe="-._~")
