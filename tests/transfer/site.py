"""A site with something in every part of the export: the demo, plus a page, a byline-only
co-author, a renamed post (a redirect), a feature photo, an event change and a reply between quotes."""
from __future__ import annotations

from blog.accounts.services import create_byline_person
from blog.demo import create_demo_content
from blog.embeds.models import SocialPost
from blog.events import services as events
from blog.events.models import Event
from blog.extensions import db
from blog.media.models import Photo
from blog.newsletter import services as newsletter
from blog.posts import services as posts
from blog.posts.models import PostKind


def rich_site() -> dict:
    created = create_demo_content()
    admin = created["admin"]
    coauthor = create_byline_person("Dr Jo Byline", affiliation="Elsewhere University")
    photo = db.session.execute(db.select(Photo).order_by(Photo.id)).scalars().first()
    page = posts.create_post(posts.PostInput(title="Join us", body_markdown=f"We recruit.\n\n[[photo:{photo.key}]]\n",
                                             author_ids=[admin.id, coauthor.id]), by=admin)
    page.kind = PostKind.PAGE.value
    page.feature_photo_id = photo.id
    posts.publish_post(page, by=admin)
    posts.save_post(page, posts.PostInput(title="Join us", body_markdown=page.body_markdown, slug="join-the-group"),
                    by=admin, base_version=page.version)
    event = db.session.execute(db.select(Event).where(Event.published_at.is_not(None)).order_by(Event.id)) \
        .scalars().first()
    events.set_status(event, "postponed", by=admin)
    quotes = db.session.execute(db.select(SocialPost).order_by(SocialPost.id)).scalars().all()
    quotes[0].in_reply_to_id = quotes[-1].id  # a reply to a later row: restored after it exists
    newsletter.subscribe("new.reader@university.ac.uk", name="New Reader")  # a consent record
    db.session.commit()
    return {**created, "page": page, "coauthor": coauthor}
