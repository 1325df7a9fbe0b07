"""The demo write-up has its feature photo and two photos in the body, with alt text and captions, and running the demo again adds nothing."""
from blog.demo import WRITEUP_SLUG
from blog.extensions import db
from blog.media.models import Photo
from blog.posts.models import Post, PostRevision


def test_demo_write_up_shows_two_captioned_photos(runner, client, appctx):
    assert runner.invoke(args=["demo"]).exit_code == 0
    revisions = db.session.execute(db.select(db.func.count(PostRevision.id))).scalar()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.session.execute(db.select(db.func.count(Photo.id))).scalar() == 3
    assert db.session.execute(db.select(db.func.count(PostRevision.id))).scalar() == revisions
    db.session.expire_all()
    post = db.session.execute(db.select(Post).where(Post.slug == WRITEUP_SLUG)).scalar_one()
    assert post.body_html.count('<figure class="photo"') == 2
    assert post.feature_photo is not None and post.feature_photo.alt_text
    page = client.get(f"/posts/{WRITEUP_SLUG}").data.decode()
    assert "An obligatory <em>selfie</em>" in page
    assert "The wider team, from left to right" in page
    assert 'alt="Twelve members of the netGUARD team' in page
