"""The flask-smorest ``Api``: the OpenAPI 3.1 document at /api/v1/openapi.json, made from the code.

Its errors are the app's (``blog.errors``: RFC 9457 problem details under /api/), so flask-smorest's
own handler is not installed, and every error response is documented as ``application/problem+json``.
"""
from __future__ import annotations

import http

from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response

from blog.api.schemas import ProblemSchema
from blog.errors import PROBLEM_JSON


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """Nothing: ``blog.errors`` answers every error, as problem details under /api/."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as RFC 9457 problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def register_api(app) -> None:
    from blog.api import models  # noqa: F401  (the token table)
    from blog.api.admin import bp as admin
    from blog.api.content import bp as content

    api = Api(app, spec_kwargs={
        "info": {"description": "The group's posts, events, tags and people (Content API, public), and an "
                                "Admin API for scripts with personal tokens made on the profile page."},
    })
    from blog.core.routing import LARGEST_ID, IdConverter

    api.register_converter(IdConverter, lambda converter: {"type": "integer", "minimum": 0, "maximum": LARGEST_ID})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "A personal API token (`blogapi_...`), made on your profile page."})
    api.register_blueprint(content)
    api.register_blueprint(admin)
    app.extensions["api"] = api
