"""Fixtures shared by the whole suite.

The database is SQLite in a temporary folder, or, when ``TEST_DATABASE_URL``
names a PostgreSQL server, a fresh database created on it for this test
session (so parallel runs never share one). Every test gets a new app from
``create_app`` and an empty database.

In CI (``CI=true``) a missing browser, Java or database is a failure, never a skip.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from blog import create_app
from blog.extensions import db, limiter

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BASE_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def require_tool(available: bool, what: str) -> None:
    """Skip locally when a tool is missing; fail in CI, where it must be installed."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available here")


def _postgres_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not BASE_DATABASE_URL.startswith("postgres"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    base = make_url(_postgres_url(BASE_DATABASE_URL))
    name = f"blogtest_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def config_for_tests(database_url: str, folder: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "SITE_URL": "http://blog.test",
        "INSTANCE_PATH": str(folder / "instance"),
        "MEDIA_ROOT": str(folder / "media"),
        "MAIL_FOLDER": str(folder / "mail"),
        "MAIL_URL": "",
        "MAIL_SKIP_RESERVED": False,  # the tests' own SMTP server takes example.org addresses
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the tables once per session; tests empty them instead of recreating them."""
    app = create_app(config_for_tests(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return True


def empty_database() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_url, _schema, tmp_path):
    """Build apps on the test database; ``make_app(KEY=value)`` overrides settings."""
    apps = []

    def factory(**overrides):
        app = create_app(config_for_tests(database_url, tmp_path, **overrides))
        apps.append(app)
        return app

    yield factory
    for app in apps[:1]:
        with app.app_context():
            db.session.remove()
            empty_database()
    for app in apps:
        with app.app_context():
            if app.config["RATELIMIT_ENABLED"]:
                limiter.reset()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def appctx(app):
    """An application context, for calling services directly (no request)."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- a real server and a real browser --------------------------------------------------------

class LiveServer:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(make_app):
    """The app served over HTTP on a free loopback port, with CSRF and everything on."""
    app = make_app(WTF_CSRF_ENABLED=True)
    server = LiveServer(app)
    app.config["SITE_URL"] = server.url
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def browser():
    require_tool(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# --- standards checkers ----------------------------------------------------------------------

VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def vnu_command():
    java = shutil.which("java")
    require_tool(bool(java) and VNU_JAR.exists(), "Java and the Nu HTML Checker (npm vnu-jar)")
    return [java, "-jar", str(VNU_JAR)]


@pytest.fixture(scope="session")
def html_errors(vnu_command, tmp_path_factory):
    """``html_errors({name: html})``: the Nu HTML Checker's errors, as ``"name:line: message"``."""
    def check(pages: dict[str, str | bytes]) -> list[str]:
        folder = tmp_path_factory.mktemp("vnu")
        names = {}
        for number, (name, html) in enumerate(pages.items()):
            path = folder / f"page-{number}.html"
            path.write_bytes(html if isinstance(html, bytes) else html.encode("utf-8"))
            names[path.name] = name
        result = subprocess.run([*vnu_command, "--errors-only", "--format", "json",
                                 *(str(folder / file) for file in names)],
                                capture_output=True, text=True, timeout=600)
        messages = json.loads(result.stderr or '{"messages": []}')["messages"]
        return [f"{names.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}:{m.get('lastLine')}: "
                f"{m.get('message')}" for m in messages]

    return check


AXE_RUN = """async () => {
    const result = await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
    return result.violations.map(v => v.id + ': ' + v.help + ' @ '
        + v.nodes.map(n => n.target.join(' ')).join(', '));
}"""


@pytest.fixture(scope="session")
def axe_violations():
    """``axe_violations(page)``: WCAG 2.1 A/AA violations axe-core finds on the page as it is now."""
    require_tool(AXE_JS.exists(), "axe-core (npm)")
    source = AXE_JS.read_text()

    def check(page) -> list[str]:
        page.evaluate(source)  # evaluated through the browser's protocol: the page's CSP does not apply
        return page.evaluate(AXE_RUN)

    return check
