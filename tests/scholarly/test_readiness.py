"""The scholarly readiness checker: a ready site passes; each required item, missing, fails alone."""
import pytest
from flask import url_for

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.extensions import db
from blog.posts import services as posts
from blog.posts.models import PostAuthor
from blog.scholarly import services as scholarly
from blog.site.services import get_settings
from tests.factories import login, make_post, make_user

PUBLIC = "https://blog.example.org"


def _ready_site():
    """A site with every required and recommended item in place."""
    author = make_user(Role.AUTHOR, name="Dr Amara Okafor", affiliation="University of Northbridge")
    author.orcid, author.ror = "0000-0002-1825-0097", "03yrm5c26"
    post = make_post(author, title="Findings", body="Text.\n\n## References\n\n1. A paper. doi:10.1234/abcd\n")
    posts.save_post(post, posts.PostInput(title=post.title, body_markdown=post.body_markdown,
                                          doi="10.59350/abc-123"), by=author, base_version=post.version)
    settings = get_settings()
    settings.description = "Notes from the lab."
    db.session.commit()
    return author, post


def _checks(site_url=PUBLIC):
    return {check.title: check for check in scholarly.readiness(settings=get_settings(), site_url=site_url,
                                                                  now=utcnow(), url_for=url_for)}


@pytest.fixture
def request_context(appctx):
    with appctx.test_request_context():
        yield


def _failing_required(checks):
    return [title for title, check in checks.items() if check.required and not check.passed]


def test_a_ready_site_passes_everything(request_context):
    _ready_site()
    checks = _checks()
    assert [c.title for c in checks.values() if not c.passed] == []
    assert len([c for c in checks.values() if c.required]) == 4


def test_no_published_post_fails_the_feed_item(request_context):
    make_post(make_user(), published=False)
    checks = _checks()
    assert "Public feed with the full text" in _failing_required(checks)


def test_a_post_without_text_fails_the_feed_item_alone(request_context):
    author, _ = _ready_site()
    empty = make_post(author, title="Nothing yet", body="")
    failing = _failing_required(_checks())
    assert failing == ["Public feed with the full text"]
    finding = _checks()["Public feed with the full text"].findings[0]
    assert "Nothing yet" in finding.text and finding.fix_url == f"/editor/posts/{empty.id}"


def test_a_post_without_authors_fails_the_metadata_item_alone(request_context):
    _, post = _ready_site()
    db.session.execute(db.delete(PostAuthor).where(PostAuthor.post_id == post.id))
    db.session.commit()
    assert _failing_required(_checks()) == ["Title, authors and date on every post"]


def test_a_private_address_fails_the_landing_page_item_alone(request_context):
    _ready_site()
    assert _failing_required(_checks("http://localhost:5000")) == ["Public landing page for every post"]


def test_a_non_attribution_licence_fails_the_licence_item_alone(request_context):
    author, post = _ready_site()
    post.licence = "CC-BY-NC-4.0"
    db.session.commit()
    check = _checks()["Creative Commons Attribution licence"]
    assert _failing_required(_checks()) == ["Creative Commons Attribution licence"]
    assert [f.text for f in check.findings] == ["“Findings” is licensed CC-BY-NC-4.0."]
    post.licence = ""
    get_settings().licence = "CC-BY-SA-4.0"
    db.session.commit()
    check = _checks()["Creative Commons Attribution licence"]
    assert [(f.text, f.fix_url) for f in check.findings] == [
        ("The site's default licence is CC-BY-SA-4.0.", "/admin/settings")]


def test_recommended_items_name_what_is_missing(request_context):
    author, _ = _ready_site()
    newcomer = make_user(Role.AUTHOR, name="Prof Lewis Hartley")
    make_post(newcomer, title="No DOI here")
    checks = _checks()
    assert _failing_required(checks) == []
    assert [f.text for f in checks["Authors' ORCID iDs"].findings] == ["Prof Lewis Hartley has no ORCID iD."]
    assert [f.text for f in checks["Persistent identifier (DOI)"].findings] == ["“No DOI here” has no DOI."]
    assert [f.text for f in checks["Authors' affiliations (ROR)"].findings] == [
        "Prof Lewis Hartley has no ROR affiliation."]


@pytest.mark.parametrize("role", list(Role))
def test_only_admins_see_the_readiness_page(client, appctx, role):
    login(client, make_user(role))
    response = client.get("/admin/settings/scholarly-readiness")
    assert response.status_code == (200 if role == Role.ADMIN else 403)


def test_the_readiness_page_lists_findings_with_fix_links(client, appctx):
    admin = make_user(Role.ADMIN)
    post = make_post(make_user(Role.AUTHOR, name="Prof Lewis Hartley"), title="Unlicensed")
    post.licence = "CC-BY-ND-4.0"
    db.session.commit()
    login(client, admin)
    text = client.get("/admin/settings/scholarly-readiness").get_data(as_text=True)
    assert "Some required items are missing" in text
    assert "“Unlicensed” is licensed CC-BY-ND-4.0." in text
    assert f'href="/editor/posts/{post.id}"' in text
    assert "Prof Lewis Hartley has no ORCID iD." in text


def test_signed_out_visitors_are_sent_to_sign_in(client, appctx):
    response = client.get("/admin/settings/scholarly-readiness")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
