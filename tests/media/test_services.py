"""Photo services: words, rendering into posts, galleries, use, replacement, deletion, alt-text rule."""
from __future__ import annotations

import pytest

from blog.accounts.models import Role
from blog.errors import NotAllowed, ValidationFailed
from blog.extensions import db
from blog.core import usage
from blog.core.urls import absolutise_urls
from blog.media import services
from blog.media.storage import get_storage
from blog.posts import services as posts
from blog.posts.models import PostStatus
from tests.factories import make_post, make_user
from tests.media.images import photo


def test_caption_is_inline_markdown_and_credit_is_plain(appctx):
    author = make_user()
    stored = services.store_photo(photo(), "team.jpg", by=author)
    services.update_photo(stored, by=author, alt_text="  Six people   in a row ",
                          caption="The team, *from left to right*: <script>x</script>Ana, Ben",
                          credit="Jo <b>Bloggs</b>")
    assert stored.alt_text == "Six people in a row"
    assert stored.caption_html == "The team, <em>from left to right</em>: Ana, Ben"
    figure = str(services.render_photo_figure(stored))
    assert "<figcaption>The team, <em>from left to right</em>: Ana, Ben" in figure
    assert "Jo &lt;b&gt;Bloggs&lt;/b&gt;" in figure  # escaped, never markup
    for attribute in ('loading="lazy"', 'decoding="async"', 'width="960"', 'height="640"',
                      'alt="Six people in a row"', "srcset=", "sizes="):
        assert attribute in figure


def test_photo_directive_in_a_post_and_rerender_when_caption_changes(appctx):
    author = make_user()
    stored = services.store_photo(photo(), "a.jpg", by=author)
    services.update_photo(stored, by=author, alt_text="A hall")
    post = make_post(author, body=f"Before.\n\n[[photo:{stored.key}]]\n\nAfter.")
    assert '<figure class="photo"' in post.body_html and 'alt="A hall"' in post.body_html
    services.update_photo(stored, by=author, caption="New caption")
    db.session.commit()
    assert "New caption" in post.body_html


def test_gallery_keeps_each_photos_own_alt_text_and_caption(appctx):
    author = make_user()
    first = services.store_photo(photo(color=(10, 10, 10)), "one.jpg", by=author)
    second = services.store_photo(photo(color=(200, 200, 10)), "two.jpg", by=author)
    services.update_photo(first, by=author, alt_text="First view", caption="Morning")
    services.update_photo(second, by=author, alt_text="Second view", caption="Evening")
    post = make_post(author, body=f"[[gallery:{first.key},{second.key}]]")
    html = post.body_html
    assert html.count("<figure") == 2 and 'class="gallery gallery-2"' in html
    assert 'alt="First view"' in html and 'alt="Second view"' in html
    assert "Morning" in html and "Evening" in html
    services.update_photo(second, by=author, caption="Dusk")
    assert "Dusk" in post.body_html


def test_unknown_photo_keys_stay_as_text(appctx):
    post = make_post(make_user(), body="[[photo:deadbeef]]")
    assert "[[photo:deadbeef]]" in post.body_html


def test_publishing_needs_alt_text_on_every_photo_and_names_the_ones_missing(appctx):
    author = make_user()
    described = services.store_photo(photo(), "described.jpg", by=author)
    services.update_photo(described, by=author, alt_text="Fine")
    bare = services.store_photo(photo(), "selfie.jpg", by=author)
    post = make_post(author, published=False, body=f"[[photo:{described.key}]]\n\n[[gallery:{bare.key}]]")
    with pytest.raises(ValidationFailed) as refused:
        posts.publish_post(post, by=author)
    assert "“selfie.jpg”" in refused.value.message and "described.jpg" not in refused.value.message
    db.session.rollback()
    services.update_photo(bare, by=author, alt_text="Two researchers smiling")
    posts.publish_post(post, by=author)
    assert post.status == PostStatus.PUBLISHED.value


def test_feature_photo_needs_alt_text_too(appctx):
    author = make_user()
    feature = services.store_photo(photo(), "hero.jpg", by=author)
    post = make_post(author, published=False)
    services.set_feature_photo(post, feature.key, by=author)
    with pytest.raises(ValidationFailed, match="hero.jpg"):
        posts.publish_post(post, by=author)


def test_uses_replace_everywhere_and_delete_only_unused(appctx):
    editor = make_user(Role.EDITOR)
    used = services.store_photo(photo(color=(1, 2, 3)), "used.jpg", by=editor)
    services.update_photo(used, by=editor, alt_text="Used")
    unused = services.store_photo(photo(color=(4, 5, 6)), "unused.jpg", by=editor)
    post = make_post(editor, body=f"[[photo:{used.key}]]")
    other = make_post(editor, title="Other", body="No photo.")
    services.set_feature_photo(other, used.key, by=editor)
    assert {u.obj.id for u in usage.usages("photo", used)} == {post.id, other.id}
    assert usage.usages("photo", unused) == []

    old_names = set(used.file_names)
    obsolete = services.replace_photo(used, photo(2000, 1000, color=(9, 9, 9)), "better.jpg", by=editor)
    db.session.commit()
    assert set(obsolete) == old_names
    assert used.width == 2000 and used.alt_text == "Used"
    assert all(name in post.body_html for name in used.file_names if name.endswith(".jpg"))
    assert not any(name in post.body_html for name in old_names)

    with pytest.raises(ValidationFailed, match="used in 2 post"):
        services.delete_photo(used, by=editor)
    names = services.delete_photo(unused, by=editor)
    db.session.commit()
    services.delete_files(names)
    assert not any(get_storage().exists(n) for n in names)


def test_contributors_describe_only_their_own_uploads(appctx):
    author = make_user(Role.AUTHOR)
    contributor = make_user(Role.CONTRIBUTOR)
    theirs = services.store_photo(photo(), "a.jpg", by=author)
    with pytest.raises(NotAllowed):
        services.update_photo(theirs, by=contributor, alt_text="x")
    with pytest.raises(NotAllowed):
        services.delete_photo(theirs, by=contributor)
    own = services.store_photo(photo(), "b.jpg", by=contributor)
    services.update_photo(own, by=contributor, alt_text="Mine")


def test_library_search_by_caption(appctx):
    author = make_user()
    a = services.store_photo(photo(), "a.jpg", by=author)
    b = services.store_photo(photo(), "b.jpg", by=author)
    services.update_photo(a, by=author, caption="Workshop selfie", alt_text="x")
    services.update_photo(b, by=author, caption="Wider team", alt_text="y")
    assert services.library("selfie") == [a]
    assert services.library("TEAM") == [b]
    assert len(services.library()) == 2


def test_photo_url_picks_a_variant_wide_enough(appctx):
    stored = services.store_photo(photo(3000, 2000), "a.jpg", by=make_user())
    assert services.photo_url(stored, 1000) == f"/media/photos/{stored.variants['jpeg-1600']['name']}"
    assert services.photo_url(stored, 9999, fmt="webp").endswith(".webp")
    assert services.photo_url(stored, external=True).startswith("http://blog.test/media/photos/")


def test_absolute_media_urls_for_feeds_and_email(appctx):
    stored = services.store_photo(photo(), "a.jpg", by=make_user())
    html = absolutise_urls(str(services.render_photo_figure(stored)))
    assert '="/media/' not in html and ", /media/" not in html
    assert html.count("http://blog.test/media/photos/") == len(stored.file_names) + 1  # + the src
