"""Drafts and review: a contributor drafts a mailing, an editor reviews and sends it.

A draft keeps what the mailing is made from (a digest's period and note, or the
post or event it announces) and the email as it was composed then, for the
reviewers to read. Sending composes it again from the same things and queues it
through ``services.queue_mailing``, the one way into the outbox. With
``NEWSLETTER_REVIEW_THRESHOLD`` set, a mailing to more subscribers than that
needs the approval of an editor who is not its author before anyone can queue
it. The draft stays as the record of who wrote and who approved the mailing.
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
from blog.newsletter.models import Mailing, MailingDraft, MailingKind
from blog.posts.models import Post


def save_draft(composition: services.Composition, *, by: User, note: str = "",
               now: datetime | None = None) -> MailingDraft:
    """Keep a composed mailing for review (anyone on the team); ``note`` is a digest's Markdown note.

    :raise ValidationFailed: for an empty digest.
    """
    require_role(by, Role.CONTRIBUTOR, "draft mailings")
    if composition.empty:
        raise ValidationFailed("Nothing new since the last digest, so there is nothing to draft.")
    draft = MailingDraft(kind=composition.kind, subject=composition.subject, body_html=composition.html,
                         note=note if composition.kind == MailingKind.DIGEST.value else "",
                         covers_from=composition.covers_from, covers_until=composition.covers_until,
                         post_id=composition.post_id, event_id=composition.event_id,
                         created_by_id=by.id, created_at=now or utcnow())
    db.session.add(draft)
    db.session.flush()
    return draft


def waiting() -> list[MailingDraft]:
    """Drafts not queued yet, newest first."""
    return list(db.session.execute(select(MailingDraft).where(MailingDraft.mailing_id.is_(None))
                                   .order_by(MailingDraft.created_at.desc(), MailingDraft.id.desc())).scalars())


def compose(draft: MailingDraft) -> services.Composition:
    """The draft composed now from what it was made of. :raise NotFound: when its post or event is gone."""
    if draft.kind == MailingKind.POST.value:
        post = db.session.get(Post, draft.post_id) if draft.post_id else None
        if post is None:
            raise ValidationFailed("The post this draft announces no longer exists.")
        return services.compose_post(post)
    if draft.kind == MailingKind.EVENT.value:
        return services.compose_event(draft.event_id)
    return services.compose_digest(now=draft.covers_until, since=draft.covers_from, note=draft.note)


def _tags(draft: MailingDraft) -> list[str]:
    """An announcement's tags (it goes to subscribers without interests or with one of them)."""
    if draft.kind == MailingKind.POST.value:
        thing = db.session.get(Post, draft.post_id) if draft.post_id else None
    elif draft.kind == MailingKind.EVENT.value:
        from blog.events.models import Event

        thing = db.session.get(Event, draft.event_id) if draft.event_id else None
    else:
        thing = None
    return [tag.name for tag in thing.tags] if thing is not None else []


def recipients(draft: MailingDraft) -> int:
    """How many subscribers the draft would go to if it were sent now."""
    return services.audience_count(draft.kind, _tags(draft))


def needs_approval(draft: MailingDraft) -> bool:
    return draft.approved_by_id is None and services.needs_approval(recipients(draft))


def _require_waiting(draft: MailingDraft) -> None:
    if draft.mailing_id is not None:
        raise ValidationFailed("This draft was already queued.")


def approve(draft: MailingDraft, *, by: User, now: datetime | None = None) -> None:
    """Record an editor's approval.

    :raise NotAllowed: for the draft's own author (approval means a second person) or anyone below editor.
    """
    require_role(by, Role.EDITOR, "approve mailings")
    _require_waiting(draft)
    if draft.created_by_id == by.id:
        raise NotAllowed("A second person must approve this mailing: you wrote it.")
    draft.approved_by_id, draft.approved_at = by.id, now or utcnow()


def send(draft: MailingDraft, *, by: User, now: datetime | None = None) -> Mailing:
    """Queue a reviewed draft for everyone it is meant for now.

    :raise NotAllowed: below editor, or past the review threshold without a second person's approval.
    """
    require_role(by, Role.EDITOR, "send newsletters")
    _require_waiting(draft)
    if needs_approval(draft):
        raise NotAllowed(f"This mailing goes to {recipients(draft)} subscribers, more than "
                         "NEWSLETTER_REVIEW_THRESHOLD allows without approval: an editor other than its "
                         "author must approve it first.")
    mailing = services.queue_mailing(compose(draft), by=by, now=now, approved=True)
    draft.mailing_id = mailing.id
    return mailing


def discard(draft: MailingDraft, *, by: User) -> None:
    """Delete a draft not yet queued: its author, or an editor."""
    _require_waiting(draft)
    require_role(by, Role.CONTRIBUTOR if draft.created_by_id == by.id else Role.EDITOR,
                 "discard someone else's draft")
    db.session.delete(draft)
    db.session.flush()
