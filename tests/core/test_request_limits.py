"""Request limits (issue 14 item 10): bodies have a ceiling, and ids no row can have are a 404."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from blog.accounts.models import Role
from blog.config import ConfigError, from_environment
from blog.core.routing import LARGEST_ID
from tests.factories import login, make_user

TOO_BIG = 2**64


def _integer_routes(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(c, IntegerConverter) for c in rule._converters.values())]


def _path(rule, number: int) -> str:
    values = {name: number if isinstance(converter, IntegerConverter) else "x"
              for name, converter in rule._converters.items()}
    if "kind" in values:
        values["kind"] = "rss"
    return rule.build(values)[1]


def test_every_integer_route_refuses_ids_no_column_can_hold(app):
    rules = _integer_routes(app)
    assert len(rules) >= 6
    adapter = app.url_map.bind("blog.test")
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for number in (LARGEST_ID + 1, TOO_BIG):
                with pytest.raises(NotFound):
                    adapter.match(_path(rule, number), method=method)
            endpoint, _ = adapter.match(_path(rule, LARGEST_ID), method=method)
            assert endpoint  # the largest id still reaches its view


def test_signed_in_requests_with_huge_ids_get_404_on_every_route(app, client):
    """Through HTTP as an admin, every method of every route: 404, never a 500 from the database
    (the largest id the converter lets through must not break a query on PostgreSQL either)."""
    from tests.api.helpers import bearer, make_token

    with app.app_context():
        admin = make_user(Role.ADMIN)
        login(client, admin)
        token = bearer(make_token(admin))  # the Admin API takes a token, not the session
    for rule in _integer_routes(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for number in (LARGEST_ID, LARGEST_ID + 1, TOO_BIG, 10**30):
                response = client.open(_path(rule, number), method=method,
                                       headers=token if rule.rule.startswith("/api/") else {})
                assert response.status_code == 404, (rule.rule, method, response.status_code)


def test_a_body_over_the_limit_gets_a_clear_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024 * 1024)
    response = app.test_client().post("/newsletter/subscribe", data={"email": "x@example.org",
                                                                     "name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert b"at most 1 MB in one request" in response.data and b"<h1" in response.data


def test_the_default_limit_refuses_a_huge_public_post_and_leaves_room_for_a_photo(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit > app.config["MAX_UPLOAD_BYTES"]
    response = client.post("/newsletter/subscribe", data=b"email=x%40example.org&name=" + b"x" * limit,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_the_limit_is_a_setting_that_must_exceed_the_photo_limit(tmp_path):
    settings = from_environment({"INSTANCE_PATH": str(tmp_path)})
    assert settings["MAX_UPLOAD_BYTES"] < settings["MAX_CONTENT_LENGTH"] <= 64 * 1024 * 1024
    assert from_environment({"INSTANCE_PATH": str(tmp_path), "MAX_CONTENT_LENGTH": "99999999"})[
        "MAX_CONTENT_LENGTH"] == 99999999
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        from_environment({"INSTANCE_PATH": str(tmp_path), "MAX_CONTENT_LENGTH": "1000", "MAX_UPLOAD_BYTES": "2000"})
