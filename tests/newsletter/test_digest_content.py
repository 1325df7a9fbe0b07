"""Issue 11, "what subscribers receive": each event once with what changed said inline, headings in
order, titles quoted once, the site's fonts, avatars with initials, and a plain text that reads well."""
from __future__ import annotations

import re
from datetime import date, timedelta

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.demo import create_demo_content
from blog.events import services as events
from blog.events.services import EventInput
from blog.extensions import db
from blog.newsletter import services
from tests.embeds.test_feed_and_email import conversation_html
from blog.newsletter.models import Delivery
from tests.factories import make_post, make_user
from tests.newsletter.conftest import add_subscribers


def _event(by, **fields):
    event = events.create_event(EventInput(**fields), by=by)
    events.publish_event(event, by=by)
    db.session.commit()
    return event


def _heading_levels(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])\b", html)]


def _in_order(levels: list[int]) -> bool:
    return bool(levels) and levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:]))


def test_a_digest_shows_each_event_once_and_says_what_changed(app):
    with app.test_request_context():
        editor = make_user(Role.EDITOR)
        soon = date.today() + timedelta(days=40)
        teaser = _event(editor, title="Autumn symposium", precision="season", season="autumn",
                        year=soon.year + 1, city="Lincoln")
        _event(editor, title="Reading group", precision="month", year=soon.year + 1, month=2)
        since = utcnow()
        events.save_event(teaser, EventInput(title="Autumn symposium", precision="day", start_date=soon,
                                             city="Lincoln"), by=editor)
        _event(editor, title="Open day", precision="day", start_date=soon + timedelta(days=7), city="York")
        _event(editor, title="Last winter's seminar", precision="day", start_date=date.today() - timedelta(days=60),
               city="Leeds")  # entered after it was held
        db.session.commit()
        digest = services.compose_digest(since=since, now=utcnow() + timedelta(seconds=1))
    html, text = digest.html, digest.text
    assert [i["title"] for i in digest.new_events] == ["Open day"]
    assert [i["title"] for i in digest.changed_events] == ["Autumn symposium"]
    assert [i["title"] for i in digest.events] == ["Reading group"]
    for title in ("Open day", "Autumn symposium", "Reading group"):
        assert html.count(f">{title}</a>") == 1 and text.count(f"* {title}\n") == 1
    assert "Last winter" not in html and "Last winter" not in text
    when = digest.changed_events[0]["when"]
    assert f"Date confirmed: {when}" in html and f"Date confirmed: {when}" in re.sub(r"\s+", " ", text)
    assert html.index("Newly announced") < html.index("What changed") < html.index("Coming up")


def test_headings_in_order_titles_quoted_once_site_fonts_and_avatar_initials(app):
    with app.test_request_context():
        author = make_user()
        conversation_html()
        quoted = make_post(author, title="“Safer Screens” – a report",
                           body="Intro.\n\n## How the day ran\n\nText.\n\n### Details\n\n[[social:lind-1]]\n")
        plain = make_post(author, title="Plain title", body="Some text.")
        editor = make_user(Role.EDITOR)
        event = _event(editor, title="Open day", precision="day", start_date=date.today() + timedelta(days=9))
        announcement = services.compose_post(quoted)
        digest = services.compose_digest(since=utcnow() - timedelta(days=1))
        event_email = services.compose_event(event.id)
        font_stack = services._site_font_stack()
    for html in (announcement.html, digest.html, event_email.html):
        assert _in_order(_heading_levels(html)), _heading_levels(html)
        assert "font-family: " + font_stack.replace('"', "'") in html  # the inliner uses single quotes
    assert "Read “Safer Screens” – a report on the site" in announcement.html and "““" not in digest.html
    assert f"Read “{plain.title}” on the site" in digest.html
    avatar = re.search(r'<span class="social-avatar"[^>]*>([^<]*)</span>', announcement.html)
    assert avatar.group(1) == "N"  # the initials, not an empty circle
    assert "-apple-system" in font_stack  # what static/css/site.css gives the body


def test_plain_text_reads_as_text(app):
    with app.test_request_context(base_url=app.config["SITE_URL"]):
        writeup = create_demo_content()["writeup"]
        db.session.commit()
        text = services.compose_post(writeup).text
    assert "*" not in text and "](" not in text and "## " not in text  # no Markdown syntax
    assert "netGUARD held a full-day workshop, Online Harm" in re.sub(r"\s+", " ", text)
    lines = text.splitlines()
    credit = lines.index("Photo: netGUARD")  # the credit on a line of its own, after its caption
    assert lines[credit - 1].endswith("before the doors opened")
    assert lines[credit - 2].startswith(" ") is False and "[Photo: " in "\n".join(lines[credit - 4:credit])
    assert all(len(line) <= 72 for line in lines if "http" not in line), \
        [line for line in lines if len(line) > 72 and "http" not in line]
    assert "How the day ran\n---------------" in text


def test_digests_honour_interests_rendering_once_per_distinct_selection(app, monkeypatch):
    renderings = []
    real_render = services._render
    monkeypatch.setattr(services, "_render", lambda *a, **kw: renderings.append(a[0]) or real_render(*a, **kw))
    with app.test_request_context():
        interests = ["", "Workshops", "workshops, Events", "Policy", "Policy, Unused", "Unused", "Events, Policy"]
        subscribers = add_subscribers(len(interests) * 3)
        for n, subscriber in enumerate(subscribers):
            subscriber.tags = interests[n % len(interests)]
        editor = make_user(Role.EDITOR)
        make_post(editor, title="Workshop report", tags=["Workshops"])
        make_post(editor, title="Policy brief", tags=["Policy"])
        make_post(editor, title="Lab news")
        _event(editor, title="Open day", precision="day", start_date=date.today() + timedelta(days=9),
               tag_names=["Events"])
        renderings.clear()
        mailing = services.queue_mailing(services.compose_digest(since=utcnow() - timedelta(days=1)), by=editor)
        db.session.commit()
        versions = services.queued_together(mailing)
        received = {d.subscriber.email: d.mailing for d in db.session.execute(db.select(Delivery)).scalars()}
    # Seven interest sets, six selections ("Policy" and "Policy, Unused" get the same): one rendering each.
    assert len(versions) == 6 and renderings.count("digest") == 6
    assert sum(v.recipient_count for v in versions) == len(subscribers)
    for n, subscriber in enumerate(subscribers):
        body = received[subscriber.email].body_html
        chosen = {t.strip().lower() for t in interests[n % len(interests)].split(",") if t.strip()}
        assert "Lab news" in body  # untagged: for everyone
        assert ("Workshop report" in body) == (not chosen or "workshops" in chosen)
        assert ("Policy brief" in body) == (not chosen or "policy" in chosen)
        assert (">Open day</a>" in body) == (not chosen or "events" in chosen)
