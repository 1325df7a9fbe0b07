"""Social-post snapshots: creating, editing (with history), finding and deleting them.

Every change takes the acting user as ``by`` (authors and up); functions flush,
never commit. Editing a snapshot re-renders every post that shows it, including
posts that show it as the parent of a reply.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_

from blog.accounts.models import Role, User
from blog.accounts.services import require_role
from blog.core import usage
from blog.core.markdown import directives_in
from blog.core.signals import directive_output_changed, photo_changed, total
from blog.core.time import UTC, to_local, utcnow
from blog.embeds.cards import KEY_PATTERN, KIND, split_keys, text_to_html
from blog.embeds.models import Platform, SocialPost, SocialPostAttachment, SocialPostRevision
from blog.errors import EditConflict, NotAllowed, NotFound, ValidationFailed
from blog.extensions import db
from blog.media.services import photo_by_key
from blog.posts.models import Post

MAX_TEXT = 5000
MAX_ATTACHMENTS = 4
_KEY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass
class SnapshotInput:
    """What an author submits for a snapshot."""

    platform: str = Platform.X.value
    display_name: str = ""
    handle: str = ""
    text: str = ""
    posted_at: datetime | None = None
    posted_date_only: bool = False
    posted_label: str = ""
    like_count: int | None = None
    repost_count: int | None = None
    reply_count: int | None = None
    counts_read_at: datetime | None = None
    url: str = ""
    external_id: str = ""
    lang: str = ""
    platform_name: str = ""
    in_reply_to_key: str = ""
    attachments: list[str] = field(default_factory=list)  # alt texts, in order
    # Keys of uploaded photos (blog.media), aligned with ``attachments``; "" where there is none.
    attachment_photo_keys: list[str] = field(default_factory=list)
    avatar_photo_key: str = ""
    key: str = ""  # only used when creating; empty makes one from the handle


def can_manage(user: User | None) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.can(Role.AUTHOR))


# --- validation ------------------------------------------------------------------------------

def _clean_handle(handle: str, platform: str) -> str:
    handle = (handle or "").strip().lstrip("@").strip()
    if any(c.isspace() for c in handle):
        raise ValidationFailed("A handle has no spaces (for example @netguard_lab).", field="handle")
    if len(handle) > 200:
        raise ValidationFailed("That handle is too long.", field="handle")
    return handle


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if url and not url.lower().startswith(("https://", "http://")):
        raise ValidationFailed("The post's address must start with https:// (or leave it empty).",
                               field="url")
    if len(url) > 500:
        raise ValidationFailed("That address is too long.", field="url")
    return url


def _clean_count(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if value < 0:
        raise ValidationFailed("Counts cannot be negative.", field=name)
    return value


def _check_aware(moment: datetime | None, name: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise ValidationFailed("Times need a time zone.", field=name)
    return moment


def _parent_for(post: SocialPost | None, key: str) -> SocialPost | None:
    key = (key or "").strip().lower()
    if not key:
        return None
    parent = snapshot_by_key(key)
    if post is not None and post.id is not None:
        seen = parent
        while seen is not None:
            if seen.id == post.id:
                raise ValidationFailed("A post cannot reply to itself, even through other posts.",
                                       field="in_reply_to")
            seen = seen.in_reply_to
    return parent


def _photo_or_none(key: str):
    """The uploaded photo with ``key``; None for no key or a photo deleted since (restoring old versions)."""
    if not key:
        return None
    try:
        return photo_by_key(key)
    except NotFound:
        return None


def _apply(post: SocialPost, data: SnapshotInput) -> None:
    try:
        platform = Platform(data.platform or "other")
    except ValueError:
        raise ValidationFailed("Choose X, Mastodon, Bluesky or another site.", field="platform") from None
    text = (data.text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed("Paste or type what the post said.", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"Keep the text under {MAX_TEXT} characters.", field="text")
    handle = _clean_handle(data.handle, platform.value)
    name = (data.display_name or "").strip()
    if not name and not handle:
        raise ValidationFailed("Give the author's name or handle (or both).", field="display_name")
    if len(name) > 120:
        raise ValidationFailed("Keep the name under 120 characters.", field="display_name")
    label = (data.posted_label or "").strip()
    if len(label) > 60:
        raise ValidationFailed("Keep the time as shown under 60 characters.", field="posted_label")
    attachments = [a.strip() for a in data.attachments or []]
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationFailed(f"A post has at most {MAX_ATTACHMENTS} photos.", field="attachments")

    post.platform = platform.value
    post.platform_name = (data.platform_name or "").strip()[:60] if platform is Platform.OTHER else ""
    post.display_name = name
    post.handle = handle
    post.text = text
    post.text_html = text_to_html(text, platform.value, handle)
    post.lang = (data.lang or "").strip()[:16]
    post.posted_at = _check_aware(data.posted_at, "posted_at")
    post.posted_date_only = bool(data.posted_date_only and data.posted_at)
    post.posted_label = label
    post.like_count = _clean_count(data.like_count, "like_count")
    post.repost_count = _clean_count(data.repost_count, "repost_count")
    post.reply_count = _clean_count(data.reply_count, "reply_count")
    has_counts = any(c is not None for c in (post.like_count, post.repost_count, post.reply_count))
    read_at = _check_aware(data.counts_read_at, "counts_read_at")
    # Counts are "as of" the day they were read; unknown, the post's own date (or no date at all),
    # never the day someone happened to paste it.
    post.counts_read_at = (read_at or post.counts_read_at or post.posted_at) if has_counts else None
    post.url = _clean_url(data.url)
    post.external_id = (data.external_id or "").strip()[:120]
    post.in_reply_to = _parent_for(post, data.in_reply_to_key)
    photo_keys = list(data.attachment_photo_keys or [])
    if len(photo_keys) > len(attachments):
        raise ValidationFailed("Describe every attached photo (one line of alt text each).",
                               field="attachments")
    photo_keys += [""] * (len(attachments) - len(photo_keys))
    post.attachments = [
        SocialPostAttachment(position=n, alt_text=alt, photo=_photo_or_none(key))
        for n, (alt, key) in enumerate(zip(attachments, photo_keys))
    ]
    post.avatar_photo = _photo_or_none(data.avatar_photo_key)
    post.updated_at = utcnow()


def _new_key(data: SnapshotInput) -> str:
    wanted = (data.key or "").strip().lower()
    if wanted:
        if not KEY_PATTERN.match(wanted):
            raise ValidationFailed("A key uses lowercase letters, digits and hyphens only "
                                   "(for example ianelliott-cosa).", field="key")
        if snapshot_by_key(wanted) is not None:
            raise ValidationFailed(f"The key “{wanted}” is taken; choose another.", field="key")
        return wanted
    source = (data.handle or data.display_name or "post").lstrip("@").split("@")[0].lower()
    base = "".join(c if c.isascii() and c.isalnum() else "-" for c in source).strip("-")[:40] or "post"
    base = "-".join(part for part in base.split("-") if part)
    while True:
        key = f"{base}-{''.join(secrets.choice(_KEY_ALPHABET) for _ in range(4))}"
        if snapshot_by_key(key) is None:
            return key


# --- writing ---------------------------------------------------------------------------------

def snapshot_data(post: SocialPost) -> dict:
    """Every field an author can change, as JSON-friendly values (for the edit history)."""
    return {
        "platform": post.platform,
        "platform_name": post.platform_name,
        "display_name": post.display_name,
        "handle": post.handle,
        "text": post.text,
        "lang": post.lang,
        "posted_at": post.posted_at.astimezone(UTC).isoformat() if post.posted_at else None,
        "posted_date_only": post.posted_date_only,
        "posted_label": post.posted_label,
        "like_count": post.like_count,
        "repost_count": post.repost_count,
        "reply_count": post.reply_count,
        "counts_read_at": post.counts_read_at.astimezone(UTC).isoformat() if post.counts_read_at else None,
        "url": post.url,
        "external_id": post.external_id,
        "in_reply_to_key": post.in_reply_to.key if post.in_reply_to else "",
        "attachments": [a.alt_text for a in post.attachments],
        "attachment_photo_keys": [a.photo.key if a.photo else "" for a in post.attachments],
        "avatar_photo_key": post.avatar_photo.key if post.avatar_photo else "",
    }


def input_from_data(data: dict) -> SnapshotInput:
    """The inverse of :func:`snapshot_data` (for restoring a revision)."""
    values = dict(data)
    for name in ("posted_at", "counts_read_at"):
        values[name] = datetime.fromisoformat(values[name]) if values.get(name) else None
    known = set(SnapshotInput.__dataclass_fields__)
    return SnapshotInput(**{k: v for k, v in values.items() if k in known})


def _keep_revision(post: SocialPost, *, by: User | None, reason: str) -> SocialPostRevision:
    revision = SocialPostRevision(social_post_id=post.id, number=post.version, data=snapshot_data(post),
                                  reason=reason, author_id=by.id if by else None)
    db.session.add(revision)
    return revision


def create_snapshot(data: SnapshotInput, *, by: User) -> SocialPost:
    """A new snapshot; its key is ``data.key`` or made from the handle.

    :raise NotAllowed: below the author role. :raise ValidationFailed: on bad input.
    """
    require_role(by, Role.AUTHOR, "quote social posts")
    post = SocialPost(key=_new_key(data), version=1, created_by_id=by.id)
    _apply(post, data)
    db.session.add(post)
    db.session.flush()
    _keep_revision(post, by=by, reason="create")
    db.session.flush()
    return post


def existing_snapshot(platform: str, external_id: str, url: str) -> SocialPost | None:
    """The snapshot already made of the same post (same platform and id, or same address), if any:
    pasting a post quoted before reuses it rather than making a duplicate."""
    conditions = []
    if external_id:
        conditions.append((SocialPost.platform == platform) & (SocialPost.external_id == external_id))
    if url:
        conditions.append(SocialPost.url == _clean_url(url))
    if not conditions:
        return None
    return db.session.execute(db.select(SocialPost).where(or_(*conditions))
                              .order_by(SocialPost.id).limit(1)).scalar_one_or_none()


def snapshot_from_parsed(parsed, *, by: User, in_reply_to_key: str = "") -> SocialPost:
    """The snapshot for a parsed embed (``blog.embeds.parsing.ParsedPost``): the existing one for the
    same post, else a new one made from what the embed code says."""
    found = existing_snapshot(parsed.platform, parsed.external_id, parsed.url)
    if found is not None:
        return found
    return create_snapshot(SnapshotInput(
        platform=parsed.platform, display_name=parsed.display_name,
        handle=f"@{parsed.handle}" if parsed.handle else "", text=parsed.text, posted_at=parsed.posted_at,
        posted_date_only=parsed.posted_date_only, url=parsed.url, external_id=parsed.external_id,
        lang=parsed.lang, attachments=[a or "(no description)" for a in parsed.attachments],
        in_reply_to_key=in_reply_to_key,
    ), by=by)


def update_snapshot(post: SocialPost, data: SnapshotInput, *, by: User, base_version: int | None = None,
                    reason: str = "save") -> SocialPost:
    """Save an edit; every post showing this snapshot (or a reply to it) is re-rendered.

    :raise EditConflict: when someone saved it since ``base_version``.
    """
    require_role(by, Role.AUTHOR, "edit quoted social posts")
    usage.require_change("snapshot", post, by=by)
    if base_version is not None and base_version != post.version:
        raise EditConflict("Someone else saved this quote while you were editing it; "
                           "reload it to see their version, then make your change again.")
    _apply(post, data)
    post.version += 1
    db.session.flush()
    _keep_revision(post, by=by, reason=reason)
    db.session.flush()
    rerender_posts_showing(post)
    return post


def delete_snapshot(post: SocialPost, *, by: User) -> None:
    """Editors delete snapshots that no post shows; replies to it then show without it.

    :raise ValidationFailed: while a post still shows it (the card would turn back into text).
    """
    require_role(by, Role.EDITOR, "delete quoted social posts")
    direct = [u for u in usage.usages("snapshot", post, transitive=False) if u.kind != "snapshot"]
    usage.require_unused("snapshot", post, noun="quote", found=direct)
    replies = list(db.session.execute(
        db.select(SocialPost).where(SocialPost.in_reply_to_id == post.id)).scalars())
    for reply in replies:  # they stand alone from now on; posts showing them lose the parent above
        reply.in_reply_to = None
    db.session.delete(post)
    db.session.flush()
    for reply in replies:
        rerender_posts_showing(reply)


def restore_revision(post: SocialPost, revision: SocialPostRevision, *, by: User) -> SocialPost:
    return update_snapshot(post, input_from_data(revision.data), by=by, reason="restore")


# --- posts that show a snapshot --------------------------------------------------------------

def _affected_keys(post: SocialPost) -> set[str]:
    """This snapshot's key and those of replies to it (their cards show it above them)."""
    replies = db.session.execute(
        db.select(SocialPost.key).where(SocialPost.in_reply_to_id == post.id)).scalars()
    return {post.key, *replies}


