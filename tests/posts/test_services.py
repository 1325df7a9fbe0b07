"""Posts services: writing, slugs, publishing and scheduling, revisions, conflicts, previews."""
from datetime import timedelta

import pytest

from blog.accounts.models import Role
from blog.core.time import utcnow
from blog.errors import EditConflict, NotAllowed, NotFound, ValidationFailed
from blog.extensions import db
from blog.posts import services
from blog.posts.models import Post, PostRevision, PostStatus
from tests.factories import make_post, make_user

SEED_TITLE = "“Internet-based Sex Offending” – an onlinePROTECT workshop"


def _input(title="A title", body="Body *text*.", **kwargs):
    return services.PostInput(title=title, body_markdown=body, **kwargs)


def test_unicode_title_gives_the_expected_slug(appctx):
    post = services.create_post(_input(SEED_TITLE), by=make_user())
    assert post.title == SEED_TITLE
    assert post.slug == "internet-based-sex-offending-an-onlineprotect-workshop"


def test_body_is_rendered_and_excerpt_derived_on_save(appctx):
    post = services.create_post(_input(body="On *netGUARD* day.\n\n<script>x()</script>"), by=make_user())
    assert post.body_html == "<p>On <em>netGUARD</em> day.</p>\n"
    assert post.excerpt == "On netGUARD day."
    post2 = services.create_post(_input(title="Other", custom_excerpt="Hand-written."), by=make_user())
    assert post2.excerpt == "Hand-written."


def test_duplicate_slugs_get_a_number(appctx):
    author = make_user()
    first = services.create_post(_input("Same title"), by=author)
    second = services.create_post(_input("Same title"), by=author)
    assert (first.slug, second.slug) == ("same-title", "same-title-2")


def test_empty_title_is_refused(appctx):
    with pytest.raises(ValidationFailed) as error:
        services.create_post(_input("   "), by=make_user())
    assert error.value.field == "title"


def test_changing_the_slug_of_a_published_post_keeps_the_old_address(appctx):
    author = make_user()
    post = make_post(author, title="Old name")
    services.save_post(post, _input("Old name", slug="new-name"), by=author, base_version=post.version)
    db.session.commit()
    assert services.visible_post_by_slug("old-name") == (None, "new-name")
    found, moved = services.visible_post_by_slug("new-name")
    assert found.id == post.id and moved is None
    other = services.create_post(_input("Old name"), by=author)
    assert other.slug == "old-name-2"  # the redirect keeps its slug reserved


def test_scheduled_post_becomes_visible_when_its_time_comes_without_any_job(appctx):
    author = make_user()
    post = make_post(author, published=False)
    services.publish_post(post, by=author, at=utcnow() + timedelta(hours=1))
    assert post.status == PostStatus.SCHEDULED.value
    with pytest.raises(NotFound):
        services.visible_post_by_slug(post.slug)
    later = utcnow() + timedelta(hours=2)
    assert services.visible_post_by_slug(post.slug, now=later)[0].id == post.id
    assert post.effective_status(later) == PostStatus.PUBLISHED
    assert [p.id for p in services.page_of_posts(per_page=10, now=later).items] == [post.id]
    assert services.page_of_posts(per_page=10).items == []


def test_naive_publish_time_is_refused(appctx):
    author = make_user()
    post = make_post(author, published=False)
    with pytest.raises(ValidationFailed):
        services.publish_post(post, by=author, at=utcnow().replace(tzinfo=None))


def test_drafts_and_unpublished_posts_are_not_visible(appctx):
    author = make_user()
    draft = make_post(author, title="Draft", published=False)
    gone = make_post(author, title="Gone")
    services.unpublish_post(gone, by=author)
    for post in (draft, gone):
        with pytest.raises(NotFound):
            services.visible_post_by_slug(post.slug)


def test_every_save_keeps_a_revision_and_restore_is_a_new_one(appctx):
    author = make_user()
    post = services.create_post(_input(body="one"), by=author)
    services.save_post(post, _input(body="two"), by=author, base_version=post.version)
    services.save_post(post, _input(body="three"), by=author, base_version=post.version)
    history = services.revisions_of(post)
    assert [r.body_markdown for r in history] == ["three", "two", "one"]
    assert history[0].author_id == author.id
    services.restore_revision(post, history[-1], by=author)
    assert post.body_markdown == "one" and post.body_html == "<p>one</p>\n"
    assert services.revisions_of(post)[0].reason == "restore"


def test_diff_marks_added_and_removed_lines():
    diff = services.diff_texts("a\nb\nc", "a\nB\nc\nd")
    assert [(d.kind, d.text) for d in diff] == [
        ("same", "a"), ("removed", "b"), ("added", "B"), ("same", "c"), ("added", "d")]


def test_second_save_from_an_old_version_is_refused_with_both_texts(appctx):
    author = make_user(Role.EDITOR)
    post = services.create_post(_input(body="original"), by=author)
    base = post.version
    services.save_post(post, _input(body="first editor's text"), by=author, base_version=base)
    with pytest.raises(EditConflict) as conflict:
        services.save_post(post, _input(body="second editor's text"), by=author, base_version=base)
    assert conflict.value.theirs.body_markdown == "first editor's text"
    assert conflict.value.mine.body_markdown == "second editor's text"
    assert post.body_markdown == "first editor's text"


