"""Roles: a contributor drafts a mailing, an editor reviews and sends it; past
NEWSLETTER_REVIEW_THRESHOLD a second person (not the author) must approve it first."""
from __future__ import annotations

from datetime import timedelta

import pytest

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.errors import NotAllowed
from blog.extensions import db
from blog.newsletter import review, services
from blog.newsletter.models import Delivery, Mailing, MailingDraft
from tests.factories import login, make_post, make_user
from tests.newsletter.conftest import add_subscribers


def _deliveries() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Delivery))


def _clients(app, *roles):
    clients, ids = [], []
    with app.app_context():
        for role in roles:
            user = make_user(role)
            client = app.test_client()
            login(client, user)
            clients.append(client)
            ids.append(user.id)
        post_id = make_post(make_user(), title="A write-up to announce").id
        add_subscribers(3)
    return clients, ids, post_id


def _flashes(client) -> str:
    return client.get("/newsletter/admin/drafts/").get_data(as_text=True)


def test_contributor_drafts_and_an_editor_sends(make_app):
    app = make_app()
    (contributor, editor), (contributor_id, _), post_id = _clients(app, Role.CONTRIBUTOR, Role.EDITOR)
    assert contributor.get("/newsletter/admin/").status_code == 403  # no sending page for them
    assert contributor.post(f"/newsletter/admin/posts/{post_id}/email").status_code == 403
    page = contributor.get("/newsletter/admin/drafts/")
    assert page.status_code == 200 and "A write-up to announce" in page.get_data(as_text=True)
    response = contributor.post("/newsletter/admin/drafts/", data={"kind": "post", "post_id": str(post_id)})
    assert response.status_code == 302
    with app.app_context():
        draft = db.session.execute(db.select(MailingDraft)).scalar_one()
        draft_id = draft.id
        assert (draft.kind, draft.post_id, draft.created_by_id) == ("post", post_id, contributor_id)
        assert _deliveries() == 0 and db.session.execute(db.select(Mailing)).first() is None
    draft_page = contributor.get(f"/newsletter/admin/drafts/{draft_id}").get_data(as_text=True)
    assert "Discard draft" in draft_page and "Send to" not in draft_page
    assert "A write-up to announce" in contributor.get(f"/newsletter/admin/drafts/{draft_id}/preview.html").get_data(
        as_text=True)

    # The contributor can neither approve nor send it.
    contributor.post(f"/newsletter/admin/drafts/{draft_id}/send")
    contributor.post(f"/newsletter/admin/drafts/{draft_id}/approve")
    assert "Your role does not allow you to send newsletters" in _flashes(contributor)
    with app.app_context():
        assert _deliveries() == 0 and db.session.get(MailingDraft, draft_id).approved_by_id is None

    # An editor reviews and sends it (no threshold set: no approval needed).
    assert "Send to 3 subscribers" in editor.get(f"/newsletter/admin/drafts/{draft_id}").get_data(as_text=True)
    sent = editor.post(f"/newsletter/admin/drafts/{draft_id}/send")
    with app.app_context():
        mailing = db.session.execute(db.select(Mailing)).scalar_one()
        assert db.session.get(MailingDraft, draft_id).mailing_id == mailing.id
        assert (mailing.kind, mailing.post_id, mailing.recipient_count) == ("post", post_id, 3) and _deliveries() == 3
    assert sent.headers["Location"].endswith(f"/newsletter/admin/mailings/{mailing.id}")
    assert "Drafted by" in editor.get(sent.headers["Location"]).get_data(as_text=True)


def test_past_the_threshold_a_second_person_must_approve(make_app):
    app = make_app(NEWSLETTER_REVIEW_THRESHOLD=2)
    (author, colleague), (author_id, colleague_id), post_id = _clients(app, Role.EDITOR, Role.EDITOR)
    # The editor's own "email this post" to 3 (> 2) subscribers becomes a draft.
    response = author.post(f"/newsletter/admin/posts/{post_id}/email")
    with app.app_context():
        draft = db.session.execute(db.select(MailingDraft)).scalar_one()
        draft_id = draft.id
        assert _deliveries() == 0 and db.session.execute(db.select(Mailing)).first() is None
    assert response.headers["Location"].endswith(f"/newsletter/admin/drafts/{draft_id}")
    page = author.get(f"/newsletter/admin/drafts/{draft_id}").get_data(as_text=True)
    assert "Needs approval" in page and "Approve</button>" not in page and "Send to" not in page

    author.post(f"/newsletter/admin/drafts/{draft_id}/approve")
    assert "A second person must approve this mailing: you wrote it." in _flashes(author)
    author.post(f"/newsletter/admin/drafts/{draft_id}/send")
    assert "an editor other than its author must approve it first" in _flashes(author)
    with app.app_context():
        assert _deliveries() == 0

    colleague.post(f"/newsletter/admin/drafts/{draft_id}/approve")
    with app.app_context():
        assert db.session.get(MailingDraft, draft_id).approved_by_id == colleague_id
    assert "Send to 3 subscribers" in author.get(f"/newsletter/admin/drafts/{draft_id}").get_data(as_text=True)
    author.post(f"/newsletter/admin/drafts/{draft_id}/send")
    with app.app_context():
        mailing = db.session.execute(db.select(Mailing)).scalar_one()
        assert mailing.recipient_count == 3 and _deliveries() == 3
        assert "approved by" in author.get(f"/newsletter/admin/mailings/{mailing.id}").get_data(as_text=True)
    author.post(f"/newsletter/admin/drafts/{draft_id}/send")  # a second press queues nothing more
    with app.app_context():
        assert _deliveries() == 3


def test_threshold_in_the_services_and_below_it(make_app):
    app = make_app(NEWSLETTER_REVIEW_THRESHOLD=3)
    with app.test_request_context():
        editor, contributor = make_user(Role.EDITOR), make_user(Role.CONTRIBUTOR)
        make_post(make_user(), title="News")
        add_subscribers(3)
        since = utcnow() - timedelta(days=1)
        assert services.queue_mailing(services.compose_digest(since=since), by=editor).recipient_count == 3
        add_subscribers(1, prefix="more")
        with pytest.raises(NotAllowed, match="NEWSLETTER_REVIEW_THRESHOLD"):
            services.queue_mailing(services.compose_digest(since=since), by=editor)
        # The schedule (no person) is not held back.
        assert services.queue_mailing(services.compose_digest(since=since), by=None).recipient_count == 4
        draft = review.save_draft(services.compose_digest(since=since, note="From the lab"), by=contributor,
                                  note="From the lab")
        with pytest.raises(NotAllowed):
            review.approve(draft, by=contributor)
        assert services.last_digest().id != draft.id and review.waiting() == [draft]
        review.approve(draft, by=editor)
        mailing = review.send(draft, by=editor)
        assert mailing.recipient_count == 4 and "From the lab" in mailing.body_text
        assert mailing.covers_from == draft.covers_from and review.waiting() == []
        other = review.save_draft(services.compose_post(make_post(make_user(), title="Later")), by=contributor)
        with pytest.raises(NotAllowed):
            review.discard(other, by=make_user(Role.CONTRIBUTOR))  # not theirs
        review.discard(other, by=contributor)
        assert review.waiting() == []