def _directive_values(posts_markdown: str, keys: set[str]) -> set[str]:
    return {value for kind, value in directives_in(posts_markdown)
            if kind == KIND and keys & set(split_keys(value))}


def _candidate_posts(keys: set[str]) -> list[Post]:
    conditions = [Post.body_markdown.contains(key) for key in keys]
    return list(db.session.execute(
        db.select(Post).where(Post.body_markdown.contains(f"[[{KIND}:"), or_(*conditions))
    ).scalars())


def posts_showing(post: SocialPost) -> list[Post]:
    """Posts whose Markdown has a directive naming this snapshot."""
    return [p for p in _candidate_posts({post.key}) if _directive_values(p.body_markdown, {post.key})]


def rerender_posts_showing(post: SocialPost) -> int:
    """Re-render the posts that show ``post`` or a reply to it; returns how many directives changed."""
    keys = _affected_keys(post)
    values: set[str] = set()
    for candidate in _candidate_posts(keys):
        values |= _directive_values(candidate.body_markdown, keys)
    return sum(total(directive_output_changed.send(KIND, key=value)) for value in sorted(values))


@photo_changed.connect
def _rerender_snapshots_showing(photo) -> int:
    return sum(rerender_posts_showing(snapshot) for snapshot in snapshots_with_photo(photo.id))


