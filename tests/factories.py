"""Small builders for test data; call them inside an application context."""
from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from blog.accounts import services as accounts
from blog.accounts.models import Role, User
from blog.core.time import utcnow
from blog.extensions import db
from blog.posts import services as posts
from blog.posts.models import Post

PASSWORD = "correct horse battery"
_numbers = count(1)


def make_user(role: Role = Role.AUTHOR, *, email: str | None = None, name: str | None = None,
              affiliation: str = "") -> User:
    number = next(_numbers)
    user = accounts.create_user(
        email or f"person{number}@example.org", PASSWORD, role=role,
        display_name=name or f"Person {number}", affiliation=affiliation,
    )
    db.session.commit()
    return user


def make_post(author: User, *, title: str = "A workshop report", body: str = "Some *text*.",
              published: bool = True, published_at: datetime | None = None,
              tags: list[str] | None = None) -> Post:
    post = posts.create_post(posts.PostInput(title=title, body_markdown=body, tag_names=tags or []), by=author)
    if published:
        posts.publish_post(post, by=author, at=published_at or utcnow() - timedelta(minutes=1))
    db.session.commit()
    return post


def login(client, user: User, password: str = PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def make_page(editor: User, *, title: str = "About", slug: str | None = "about", body: str = "We are *a group*.",
              published: bool = True) -> Post:
    """A standalone page (``PostKind.PAGE``) at ``/<slug>``; ``editor`` needs the editor role."""
    page = posts.create_post(posts.PostInput(title=title, body_markdown=body, slug=slug, kind="page"), by=editor)
    if published:
        posts.publish_post(page, by=editor, at=utcnow() - timedelta(minutes=1))
    db.session.commit()
    return page