def test_preview_link_can_be_revoked(appctx):
    author = make_user()
    post = make_post(author, published=False)
    token = services.create_preview_link(post, by=author)
    assert services.post_for_preview(token).id == post.id
    services.revoke_preview_link(post, by=author)
    with pytest.raises(NotFound):
        services.post_for_preview(token)


def test_contributors_create_tags_only_from_existing_ones(appctx):
    author = make_user(Role.AUTHOR)
    contributor = make_user(Role.CONTRIBUTOR)
    make_post(author, tags=["Workshops"])
    post = services.create_post(_input(tag_names=["workshops"]), by=contributor)
    assert [t.name for t in post.tags] == ["Workshops"]
    with pytest.raises(NotAllowed):
        services.create_post(_input(tag_names=["Brand new"]), by=contributor)


def test_several_authors_in_order(appctx):
    first, second = make_user(name="Dr A"), make_user(name="Prof B")
    post = services.create_post(_input(author_ids=[second.id, first.id]), by=first)
    assert [a.display_name for a in post.authors] == ["Prof B", "Dr A"]
    with pytest.raises(ValidationFailed):
        services.create_post(_input(author_ids=[999999]), by=first)


# --- permissions by role ------------------------------------------------------------------

@pytest.mark.parametrize("role, own_draft, own_published, others", [
    (Role.CONTRIBUTOR, True, False, False),
    (Role.AUTHOR, True, True, False),
    (Role.EDITOR, True, True, True),
    (Role.ADMIN, True, True, True),
])
def test_who_may_edit_what(appctx, role, own_draft, own_published, others):
    actor = make_user(role)
    owner = make_user(Role.AUTHOR)
    mine = services.create_post(_input("Mine"), by=actor)
    mine_published = services.create_post(_input("Mine published"), by=actor)
    mine_published.status, mine_published.published_at = "published", utcnow()
    theirs = make_post(owner)
    assert services.can_edit(mine, actor) is own_draft
    assert services.can_edit(mine_published, actor) is own_published
    assert services.can_edit(theirs, actor) is others


@pytest.mark.parametrize("role, may_publish_own, may_publish_others", [
    (Role.CONTRIBUTOR, False, False), (Role.AUTHOR, True, False),
    (Role.EDITOR, True, True), (Role.ADMIN, True, True),
])
def test_who_may_publish(appctx, role, may_publish_own, may_publish_others):
    actor = make_user(role)
    own = services.create_post(_input("Own"), by=actor)
    other = make_post(make_user(Role.AUTHOR), published=False)
    for post, allowed in ((own, may_publish_own), (other, may_publish_others)):
        if allowed:
            services.publish_post(post, by=actor)
            assert post.status == "published"
        else:
            with pytest.raises(NotAllowed):
                services.publish_post(post, by=actor)


def test_only_editors_delete_published_posts(appctx):
    author, editor = make_user(Role.AUTHOR), make_user(Role.EDITOR)
    post = make_post(author)
    with pytest.raises(NotAllowed):
        services.delete_post(post, by=author)
    services.delete_post(post, by=editor)
    db.session.flush()
    assert db.session.get(Post, post.id) is None


def test_keyset_pages_walk_forwards_and_back(appctx):
    author = make_user()
    start = utcnow() - timedelta(days=30)
    posts = [make_post(author, title=f"Post {n}", published_at=start + timedelta(days=n)) for n in range(7)]
    newest_first = [p.id for p in reversed(posts)]
    first = services.page_of_posts(per_page=3)
    assert [p.id for p in first.items] == newest_first[:3] and first.newer is None
    second = services.page_of_posts(per_page=3, before=first.older)
    third = services.page_of_posts(per_page=3, before=second.older)
    assert [p.id for p in second.items] == newest_first[3:6]
    assert [p.id for p in third.items] == newest_first[6:] and third.older is None
    back = services.page_of_posts(per_page=3, after=third.newer)
    assert [p.id for p in back.items] == newest_first[3:6]
    with pytest.raises(ValidationFailed):
        services.page_of_posts(per_page=3, before="not-a-cursor")


def test_archive_years_and_months(appctx):
    from datetime import datetime

    from blog.core.time import UTC

    author = make_user()
    make_post(author, title="a", published_at=datetime(2014, 11, 21, tzinfo=UTC))
    make_post(author, title="b", published_at=datetime(2016, 2, 1, tzinfo=UTC))
    assert services.archive_years() == [2016, 2015, 2014]
    assert services.archive_months(2014) == [11]
    assert services.archive_months(2015) == []


def test_the_database_applies_on_delete_rules_on_sqlite_too(appctx):
    """SQLite enforces foreign keys only when asked per connection: the app asks."""
    author = make_user(Role.EDITOR)
    post = make_post(author, title="Kept for a while")
    revision_ids = [r.id for r in services.revisions_of(post)]
    assert revision_ids
    db.session.execute(db.delete(Post).where(Post.id == post.id))  # straight SQL: no ORM cascade
    db.session.commit()
    assert db.session.execute(db.select(PostRevision).where(PostRevision.id.in_(revision_ids))).all() == []


def test_reading_time_counts_the_words_of_the_text_not_its_directives():
    assert Post(body_markdown="word " * 690 + "\n\n[[photo:3f2a9c]]\n\n[[social:a,b]]\n").reading_minutes == 3
    assert Post(body_markdown="").reading_minutes == 1