def _as_usage(snapshot: SocialPost) -> usage.Usage:
    """A snapshot is never published on its own: it reaches readers through what shows it."""
    return usage.Usage("snapshot", snapshot, f"quote {snapshot.key}", False, can_manage, "embeds.edit",
                       {"post_id": snapshot.id})


def snapshots_using_photo(photo) -> list[usage.Usage]:
    """Usages (``blog.core.usage``) of a photo as a snapshot's avatar or attached picture."""
    return [_as_usage(s) for s in snapshots_with_photo(photo.id)]


def replies_showing(snapshot: SocialPost) -> list[usage.Usage]:
    """Usages of a snapshot in replies to it: their cards show it above them."""
    return [_as_usage(s) for s in db.session.execute(
        db.select(SocialPost).where(SocialPost.in_reply_to_id == snapshot.id)).scalars()]


def snapshots_with_photo(photo_id: int) -> list[SocialPost]:
    """Snapshots that show an uploaded photo, as avatar or as an attached picture."""
    attached = db.select(SocialPostAttachment.social_post_id).where(SocialPostAttachment.photo_id == photo_id)
    return list(db.session.execute(db.select(SocialPost).where(
        or_(SocialPost.avatar_photo_id == photo_id, SocialPost.id.in_(attached)))).scalars())


