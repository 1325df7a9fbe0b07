"""``flask demo``: a fictional research group and its workshop write-up, created idempotently.

The content is the project's own (a made-up group, people and workshop) with
the anatomy of a real write-up: an event report with italics and links, a pull
quote with attribution, a "watch this space" closing line, two credited authors
with affiliations, and tags. Running it again changes nothing that exists.

Every row the demo creates is marked in ``demo_objects`` (the admin account is
not: it is the site's own). ``flask demo --remove`` and the button in site
settings remove exactly the marked rows; ``flask init`` starts a site with only
its admin.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from blog.accounts import services as accounts
from blog.accounts.models import Role, User
from blog.core.time import UTC
from blog.core.urls import absolute_url
from blog.embeds import services as embeds
from blog.embeds.demo import seed as seed_embeds
from blog.embeds.models import SocialPost
from blog.errors import ValidationFailed
from blog.events import services as events
from blog.events.demo import seed as seed_events
from blog.events.models import Event, event_tags
from blog.extensions import db
from blog.media import services as media
from blog.media.demo import seed as seed_media
from blog.media.models import Photo
from blog.newsletter import services as newsletter
from blog.newsletter.demo import seed as seed_newsletter
from blog.newsletter.models import Subscriber
from blog.posts import services as posts
from blog.posts.models import Post, Tag, post_tags
from blog.site import services as site
from blog.site.models import SiteSettings
from blog.site.services import demo_ids, ensure_settings, forget_demo_marks, has_demo_content, mark_as_demo

ADMIN_EMAIL = "admin@example.org"
WRITEUP_SLUG = "safer-screens-a-netguard-workshop"

WRITEUP_TITLE = "“Safer Screens, Safer Children” – a netGUARD workshop"

WRITEUP_BODY = """\
On 12 March 2025, *netGUARD* held a full-day workshop, *Online Harm and the People Who Cause It: \
From Assessment to Intervention*, at Kingsgate Hall, Manchester. *netGUARD* is a research \
collaboration led by Dr Amara Okafor ([University of Northbridge](https://example.org/northbridge)) \
and Prof Lewis Hartley (Eastfield University), studying how to keep children and young people safe \
in online and offline spaces by understanding the adults who harm them.

The day brought together twenty-four practitioners: forensic psychologists, probation officers, \
specialist police investigators, clinicians and charity workers. Attendees worked through the \
*netGUARD* Risk Pathways Framework, a model built from our interviews with people convicted of \
online offences, and took home a set of practical assessment tools for their own casework.

## How the day ran

The morning set out the research background: who offends online, how risk and need are assessed, \
and where the *netGUARD* framework fits. The afternoon turned to practice, with small groups \
working through anonymised case studies and then attendees' own cases.

- Research briefings and plenary discussion
- Small-group case formulation
- Action planning for each attendee's service

Colleagues who could not attend followed along online, and several researchers abroad joined the \
conversation under the *#netGUARD* hashtag.

> Hope is not a soft extra in this work. It is what keeps people engaged with change long after the programme ends.
>
> — Dr Amara Okafor, closing plenary

Thank you to everyone who came and contributed so generously. Watch this space for future \
*netGUARD* events!
"""


def _admin_password_file() -> Path:
    return Path(current_app.instance_path) / "demo-admin-password"


def ensure_admin(email: str = ADMIN_EMAIL) -> tuple[User, str | None]:
    """The site's admin and, the first time only, its new password (kept under instance/)."""
    admin = accounts.user_by_email(email)
    password_file = _admin_password_file()
    if admin is not None:
        return admin, password_file.read_text().strip() if password_file.exists() else None
    password = secrets.token_urlsafe(12)
    admin = accounts.create_user(email, password, role=Role.ADMIN, display_name="Site Admin")
    password_file.write_text(password)
    password_file.chmod(0o600)
    return admin, password


def ensure_author(email: str, name: str, affiliation: str, bio: str) -> User:
    return accounts.user_by_email(email) or accounts.create_user(
        email, None, role=Role.AUTHOR, display_name=name, affiliation=affiliation, bio=bio
    )


DEMO_SETTINGS = {
    "site_name": "netGUARD",
    "tagline": "Understanding Online Harm to Children, and the People Who Cause It",
    "description": ("A research collaboration on keeping children safe online: "
                    "workshop reports, findings and upcoming events."),
    "footer_text": "netGUARD is a fictional research group created for this demo.",
}
DEMO_ABOUT = ("*netGUARD* is a (fictional) research collaboration between the "
              "University of Northbridge and Eastfield University.")
# The About page of a new site, until the group writes its own.
NEW_SITE_ABOUT = site.PLACEHOLDER_ABOUT


def ensure_site_pages(admin: User, about_markdown: str) -> Post:
    """The About page and the default menu (Posts, Events, About), where they are missing."""
    about = site.ensure_about_page(by=admin, markdown=about_markdown)
    site.ensure_default_menu(about)
    return about


def create_demo_content() -> dict:
    """Create what is missing of the demo; returns the objects for later demo steps."""
    settings = ensure_settings()
    if settings.site_name == "Research Group Blog":
        for name, value in DEMO_SETTINGS.items():
            setattr(settings, name, value)
    admin, password = ensure_admin()
    ensure_site_pages(admin, DEMO_ABOUT)
    okafor = ensure_author("a.okafor@example.org", "Dr Amara Okafor", "University of Northbridge",
                           "Senior lecturer in forensic psychology; co-lead of netGUARD.")
    hartley = ensure_author("l.hartley@example.org", "Prof Lewis Hartley",
                            "Eastfield University & Riverside NHS Trust",
                            "Consultant forensic psychologist; co-lead of netGUARD.")
    writeup = db.session.execute(db.select(Post).where(Post.slug == WRITEUP_SLUG)).scalar_one_or_none()
    if writeup is None:
        writeup = posts.create_post(posts.PostInput(
            title=WRITEUP_TITLE, body_markdown=WRITEUP_BODY, slug=WRITEUP_SLUG,
            tag_names=["Workshops", "Events", "Practitioners"], author_ids=[okafor.id, hartley.id],
        ), by=admin)
        posts.publish_post(writeup, by=admin, at=datetime(2025, 3, 14, 10, 0, tzinfo=UTC))
    mark_as_demo(okafor, hartley, writeup)
    created = {"admin": admin, "password": password, "authors": [okafor, hartley], "writeup": writeup}
    # Each feature adds its part (idempotent, flushes): photos first, since quotes and events follow.
    for seed in (seed_media, seed_embeds, seed_events, seed_newsletter):
        seed(created)
    from blog.people.demo import seed_people

    seed_people(created)
    return created


def is_new_site() -> bool:
    """No one has an account yet: the state ``flask init`` or the demo start from."""
    return db.session.execute(db.select(User.id).limit(1)).first() is None


def _marked(model) -> list:
    ids = demo_ids(model)
    return list(db.session.execute(db.select(model).where(model.id.in_(ids))).scalars()) if ids else []


def _tags_in_use() -> set[int]:
    used = db.session.execute(db.select(post_tags.c.tag_id).union(db.select(event_tags.c.tag_id))).scalars()
    return set(used)


def remove_demo_content(*, by: User) -> tuple[dict[str, int], list[str]]:
    """Delete every row marked as demo content, and nothing else.

    Demo people's remaining credits and events go to ``by``; a demo photo or
    quote that one of the group's own posts shows is kept (it has become theirs);
    tags the demo brought are deleted once nothing uses them; site settings that
    still hold the demo's words go back to the defaults. Returns what was removed,
    by kind, and the photo files to delete after the commit.

    :raise NotAllowed: below admin.
    """
    accounts.require_role(by, Role.ADMIN, "remove the demo content")
    removed = dict.fromkeys(("posts", "events", "quotes", "photos", "subscribers", "people", "tags"), 0)
    demo_posts, demo_events = _marked(Post), _marked(Event)
    demo_tags = ({tag.id for post in demo_posts for tag in post.tags}
                 | {tag.id for event in demo_events for tag in event.tags})
    for post in demo_posts:
        posts.delete_post(post, by=by)
    for event in demo_events:
        events.delete_event(event, by=by)
    removed["posts"], removed["events"] = len(demo_posts), len(demo_events)
    db.session.flush()
    files: list[str] = []
    for snapshot in _marked(SocialPost):
        try:
            embeds.delete_snapshot(snapshot, by=by)
            removed["quotes"] += 1
        except ValidationFailed:  # one of the group's posts shows it
            pass
    for photo in _marked(Photo):
        try:
            files += media.delete_photo(photo, by=by)
            removed["photos"] += 1
        except ValidationFailed:
            pass
    for subscriber in _marked(Subscriber):
        newsletter.delete_subscriber(subscriber)
        removed["subscribers"] += 1
    for person in _marked(User):
        if person.id != by.id:
            accounts.delete_person(person, by=by, hand_over_to=by)
            removed["people"] += 1
    unused = demo_tags - _tags_in_use()
    for tag in db.session.execute(db.select(Tag).where(Tag.id.in_(unused))).scalars() if unused else ():
        posts.delete_tag(tag, by=by)
        removed["tags"] += 1
    _reset_demo_settings(ensure_settings(), by=by)
    forget_demo_marks()
    db.session.flush()
    return removed, files


def _reset_demo_settings(settings: SiteSettings, *, by: User) -> None:
    """Settings the group has not changed from the demo's go back to the defaults of a new site, and
    so does the About page's text (the page and its place in the menu stay)."""
    for name, value in DEMO_SETTINGS.items():
        if getattr(settings, name) == value:
            setattr(settings, name, SiteSettings.__table__.c[name].default.arg)
    about = db.session.execute(db.select(Post).where(Post.slug == site.ABOUT_SLUG)).scalar_one_or_none()
    if about is not None and about.body_markdown == DEMO_ABOUT:
        posts.save_post(about, posts.PostInput(title=about.title, body_markdown=NEW_SITE_ABOUT),
                        by=by, base_version=about.version)


def _first_admin() -> User:
    admin = db.session.execute(db.select(User).where(User.role == Role.ADMIN.value, User.active)
                               .order_by(User.id)).scalars().first()
    if admin is None:
        raise click.ClickException("This site has no active admin to act as.")
    return admin


def _print_sign_in(email: str, password: str | None) -> None:
    click.echo(f"Sign in at {absolute_url('accounts.login')}")
    click.echo(f"  email:    {email}")
    click.echo(f"  password: {password or '(see instance/demo-admin-password)'}")


@click.command("demo")
@click.option("--remove", is_flag=True, help="Remove every demo object (the site's own content stays).")
@click.option("--only-new-site", is_flag=True,
              help="Do nothing on a site that has its own people but no demo (after `flask init` or --remove).")
def demo_command(remove: bool, only_new_site: bool):
    """Create demo content (idempotent) and print how to sign in; or remove it."""
    if remove:
        removed, files = remove_demo_content(by=_first_admin())
        db.session.commit()
        media.delete_files(files)
        click.echo("Demo content removed: " + ", ".join(f"{count} {kind}" for kind, count in removed.items()))
        return
    if only_new_site and not is_new_site() and not has_demo_content():
        click.echo("This site has its own content: no demo added (`flask demo` adds it anyway).")
        return
    created = create_demo_content()
    db.session.commit()
    click.echo("Demo content ready.")
    _print_sign_in(ADMIN_EMAIL, created["password"])


@click.command("init")
@click.option("--email", default=ADMIN_EMAIL, show_default=True, help="The first admin's email address.")
def init_command(email: str):
    """Start an empty site: only the admin account (no demo content), and print how to sign in."""
    if not is_new_site() and accounts.user_by_email(email) is None:
        raise click.ClickException("This site already has people; `flask init` is for a new site.")
    admin, password = ensure_admin(email)
    ensure_site_pages(admin, NEW_SITE_ABOUT)
    db.session.commit()
    click.echo("Site ready, with no content yet.")
    _print_sign_in(admin.email, password)
