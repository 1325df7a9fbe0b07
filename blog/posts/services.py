"""Posts: writing, revisions, publishing rules, scheduling, preview links and public queries.

Every change takes the acting user as ``by``; permissions are checked here,
not only in templates. Functions flush, never commit.
"""
from __future__ import annotations

import difflib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import and_, func, or_, tuple_

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core.markdown import directives_in, excerpt_from, render_markdown
from blog.core.signals import directive_output_changed, post_publishing
from blog.core.slugs import make_slug, unique_slug
from blog.core.time import UTC, utcnow
from blog.core.urls import absolute_url
from blog.core.usage import Usage, shows
from blog.errors import EditConflict, NotAllowed, NotFound, ValidationFailed
from blog.extensions import db
from blog.scholarly import services as scholarly
from blog.posts.models import (
    VISIBLE_STATUSES, Post, PostAuthor, PostKind, PostRevision, PostStatus, SlugRedirect, Tag, post_tags,
)

MAX_TITLE_LENGTH = 300


# --- permissions -----------------------------------------------------------------------------

def is_own(post: Post, user: User) -> bool:
    return post.created_by_id == user.id or any(c.user_id == user.id for c in post.credits)


def can_edit(post: Post, user: User | None) -> bool:
    """Editors edit anything; authors their own posts; contributors their own unpublished drafts.
    Pages (About, Join us) speak for the whole group: editors and admins only."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.can(Role.EDITOR):
        return True
    if post.kind == PostKind.PAGE.value:
        return False
    if not is_own(post, user):
        return False
    if user.can(Role.AUTHOR):
        return True
    return post.status == PostStatus.DRAFT.value


def can_publish(post: Post, user: User | None) -> bool:
    return can_edit(post, user) and user.can(Role.AUTHOR)


def require_edit(post: Post, user: User | None) -> None:
    if not can_edit(post, user):
        raise NotAllowed("Your role does not allow you to edit this post.")


def posts_showing(kind: str, obj) -> list[Usage]:
    """Usages (``blog.core.usage``) of a shared object in posts: their body, or their feature photo."""
    condition = Post.body_markdown.contains(obj.key)
    if kind == "photo":
        condition = or_(condition, Post.feature_photo_id == obj.id)
    candidates = db.session.execute(db.select(Post).where(condition).order_by(Post.updated_at.desc())).scalars()
    return [
        Usage("post", post, post.title, post.status in VISIBLE_STATUSES,
              lambda user, post=post: can_edit(post, user), "editor.edit", {"post_id": post.id})
        for post in candidates
        if (kind == "photo" and post.feature_photo_id == obj.id) or shows(post.body_markdown, kind, obj.key)
    ]


# --- writing ---------------------------------------------------------------------------------

@dataclass
class PostInput:
    """What an author submits for a post; fields left ``None`` are not changed."""

    title: str
    body_markdown: str
    slug: str | None = None
    custom_excerpt: str | None = None
    tag_names: list[str] | None = None
    author_ids: list[int] | None = None
    # Citable posts: "" is the site's default language/licence, or no DOI.
    language: str | None = None
    licence: str | None = None
    doi: str | None = None
    kind: str = PostKind.POST.value  # read when the post is created; a post never becomes a page


# First path segments the site's routes use, beyond those read from the URL map (``reserved_page_slugs``):
# areas other features may mount later, so that a page made today does not take their address.
RESERVED_PAGE_SLUGS = frozenset({
    "posts", "events", "feeds", "static", "media", "admin", "editor", "newsletter", "api", "search",
    "people", "publications", "tags", "authors", "archive", "preview", "login", "logout",
})


def reserved_page_slugs() -> frozenset[str]:
    """Slugs a page may not have: the first segment of every route (a page at ``/<slug>`` must
    never shadow ``/posts/...``, ``/admin/...``), read from the URL map, plus ``RESERVED_PAGE_SLUGS``."""
    segments = {rule.rule.split("/")[1] for rule in current_app.url_map.iter_rules()}
    return RESERVED_PAGE_SLUGS | {s for s in segments if s and not s.startswith("<")}


def is_page(post: Post) -> bool:
    return post.kind == PostKind.PAGE.value


def post_endpoint(post: Post) -> str:
    return "posts.page" if is_page(post) else "posts.post"


def reading_template(post: Post) -> str:
    """Pages have no date, byline or tags: their own template, for readers and previews alike."""
    return "posts/page.html" if is_page(post) else "posts/post.html"


def post_url(post: Post, *, external: bool = False) -> str:
    """The address of a post (``/posts/<slug>``) or a page (``/<slug>``): every link to one is made here."""
    if external:
        return absolute_url(post_endpoint(post), slug=post.slug)
    return url_for(post_endpoint(post), slug=post.slug)


def render_body(post: Post) -> str:
    """A post's stored HTML: the Markdown rendered (footnote ids keyed on its slug), with the DOIs
    of its reference list linked."""
    return scholarly.link_reference_dois(render_markdown(post.body_markdown, page_key=post.slug))


def _apply_content(post: Post, data: PostInput, *, by: User) -> None:
    title = (data.title or "").strip()
    if not title:
        raise ValidationFailed("A post needs a title.", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed(f"Keep the title under {MAX_TITLE_LENGTH} characters.", field="title")
    post.title = title
    post.body_markdown = data.body_markdown or ""
    if data.slug is not None or not post.slug:
        _set_slug(post, data.slug or title, chosen=bool(data.slug))
    post.body_html = render_body(post)
    if data.custom_excerpt is not None:
        post.custom_excerpt = data.custom_excerpt.strip()
    post.excerpt = post.custom_excerpt or excerpt_from(post.body_html)
    if data.tag_names is not None:
        post.tags = tags_from_names(data.tag_names, by=by)
    if data.author_ids is not None:
        _set_authors(post, data.author_ids, by=by)
    if data.language is not None:
        post.language = scholarly.normalise_language(data.language)
    if data.licence is not None:
        post.licence = scholarly.check_licence(data.licence)
    if data.doi is not None:
        post.doi = scholarly.normalise_doi(data.doi)
    post.updated_at = utcnow()


def rerender_posts_using(kind: str, key: str) -> int:
    """Re-render every post whose Markdown holds ``[[kind:key]]`` (after that thing changed).

    Directives are expanded when a post is rendered on save, so a feature whose
    directive output changes (a photo's caption, a social-post snapshot) calls
    this to bring the stored HTML of every post using it up to date. Returns the
    number of posts re-rendered; revisions are not touched (the Markdown did not change).
    """
    needle = f"[[{kind}:{key}]]"
    using = db.session.execute(db.select(Post).where(Post.body_markdown.contains(needle))).scalars()
    count = 0
    for post in using:
        if (kind, key) in directives_in(post.body_markdown):
            post.body_html = render_body(post)
            post.excerpt = post.custom_excerpt or excerpt_from(post.body_html)
            count += 1
    db.session.flush()
    return count


@directive_output_changed.connect
def _rerender_on_change(kind: str, *, key: str) -> int:
    return rerender_posts_using(kind, key)


def _set_slug(post: Post, wanted: str, *, chosen: bool = True) -> None:
    """Change the slug, keeping the old one as a redirect once the post has been public.

    A page's slug is its address at the site root: a reserved one the author typed is refused, one
    made from the title gets a number instead (a page titled "Events" becomes ``/events-2``).

    :raise ValidationFailed: for a page slug the author chose that a route of the site uses.
    """
    wanted_slug = make_slug(wanted)
    reserved = reserved_page_slugs() if is_page(post) else frozenset()
    if chosen and wanted_slug in reserved:
        raise ValidationFailed(f"“{wanted_slug}” is taken by a part of the site (/{wanted_slug}/…): "
                               "choose another address for this page.", field="slug")
    if wanted_slug == post.slug:
        return
    redirect = db.session.get(SlugRedirect, wanted_slug)
    if redirect is not None and redirect.post_id == post.id:
        db.session.delete(redirect)  # taking back an old slug of its own
        db.session.flush()
    new_slug = unique_slug(Post, wanted_slug, exclude_id=post.id,
                           taken=lambda s: s in reserved or db.session.get(SlugRedirect, s) is not None)
    if post.slug and post.published_at is not None:
        db.session.add(SlugRedirect(old_slug=post.slug, post_id=post.id))
    post.slug = new_slug


def _set_authors(post: Post, author_ids: list[int], *, by: User) -> None:
    ids = list(dict.fromkeys(int(i) for i in author_ids))
    if not ids:
        raise ValidationFailed("A post needs at least one author.", field="authors")
    users = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(ids))).scalars()}
    missing = [i for i in ids if i not in users]
    if missing:
        raise ValidationFailed("Some of the chosen authors do not exist.", field="authors")
    if not by.can(Role.EDITOR) and by.id not in ids:
        raise NotAllowed("You cannot remove yourself from the authors of your own post.")
    post.credits = [PostAuthor(user_id=i, position=n) for n, i in enumerate(ids)]


def tags_from_names(names: list[str], *, by: User) -> list[Tag]:
    """Existing tags by name or slug; new ones are created for authors and above."""
    tags: list[Tag] = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        slug = make_slug(name)
        tag = db.session.execute(db.select(Tag).where(Tag.slug == slug)).scalar_one_or_none()
        if tag is None:
            if not by.can(Role.AUTHOR):
                raise NotAllowed(f"Contributors can use existing tags only; “{name}” is new.")
            tag = Tag(name=name[:80], slug=slug)
            db.session.add(tag)
            db.session.flush()
        if tag not in tags:  # "Maths" and "maths" name one tag
            tags.append(tag)
    return tags


def keep_revision(post: Post, *, by: User | None, reason: str = "save") -> PostRevision:
    revision = PostRevision(
        post_id=post.id, number=post.version, title=post.title, body_markdown=post.body_markdown,
        reason=reason, author_id=by.id if by else None,
    )
    db.session.add(revision)
    return revision


def create_post(data: PostInput, *, by: User) -> Post:
    """A new draft credited to ``by`` (unless other authors are named); a page needs an editor."""
    if data.kind == PostKind.PAGE.value:
        require_role(by, Role.EDITOR, "write pages")
    else:
        require_role(by, Role.CONTRIBUTOR, "write posts")
    post = Post(status=PostStatus.DRAFT.value, created_by_id=by.id, version=1, slug="", kind=PostKind(data.kind).value)
    db.session.add(post)
    if data.author_ids is None:
        data.author_ids = [by.id]
    _apply_content(post, data, by=by)
    db.session.flush()
    keep_revision(post, by=by, reason="create")
    db.session.flush()
    return post


def save_post(post: Post, data: PostInput, *, by: User, base_version: int, reason: str = "save") -> Post:
    """Save an edit that started from ``base_version``.

    :raise EditConflict: when someone saved the post since then; nothing is
        overwritten and the error carries both texts.
    """
    require_edit(post, by)
    if base_version != post.version:
        latest = post_latest_revision(post)
        raise EditConflict(
            "Someone else saved this post while you were editing it. Nothing was overwritten: "
            "compare the two versions below, then copy what you need into the latest one.",
            theirs=latest, mine=data,
        )
    _apply_content(post, data, by=by)
    post.version += 1
    db.session.flush()
    keep_revision(post, by=by, reason=reason)
    db.session.flush()
    return post


def post_latest_revision(post: Post) -> PostRevision | None:
    return db.session.execute(
        db.select(PostRevision).where(PostRevision.post_id == post.id)
        .order_by(PostRevision.number.desc(), PostRevision.id.desc()).limit(1)
    ).scalar_one_or_none()


def publish_post(post: Post, *, by: User, at: datetime | None = None) -> Post:
    """Publish now, or schedule for ``at`` if it is in the future.

    :raise NotAllowed: for contributors, and for authors on others' posts.
    """
    if not can_publish(post, by):
        raise NotAllowed("Your role does not allow you to publish this post.")
    post_publishing.send(post)
    now = utcnow()
    if at is not None and at.tzinfo is None:
        raise ValidationFailed("The publication time needs a time zone.", field="published_at")
    when = at or now
    post.published_at = when
    post.status = (PostStatus.SCHEDULED if when > now else PostStatus.PUBLISHED).value
    post.updated_at = now
    post.version += 1
    db.session.flush()
    keep_revision(post, by=by, reason="schedule" if when > now else "publish")
    db.session.flush()
    return post


def _withdraw(post: Post, status: PostStatus, *, by: User) -> Post:
    if not can_publish(post, by):
        raise NotAllowed("Your role does not allow you to change this post's status.")
    post.status = status.value
    post.updated_at = utcnow()
    post.version += 1
    return post


def unpublish_post(post: Post, *, by: User) -> Post:
    return _withdraw(post, PostStatus.UNPUBLISHED, by=by)


def revert_to_draft(post: Post, *, by: User) -> Post:
    """Take a scheduled post back to draft (its time is kept as a suggestion)."""
    return _withdraw(post, PostStatus.DRAFT, by=by)


def delete_post(post: Post, *, by: User) -> None:
    require_edit(post, by)
    if post.status != PostStatus.DRAFT.value and not by.can(Role.EDITOR):
        raise NotAllowed("Only editors can delete a post that has been published.")
    db.session.delete(post)


def hand_over_posts(person: User, *, to: User) -> int:
    """Credit ``to`` instead of ``person`` on every post (same place in the byline; once if both
    were credited), and make ``to`` the creator of what ``person`` created. Returns how many posts."""
    posts = list(db.session.execute(
        db.select(Post).where(db.or_(Post.created_by_id == person.id,
                                     Post.credits.any(PostAuthor.user_id == person.id)))).scalars())
    for post in posts:
        if post.created_by_id == person.id:
            post.created_by_id = to.id
        credited = {credit.user_id for credit in post.credits}
        for credit in list(post.credits):
            if credit.user_id != person.id:
                continue
            if to.id in credited:
                post.credits.remove(credit)
            else:
                post.credits[post.credits.index(credit)] = PostAuthor(user_id=to.id, position=credit.position)
    db.session.flush()
    return len(posts)


# --- revisions -------------------------------------------------------------------------------

def revisions_of(post: Post) -> list[PostRevision]:
    return list(db.session.execute(
        db.select(PostRevision).where(PostRevision.post_id == post.id)
        .order_by(PostRevision.number.desc(), PostRevision.id.desc())
    ).scalars())


def revision_of(post: Post, revision_id: int) -> PostRevision:
    revision = db.session.get(PostRevision, revision_id)
    if revision is None or revision.post_id != post.id:
        raise NotFound("No such revision of this post.")
    return revision


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def diff_texts(old: str, new: str) -> list[DiffLine]:
    """Line diff between two Markdown texts, for showing side by side in a template."""
    lines: list[DiffLine] = []
    for row in difflib.ndiff((old or "").splitlines(), (new or "").splitlines()):
        code, text = row[:2], row[2:]
        if code == "+ ":
            lines.append(DiffLine("added", text))
        elif code == "- ":
            lines.append(DiffLine("removed", text))
        elif code == "  ":
            lines.append(DiffLine("same", text))
    return lines


def restore_revision(post: Post, revision: PostRevision, *, by: User) -> Post:
    """Make an old revision the current text; the restore is itself a new revision."""
    data = PostInput(title=revision.title, body_markdown=revision.body_markdown)
    return save_post(post, data, by=by, base_version=post.version, reason="restore")


# --- preview links ---------------------------------------------------------------------------

def create_preview_link(post: Post, *, by: User) -> str:
    require_edit(post, by)
    post.preview_token = secrets.token_urlsafe(24)
    return post.preview_token


def revoke_preview_link(post: Post, *, by: User) -> None:
    require_edit(post, by)
    post.preview_token = None


def post_for_preview(token: str) -> Post:
    post = db.session.execute(
        db.select(Post).where(Post.preview_token == token)
    ).scalar_one_or_none() if token else None
    if post is None:
        raise NotFound("This preview link is not valid any more.")
    return post


# --- public queries --------------------------------------------------------------------------

def visible_filter(now: datetime):
    """Posts and pages readers can open at their address."""
    return and_(Post.status.in_(VISIBLE_STATUSES), Post.published_at <= now)


def posts_only():
    """Not a page: the condition of every list of posts (home, tags, archive, feeds, digests)."""
    return Post.kind == PostKind.POST.value


def listed_filter(now: datetime):
    """Visible posts that appear in lists: pages are reached by their address and the menu only."""
    return and_(visible_filter(now), posts_only())


@dataclass
class Page:
    """A page of posts, newest first, with opaque cursors to the neighbouring pages."""

    items: list[Post]
    older: str | None
    newer: str | None


def _cursor(post: Post) -> str:
    return f"{int(post.published_at.timestamp() * 1_000_000)}.{post.id}"


def _parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        micros, post_id = cursor.split(".", 1)
        return datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(post_id)
    except (ValueError, OverflowError, OSError):
        raise ValidationFailed("That page link is malformed.") from None


def page_of_posts(*conditions, per_page: int, before: str | None = None, after: str | None = None,
                  now: datetime | None = None) -> Page:
    """Keyset pagination over visible posts: cost does not grow with the page number.

    ``before`` gives the page of posts older than that cursor; ``after`` the
    page newer than it (shown newest first as well).
    """
    now = now or utcnow()
    key = tuple_(Post.published_at, Post.id)
    query = db.select(Post).where(listed_filter(now), *conditions)
    older_bound, newer_bound = _parse_cursor(before), _parse_cursor(after)
    if newer_bound:
        query = query.where(key > tuple_(*newer_bound)).order_by(Post.published_at.asc(), Post.id.asc())
    else:
        if older_bound:
            query = query.where(key < tuple_(*older_bound))
        query = query.order_by(Post.published_at.desc(), Post.id.desc())
    rows = list(db.session.execute(query.limit(per_page + 1)).scalars())
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    if newer_bound:
        rows.reverse()
        newer = _cursor(rows[0]) if rows and has_more else None
        older = _cursor(rows[-1]) if rows else None
    else:
        older = _cursor(rows[-1]) if rows and has_more else None
        newer = _cursor(rows[0]) if rows and older_bound else None
    return Page(items=rows, older=older, newer=newer)


def count_listed_posts(*conditions, now: datetime | None = None) -> int:
    """How many posts a listing (or feed) with these conditions holds."""
    now = now or utcnow()
    return db.session.execute(db.select(func.count(Post.id)).where(listed_filter(now), *conditions)).scalar_one()


def numbered_page_of_posts(*conditions, number: int, per_page: int, total: int | None = None,
                           now: datetime | None = None) -> list[Post]:
    """Page ``number`` of a listing counted from its oldest post: page 1 holds the ``per_page`` oldest
    posts, page 2 the next ones, and so on; returned newest first.

    A page's contents depend only on the posts older than its newest one, so a full page stays the
    same when newer posts are published (what archived feed pages need). The offset walks the
    ``ix_posts_listed`` index; given ``total`` (``count_listed_posts``), from whichever end is
    nearer, so the walk is at most half the listing (about 20 ms at 100,000 posts on SQLite,
    measured by bench/feeds.py).
    """
    now = now or utcnow()
    query = db.select(Post).where(listed_filter(now), *conditions).limit(per_page)
    from_oldest = (number - 1) * per_page
    from_newest = total - number * per_page if total is not None else None
    if from_newest is not None and 0 <= from_newest < from_oldest:
        return list(db.session.execute(query.order_by(Post.published_at.desc(), Post.id.desc())
                                       .offset(from_newest)).scalars())
    rows = list(db.session.execute(query.order_by(Post.published_at.asc(), Post.id.asc())
                                   .offset(from_oldest)).scalars())
    rows.reverse()
    return rows


def visible_post_by_slug(slug: str, *, now: datetime | None = None,
                         kind: PostKind | None = None) -> tuple[Post | None, str | None]:
    """``(post, None)`` for a visible post; ``(None, new_slug)`` for an old slug that moved.
    With ``kind``, only a post (or page) of that kind counts.

    :raise NotFound: when neither.
    """
    now = now or utcnow()
    query = db.select(Post).where(Post.slug == slug, visible_filter(now))
    if kind is not None:
        query = query.where(Post.kind == kind.value)
    post = db.session.execute(query).scalar_one_or_none()
    if post is not None:
        return post, None
    redirect = db.session.get(SlugRedirect, slug)
    if redirect is not None:
        target = db.session.get(Post, redirect.post_id)
        if target is not None and target.is_visible(now) and kind in (None, PostKind(target.kind)):
            return None, target.slug
    raise NotFound("There is no post at this address.")


def tag_by_slug(slug: str) -> Tag:
    tag = db.session.execute(db.select(Tag).where(Tag.slug == slug)).scalar_one_or_none()
    if tag is None:
        raise NotFound("There is no such tag.")
    return tag


# Correlated EXISTS rather than IN (subquery): the listing then walks the posts in date order
# and stops after one page, instead of first collecting every post of a popular tag
# (measured by bench/pages.py: the IN form grew linearly with the number of posts).
def tag_condition(tag: Tag):
    return db.exists().where(post_tags.c.post_id == Post.id, post_tags.c.tag_id == tag.id)


def author_condition(user: User):
    return db.exists().where(PostAuthor.post_id == Post.id, PostAuthor.user_id == user.id)


def author_by_slug(slug: str) -> User:
    user = db.session.execute(db.select(User).where(User.slug == slug)).scalar_one_or_none()
    if user is None:
        raise NotFound("There is no such author.")
    return user


def month_condition(year: int, month: int | None):
    start = datetime(year, month or 1, 1, tzinfo=UTC)
    if month is None:
        end = datetime(year + 1, 1, 1, tzinfo=UTC)
    else:
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return and_(Post.published_at >= start, Post.published_at < end)


def archive_years(now: datetime | None = None) -> list[int]:
    """Years from the newest post back to the oldest, from two index look-ups."""
    now = now or utcnow()
    base = db.select(Post.published_at).where(listed_filter(now))
    oldest = db.session.execute(base.order_by(Post.published_at.asc()).limit(1)).scalar_one_or_none()
    newest = db.session.execute(base.order_by(Post.published_at.desc()).limit(1)).scalar_one_or_none()
    if oldest is None:
        return []
    return list(range(newest.year, oldest.year - 1, -1))


def archive_months(year: int, now: datetime | None = None) -> list[int]:
    """Months of ``year`` that have posts: one bounded index probe per month."""
    now = now or utcnow()
    months = []
    for month in range(12, 0, -1):
        exists = db.session.execute(
            db.select(Post.id).where(listed_filter(now), month_condition(year, month)).limit(1)
        ).first()
        if exists:
            months.append(month)
    return months


def editable_posts(user: User, *, status: str | None = None, search: str = "", limit: int = 200,
                   kind: PostKind = PostKind.POST) -> list[Post]:
    """Posts (or pages) ``user`` may edit, most recently changed first (the editor's lists)."""
    query = db.select(Post).where(Post.kind == kind.value)
    if not user.can(Role.EDITOR):
        query = query.where(or_(Post.created_by_id == user.id, author_condition(user)))
    if status:
        query = query.where(Post.status == status)
    if search:
        query = query.where(Post.title.ilike(f"%{search}%"))
    return list(db.session.execute(query.order_by(Post.updated_at.desc()).limit(limit)).scalars())


def all_tags() -> list[Tag]:
    return list(db.session.execute(db.select(Tag).order_by(Tag.name)).scalars())


def update_tag(tag: Tag, *, by: User, name: str, description: str) -> Tag:
    require_role(by, Role.EDITOR, "manage tags")
    if not name.strip():
        raise ValidationFailed("A tag needs a name.", field="name")
    tag.name = name.strip()[:80]
    tag.description = description.strip()
    return tag


def delete_tag(tag: Tag, *, by: User) -> None:
    require_role(by, Role.EDITOR, "manage tags")
    db.session.delete(tag)