# --- reading ---------------------------------------------------------------------------------

def snapshot_by_key(key: str) -> SocialPost | None:
    return db.session.execute(
        db.select(SocialPost).where(SocialPost.key == (key or "").strip().lower())
    ).scalar_one_or_none()


def get_snapshot(key: str) -> SocialPost:
    post = snapshot_by_key(key)
    if post is None:
        raise NotFound("There is no quoted post with that key.")
    return post


REPLY_LABEL_WORDS = 8


def reply_label(post: SocialPost, zone_name: str) -> str:
    """How a quote is offered as the one a post replies to: who, on which day, and its first words
    ("@ian_elliott, 12 March 2025: What makes a good case formulation …")."""
    who = post.at_handle or post.display_name
    if post.posted_at:
        day = post.posted_at if post.posted_date_only else to_local(post.posted_at, zone_name)
        who += f", {day.day} {day:%B %Y}"
    words = (post.text or "").split()
    start = " ".join(words[:REPLY_LABEL_WORDS]) + (" …" if len(words) > REPLY_LABEL_WORDS else "")
    return f"{who}: {start}"


def list_snapshots(*, search: str = "", limit: int = 200) -> list[SocialPost]:
    query = db.select(SocialPost)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(or_(SocialPost.text.ilike(like), SocialPost.handle.ilike(like),
                                SocialPost.display_name.ilike(like), SocialPost.key.ilike(like)))
    return list(db.session.execute(query.order_by(SocialPost.updated_at.desc(), SocialPost.id.desc())
                                   .limit(limit)).scalars())


def revisions_of(post: SocialPost) -> list[SocialPostRevision]:
    return list(db.session.execute(
        db.select(SocialPostRevision).where(SocialPostRevision.social_post_id == post.id)
        .order_by(SocialPostRevision.number.desc(), SocialPostRevision.id.desc())
    ).scalars())


def revision_of(post: SocialPost, revision_id: int) -> SocialPostRevision:
    revision = db.session.get(SocialPostRevision, revision_id)
    if revision is None or revision.social_post_id != post.id:
        raise NotFound("No such revision of this quote.")
    return revision


def changed_fields(older: dict | None, newer: dict) -> list[str]:
    """Names of the fields that differ between two revisions' data."""
    if older is None:
        return []
    return [name for name in newer if older.get(name) != newer.get(name)]


def require_manage(user: User | None) -> None:
    if not can_manage(user):
        raise NotAllowed("Your role does not allow you to quote social posts.")
