"""``[[event:ID]]``: a post's card for an event, kept up to date as the event firms up."""
from __future__ import annotations

from datetime import date

from blog.accounts.models import Role
from blog.events import services
from blog.extensions import db
from blog.posts import services as posts
from tests.factories import make_user


def test_event_card_says_watch_this_space_then_follows_the_event_as_it_firms_up(app):
    with app.test_request_context():
        author = make_user(Role.AUTHOR)
        event = services.create_event(services.EventInput(title="Next netGUARD workshop", city="Leeds"),
                                      by=author)
        post = posts.create_post(posts.PostInput(title="Report", body_markdown=f"Soon:\n\n[[event:{event.id}]]\n"),
                                 by=author)
        assert f"[[event:{event.id}]]" in post.body_html  # unpublished: the text stays, no card
        services.publish_event(event, by=author)
        db.session.refresh(post)
        assert "Watch this space" in post.body_html and "Next netGUARD workshop" in post.body_html
        assert f'href="/events/{event.slug}"' in post.body_html

        services.save_event(event, services.EventInput(title="Next netGUARD workshop", precision="day",
                                                       start_date=date(2027, 5, 20), city="Leeds"), by=author)
        db.session.refresh(post)
        assert "Watch this space" not in post.body_html and "Coming up" in post.body_html
        assert "20 May 2027" in post.body_html
        assert posts.create_post(posts.PostInput(title="Other", body_markdown="[[event:999]]"),
                                 by=author).body_html.strip() == "<p>[[event:999]]</p>"
