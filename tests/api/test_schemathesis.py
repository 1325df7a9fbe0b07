"""Schemathesis against the live app (through WSGI): every operation of /api/v1/openapi.json, with
data that fits the schema and data that does not (negative cases), then stateful sequences
(create, read, update, publish...) linked through the responses. Every response must conform to
the document: status code, content type, headers and body schema; no 5xx; invalid input refused.

Deterministic (derandomised, no example database) and bounded, so it costs seconds, not minutes.
"""
from __future__ import annotations

from datetime import date, timedelta

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode

from blog.accounts.models import Role
from blog.events import services as events
from blog.extensions import db
from tests.api.helpers import make_token
from blog.posts.models import Post
from tests.factories import make_post, make_user

MAX_EXAMPLES = 25
SETTINGS = hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                               suppress_health_check=list(hypothesis.HealthCheck),
                               stateful_step_count=6)


@pytest.fixture
def api_app(app):
    """The app with some public content and an admin's token with every scope."""
    with app.app_context():
        admin = make_user(Role.ADMIN, name="Ada Admin")
        author = make_user(Role.AUTHOR, name="Lewis Author")
        for n in range(3):
            make_post(author if n % 2 else admin, title=f"Report {n}", tags=["Workshops", f"Topic {n}"])
        event = events.create_event(events.EventInput(title="Symposium", precision="day",
                                                      start_date=date.today() + timedelta(days=20)), by=admin)
        events.publish_event(event, by=admin)
        db.session.commit()
        app.config["TEST_API_TOKEN"] = make_token(admin)
    return app


@pytest.fixture
def api_schema(api_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                    max_examples=MAX_EXAMPLES, deterministic=True, database="none",
                                    # the real token is sent instead (``Token``)
                                    with_security_parameters=False)
    token = api_app.config["TEST_API_TOKEN"]

    @schema.auth(refresh_interval=None).apply_to(path_regex="^/api/v1/admin/")
    class Token:
        """The admin's token on every Admin API request (schemathesis' checks know it is a real one)."""

        def get(self, case, context):
            return token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


# schemathesis' WSGI transport reads a body as sent, without undoing a Content-Encoding, and stored
# pages are served compressed to clients that accept it.
PLAIN = {"Accept-Encoding": "identity"}


# schemathesis' own ``@schema.parametrize()`` with a fixture (``pytest.from_fixture``) does not run
# under pytest 9 (it reads ``request.node._nodeid``), so each operation's strategy is run here.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_every_operation_conforms(api_schema, api_app, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 14
    failures, nothing_to_negate = [], []
    acceptance = api_schema.config.checks.positive_data_acceptance
    content_statuses = list(acceptance.expected_statuses)
    for operation in operations:
        # The Admin API's services apply rules no schema can state (an end before the start, an
        # unknown time zone, a file that is not a photo, an address email_validator refuses): for
        # it a 422 problem is a fitting answer to schema-valid data. The Content API gets no such leeway.
        admin = operation.path.startswith("/api/v1/admin")
        acceptance.expected_statuses = content_statuses + (["422"] if admin else [])

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @SETTINGS
        def check(case):
            case.call_and_validate(headers=PLAIN)

        try:
            check()
        except hypothesis.errors.Unsatisfiable:
            if mode != GenerationMode.NEGATIVE:
                raise
            nothing_to_negate.append(operation.label)  # no input, or any string is valid
        except BaseException as failure:  # every operation is tried; all failures are reported together
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
    assert set(nothing_to_negate) <= {"GET /api/v1/posts/{slug}", "GET /api/v1/admin/me"}


def test_stateful_sequences_conform(api_schema, api_app):
    """Sequences linked through the responses (a post created, then read, changed, published...)."""

    acceptance = api_schema.config.checks.positive_data_acceptance
    content_statuses = list(acceptance.expected_statuses)

    class StateMachine(api_schema.as_state_machine()):
        def validate_response(self, response, case, **kwargs):
            # as in test_every_operation_conforms: a 422 is a fitting answer of the Admin API
            admin = case.path.startswith("/api/v1/admin")
            acceptance.expected_statuses = content_statuses + (["422"] if admin else [])
            return super().validate_response(response, case, **kwargs)

        def get_call_kwargs(self, case):
            kwargs = super().get_call_kwargs(case)
            kwargs["headers"] = {**(kwargs.get("headers") or {}), **PLAIN}
            return kwargs

    StateMachine.run(settings=SETTINGS)
    with api_app.app_context():  # the sequences did reach the Admin API's writes
        assert db.session.execute(db.select(Post).where(Post.title.not_like("Report %"))).first() is not None
