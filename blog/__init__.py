"""A blog and newsletter engine for research groups.

``create_app`` is the application factory; ``wsgi.py`` is the only module that
calls it at import time.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from blog import config as config_module
from blog.config import PROJECT_ROOT


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides settings read from the environment."""
    settings = config_module.from_environment()
    settings.update(config or {})
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_templates(app)
    register_request_hooks(app)
    register_commands(app)
    register_logging(app)
    register_fast_path(app)
    return app


def register_extensions(app: Flask) -> None:
    from blog.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to see that page."
    hops = app.config["PROXY_COUNT"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client address and scheme as the configured proxies saw them; the host is never
        # taken from X-Forwarded-Host (absolute URLs come from SITE_URL, see blog.core.urls).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def register_url_converters(app: Flask) -> None:
    """Before any route is added: ``<int:...>`` in every route is bounded to database ids."""
    from blog.core.routing import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    from blog.accounts.views import bp as accounts
    from blog.editor.views import bp as editor
    from blog.embeds.views import bp as embeds
    from blog.events.views import bp as events
    from blog.feeds.views import bp as feeds
    from blog.media.views import bp as media
    from blog.newsletter.views import bp as newsletter
    from blog.people.views import bp as people
    from blog.posts.views import bp as posts
    from blog.scholarly.views import bp as scholarly
    from blog.search.views import bp as search
    from blog.site.views import bp as site
    from blog.transfer.views import bp as transfer

    for blueprint in (site, posts, accounts, editor, media, embeds, events, feeds, newsletter, scholarly,
                      transfer, people, search):
        app.register_blueprint(blueprint)
    from blog.api.openapi import register_api

    register_api(app)  # /api/v1: flask-smorest registers its blueprints and the OpenAPI document


def register_templates(app: Flask) -> None:
    from blog.site.templating import register_template_helpers

    register_template_helpers(app)


def register_request_hooks(app: Flask) -> None:
    from blog.core.cache import register_cache_defaults
    from blog.core.security import register_security_headers
    from blog.core.text import register_input_cleaning
    from blog.errors import register_error_handlers

    register_input_cleaning(app)  # NUL and other invisible controls out of all web input
    register_cache_defaults(app)
    register_security_headers(app)
    register_error_handlers(app)


def register_logging(app: Flask) -> None:
    from blog.core.logs import redact_application_logs

    redact_application_logs(app)


def register_fast_path(app: Flask) -> None:
    """Outermost: cached pages for readers are answered before Flask (``blog.core.fastpath``)."""
    from blog.core.fastpath import StoredPagesFirst
    from blog.extensions import db
    from blog.site.services import CommittedStamp

    with app.app_context():
        engine = db.engine
    app.wsgi_app = StoredPagesFirst(app, app.wsgi_app, CommittedStamp(engine))


def register_commands(app: Flask) -> None:
    from blog.accounts.cli import users
    from blog.demo import demo_command, init_command
    from blog.newsletter.cli import newsletter
    from blog.people.cli import publications
    from blog.search.cli import search
    from blog.transfer.cli import export_command, import_group

    for command in (users, demo_command, init_command, newsletter, import_group, export_command, publications,
                    search):
        app.cli.add_command(command)
