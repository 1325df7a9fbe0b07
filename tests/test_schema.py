"""Migrations produce exactly the models' schema, on SQLite and on PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from blog import create_app
from blog.extensions import db
from blog.search.models import FTS_TABLES, PG_COLUMNS, is_index_object
from tests.conftest import config_for_tests


def _fresh_database(database_url: str, tmp_path) -> str:
    """An empty database beside the test one (a new file, or a new PostgreSQL database)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    url = make_url(database_url)
    name = url.database + "_migrated"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def test_upgrade_on_empty_database_matches_models(database_url, tmp_path):
    url = _fresh_database(database_url, tmp_path)
    app = create_app(config_for_tests(url, tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            # The search index's FTS5 tables and tsvector columns are made by the same statements
            # on both paths (``blog.search.models.index_ddl``) and compared separately below.
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_name": lambda name, *_: not is_index_object(name)})
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
            search_columns = {c["name"] for c in inspect(connection).get_columns("search_documents")}
            triggers = set(connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()) \
                if connection.dialect.name == "sqlite" else set()
        db.engine.dispose()
    assert differences == []
    if url.startswith("sqlite"):
        assert set(FTS_TABLES) <= tables
        assert {"search_documents_ai", "search_documents_ad", "search_documents_au"} <= triggers
    else:
        assert set(PG_COLUMNS) <= search_columns
    assert {"users", "posts", "post_revisions", "tags", "site_settings"} <= tables
