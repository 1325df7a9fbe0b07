"""``flask demo``: a fictional research group and its workshop write-up, created idempotently.

The content is the project's own (a made-up group, people and workshop) with
the anatomy of a real write-up: an event report with italics and links, a pull
quote with attribution, a "watch this space" closing line, two credited authors
with affiliations, and tags. Running it again changes nothing that exists.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

import click
from flask import current_app

from blog.accounts import services as accounts
from blog.accounts.models import Role, User
from blog.core.markdown import render_markdown
from blog.core.time import UTC
from blog.embeds.demo import seed as seed_embeds
from blog.events.demo import seed as seed_events
from blog.extensions import db
from blog.media.demo import seed as seed_media
from blog.newsletter.demo import seed as seed_newsletter
from blog.posts import services as posts
from blog.posts.models import Post
from blog.site.services import ensure_settings

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


def ensure_admin() -> tuple[User, str | None]:
    """The demo admin and, the first time only, its new password (kept under instance/)."""
    admin = accounts.user_by_email(ADMIN_EMAIL)
    password_file = _admin_password_file()
    if admin is not None:
        return admin, password_file.read_text().strip() if password_file.exists() else None
    password = secrets.token_urlsafe(12)
    admin = accounts.create_user(ADMIN_EMAIL, password, role=Role.ADMIN, display_name="Site Admin")
    password_file.write_text(password)
    password_file.chmod(0o600)
    return admin, password


def ensure_author(email: str, name: str, affiliation: str, bio: str) -> User:
    return accounts.user_by_email(email) or accounts.create_user(
        email, None, role=Role.AUTHOR, display_name=name, affiliation=affiliation, bio=bio
    )


def create_demo_content() -> dict:
    """Create what is missing of the demo; returns the objects for later demo steps."""
    settings = ensure_settings()
    if settings.site_name == "Research Group Blog":
        settings.site_name = "netGUARD"
        settings.tagline = "Understanding Online Harm to Children, and the People Who Cause It"
        settings.description = ("A research collaboration on keeping children safe online: "
                                "workshop reports, findings and upcoming events.")
        settings.footer_text = "netGUARD is a fictional research group created for this demo."
        settings.about_markdown = ("*netGUARD* is a (fictional) research collaboration between the "
                                   "University of Northbridge and Eastfield University.")
        settings.about_html = render_markdown(settings.about_markdown)
    admin, password = ensure_admin()
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
    db.session.flush()
    created = {"admin": admin, "password": password, "authors": [okafor, hartley], "writeup": writeup}
    # Each feature adds its part (idempotent, flushes): photos first, since quotes and events follow.
    for seed in (seed_media, seed_embeds, seed_events, seed_newsletter):
        seed(created)
    return created


@click.command("demo")
def demo_command():
    """Create demo content (idempotent) and print how to sign in."""
    created = create_demo_content()
    db.session.commit()
    password = created["password"] or "(see instance/demo-admin-password)"
    click.echo(f"Demo content ready. Sign in at {current_app.config['SITE_URL']}/login")
    click.echo(f"  email:    {ADMIN_EMAIL}")
    click.echo(f"  password: {password}")
