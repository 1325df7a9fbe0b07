"""New publications go in the newsletter digest of their period (and are news enough for one)."""
from __future__ import annotations

from datetime import timedelta

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.extensions import db
from blog.newsletter import services as newsletter
from blog.people import services
from tests.factories import make_user
from tests.people.test_services import GOOD_BIB


def test_a_digest_lists_the_publications_added_in_its_period(app):
    with app.test_request_context():
        start = utcnow()
        services.import_bibtex(GOOD_BIB, by=make_user(Role.EDITOR))
        db.session.commit()
        digest = newsletter.compose_digest(since=start - timedelta(seconds=1), now=utcnow() + timedelta(seconds=1))
        assert not digest.empty and [p.key for p in digest.publications] == ["hopper1952", "lovelace1843"]
        assert "New publications</h2>" in digest.html and "Sketch of the Analytical Engine" in digest.html
        assert "NEW PUBLICATIONS" in digest.text and "https://doi.org/10.5555/analytical" in digest.text
        assert "<i>" not in digest.text and "&amp;" not in digest.text
        later = newsletter.compose_digest(since=utcnow() + timedelta(seconds=1), now=utcnow() + timedelta(seconds=2))
        assert later.empty and "New publications" not in later.html
