"""The search index: one row per searchable thing, written in the same transaction as the thing.

``search_documents`` is portable; the full-text indexes over it are not, and are made by
``index_ddl`` (from the migration, and by ``create_all`` through the ``after_create`` listener):

- SQLite: three FTS5 external-content tables (``search_fts_title``, ``search_fts_excerpt``,
  ``search_fts_all``) kept in step with the table by triggers.
- PostgreSQL: three generated ``tsvector`` columns (``tsv_title``, ``tsv_excerpt`` and the
  weighted ``tsv_all``: title A, excerpt B, body C), each with a GIN index, built with the text
  search configuration of the document's language ('simple' for a language without one).

A tier (title, excerpt, anywhere) has an index of its own so that finding the newest few hits of a
tier never reads the hits of another tier. The primary key is the *sort key*: smaller is newer
(``sort_key``), so "newest first" is ascending id order, the order both engines walk cheaply.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, BigInteger, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from blog.core.time import UTCDateTime
from blog.extensions import db

# Language code (the part before any "-") to PostgreSQL's text search configuration (all present
# since PostgreSQL 12); anything else is indexed with 'simple' (no stemming, no stop words).
REGCONFIGS = {
    "ar": "arabic", "da": "danish", "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "nb": "norwegian", "nn": "norwegian", "no": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "es": "spanish", "sv": "swedish",
    "ta": "tamil", "tr": "turkish",
}
SORT_KEY_BASE = 10**16  # microseconds since 1970 stay below it until the year 2286


def sort_key(moment: datetime) -> int:
    """Ascending = newest first: a document's id is this (or the next free value above it)."""
    return SORT_KEY_BASE - int(moment.timestamp() * 1_000_000)


class SearchDocument(db.Model):
    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "object_id", name="uq_search_documents_kind_object"),)

    # Not an autoincrement: the sort key (see ``sort_key``); on SQLite the rowid FTS5 refers to.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))  # post, page, event, person, publication, photo
    object_id: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(200), default="")  # what the thing's address is made from
    # A base code ("en"); "" when unknown. Indexed: the distinct languages are read by a skip scan.
    language: Mapped[str] = mapped_column(String(16), default="", index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")  # plain text
    # When readers could first see it (a scheduled post's is in the future: not found until then).
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)

    affects_public_pages = False


# --- the engines' own index objects ----------------------------------------------------------

FTS_TABLES = ("search_fts_title", "search_fts_excerpt", "search_fts_all")
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
_FTS_COLUMNS = {"search_fts_title": ("title",), "search_fts_excerpt": ("excerpt",),
                "search_fts_all": ("title", "excerpt", "body")}
PG_COLUMNS = ("tsv_title", "tsv_excerpt", "tsv_all")


def _sqlite_ddl() -> list[str]:
    statements = [
        f"CREATE VIRTUAL TABLE {name} USING fts5({', '.join(columns)}, content='search_documents', "
        f"content_rowid='id', tokenize='{FTS_TOKENIZER}')"
        for name, columns in _FTS_COLUMNS.items()
    ]

    inserts = [f"INSERT INTO {name}(rowid, {', '.join(columns)}) VALUES "
               f"(new.id, {', '.join('new.' + c for c in columns)});" for name, columns in _FTS_COLUMNS.items()]
    deletes = [f"INSERT INTO {name}({name}, rowid, {', '.join(columns)}) VALUES "
               f"('delete', old.id, {', '.join('old.' + c for c in columns)});" for name, columns in _FTS_COLUMNS.items()]
    statements += [
        "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN " + " ".join(inserts) + " END",
        "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN " + " ".join(deletes) + " END",
        "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
        + " ".join(deletes + inserts) + " END",
    ]
    return statements


def regconfig_case(column: str = "language") -> str:
    """An immutable SQL expression: the document's text search configuration (constants only, so it
    may define a generated column)."""
    by_config: dict[str, list[str]] = {}
    for code, config in REGCONFIGS.items():
        by_config.setdefault(config, []).append(code)
    whens = " ".join(f"WHEN {column} IN ({', '.join(repr(c) for c in codes)}) THEN '{config}'::regconfig"
                     for config, codes in sorted(by_config.items()))
    return f"CASE {whens} ELSE 'simple'::regconfig END"


def _postgresql_ddl() -> list[str]:
    config = regconfig_case()
    vector = "to_tsvector({config}, coalesce({column}, ''))"
    columns = {
        "tsv_title": vector.format(config=config, column="title"),
        "tsv_excerpt": vector.format(config=config, column="excerpt"),
        "tsv_all": " || ".join(f"setweight({vector.format(config=config, column=c)}, '{w}')"
                               for c, w in (("title", "A"), ("excerpt", "B"), ("body", "C"))),
    }
    statements = [f"ALTER TABLE search_documents ADD COLUMN {name} tsvector GENERATED ALWAYS AS ({expr}) STORED"
                  for name, expr in columns.items()]
    statements += [f"CREATE INDEX ix_search_documents_{name} ON search_documents USING gin ({name})"
                   for name in columns]
    return statements


def index_ddl(dialect_name: str) -> list[str]:
    """The statements that make the full-text indexes over ``search_documents`` (which exists)."""
    if dialect_name == "sqlite":
        return _sqlite_ddl()
    if dialect_name == "postgresql":
        return _postgresql_ddl()
    return []


def drop_index_ddl(dialect_name: str) -> list[str]:
    if dialect_name == "sqlite":
        return [f"DROP TRIGGER IF EXISTS search_documents_{t}" for t in ("ai", "ad", "au")] + \
               [f"DROP TABLE IF EXISTS {name}" for name in FTS_TABLES]
    return []  # PostgreSQL's columns and indexes go with the table


def is_index_object(name: str | None) -> bool:
    """Objects ``index_ddl`` makes, which the models do not describe (for schema comparisons)."""
    return bool(name) and (name.startswith("search_fts_") or name in PG_COLUMNS
                           or name in {f"ix_search_documents_{c}" for c in PG_COLUMNS})


@event.listens_for(SearchDocument.__table__, "after_create")
def _create_index_objects(target, connection, **kw) -> None:
    for statement in index_ddl(connection.dialect.name):
        connection.execute(DDL(statement))


@event.listens_for(SearchDocument.__table__, "before_drop")
def _drop_index_objects(target, connection, **kw) -> None:
    for statement in drop_index_ddl(connection.dialect.name):
        connection.execute(DDL(statement))
