"""Drafts and review: a contributor drafts a mailing, an editor reviews and sends it.

A draft is a composed ``Mailing`` with no outbox rows: what the reviewer reads is
exactly what goes out. With ``NEWSLETTER_REVIEW_THRESHOLD`` set, a mailing to
more subscribers than that needs the approval of an editor who is not its
author before anyone can queue it; an editor's own large mailing becomes a draft
for a colleague to approve.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core.time import utcnow
from blog.errors import NotAllowed, ValidationFailed
from blog.extensions import db
from blog.newsletter import services
from blog.newsletter.models import Mailing, MailingStatus


def save_draft(composition: services.Composition, *, by: User, now: datetime | None = None) -> Mailing:
    """Keep a composed mailing for review (any staff member). :raise ValidationFailed: when empty."""
    require_role(by, Role.CONTRIBUTOR, "draft mailings")
    mailing = services.new_mailing(composition, by=by, status=MailingStatus.DRAFT, now=now)
    mailing.recipient_count = services.audience_count(mailing.kind, services.mailing_tags(mailing))
    return mailing


def drafts() -> list[Mailing]:
    return list(db.session.execute(select(Mailing).where(Mailing.status == MailingStatus.DRAFT.value)
                                   .order_by(Mailing.created_at.desc(), Mailing.id.desc())).scalars())


def _require_draft(mailing: Mailing) -> None:
    if mailing.status != MailingStatus.DRAFT.value:
        raise ValidationFailed("This mailing was already queued.")


def approve(mailing: Mailing, *, by: User, now: datetime | None = None) -> None:
    """Record an editor's approval. :raise NotAllowed: for the draft's own author (approval means a
    second person) or anyone below editor."""
    require_role(by, Role.EDITOR, "approve mailings")
    _require_draft(mailing)
    if mailing.created_by_id == by.id:
        raise NotAllowed("A second person must approve this mailing: you wrote it.")
    mailing.approved_by_id, mailing.approved_at = by.id, now or utcnow()


def send_draft(mailing: Mailing, *, by: User, now: datetime | None = None) -> Mailing:
    """Queue a reviewed draft for everyone it is meant for now.

    :raise NotAllowed: below editor, or past the review threshold without a second person's approval.
    """
    require_role(by, Role.EDITOR, "send newsletters")
    _require_draft(mailing)
    recipients = services.audience_count(mailing.kind, services.mailing_tags(mailing))
    if services.needs_approval(recipients, mailing):
        raise NotAllowed(f"This mailing goes to {recipients} subscribers, more than NEWSLETTER_REVIEW_THRESHOLD "
                         "allows without approval: an editor other than its author must approve it first.")
    mailing.created_at = now or utcnow()  # "queued at", as for a mailing sent straight away
    return services.fill_outbox(mailing, now=now)


def discard(mailing: Mailing, *, by: User) -> None:
    """Delete a draft: its author, or an editor."""
    _require_draft(mailing)
    require_role(by, Role.CONTRIBUTOR if mailing.created_by_id == by.id else Role.EDITOR,
                 "discard someone else's draft")
    db.session.delete(mailing)
    db.session.flush()
