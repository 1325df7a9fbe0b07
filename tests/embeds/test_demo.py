"""The demo write-up quotes four posts: an announcement, a question and two replies (a conversation)."""
from bs4 import BeautifulSoup

from blog.demo import WRITEUP_SLUG
from blog.embeds.models import SocialPost
from blog.extensions import db
from blog.posts.models import Post


def test_demo_adds_four_quotes_after_the_hashtag_paragraph_once(client, runner, appctx):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(SocialPost.id))).scalar_one() == 4
    writeup = db.session.execute(db.select(Post).where(Post.slug == WRITEUP_SLUG)).scalar_one()
    assert writeup.body_markdown.count("[[social:") == 2
    page = client.get(f"/posts/{WRITEUP_SLUG}")
    body = BeautifulSoup(page.data, "html.parser").select_one(".post-body")
    hashtag_paragraph = next(p for p in body.select("p") if "hashtag" in p.get_text())
    announcement = hashtag_paragraph.find_next_sibling()
    assert "social-post" in announcement["class"] and "Dr Tomás Rivera" in announcement.get_text()
    thread = announcement.find_next_sibling()
    assert "social-thread" in thread["class"]
    roles = [card["class"][-1] for card in thread.select("figure.social-post")]
    assert roles == ["social-post", "social-reply", "social-reply"]
    assert body.get_text().count("Do we need peer support circles") == 1
    assert thread.select_one(".social-when").get_text() == "19h"
    assert announcement.select_one(".social-avatar")["data-initials"] == "TR"
