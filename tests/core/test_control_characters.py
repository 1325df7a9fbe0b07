"""NUL and the other C0 control characters in any input: never a 5xx (PostgreSQL refuses NUL).

Every editing route of the authorisation matrix (its table is reused, so a new route is covered
here too), the public and newsletter forms, and the query string of every argument-free page are
sent the same requests with control characters in every text field, file name and imported file.
Then: the editor keeps the visible text of a body pasted with a NUL (autosave and form submit).
"""
from __future__ import annotations

import io

import pytest

from blog.accounts.models import Role, User
from blog.extensions import db
from blog.posts.models import Post
from tests.factories import PASSWORD, login, make_post, make_user
from tests.test_authorisation_matrix import OWN, TABLE, World

NUL = "\x00"
# Every C0 control a form may not keep: all of U+0000 to U+001F except tab, LF and CR.
OTHER_CONTROLS = "".join(chr(c) for c in range(1, 0x20) if chr(c) not in "\t\n\r")
POISONS = {"nul": NUL, "controls": OTHER_CONTROLS}


def _poison_text(value: str, poison: str) -> str:
    return f"{value[:1]}{poison}{value[1:]}" if value else poison


def _poison(value, poison: str):
    """A text value with ``poison`` inside it; a file gets it in its name and its content."""
    if isinstance(value, str):
        return _poison_text(value, poison)
    if isinstance(value, tuple):  # (stream, filename): a file upload
        stream, name = value
        content = stream.read()
        if name.endswith((".xml", ".bib", ".csv")):
            text = content.decode()
            cut = text.find(">", text.find("<title")) + 1 if name.endswith(".xml") else text.find("title={") + 7
            content = (text[:cut] + poison + text[cut:]).encode()
        return io.BytesIO(content), _poison_text(name, poison)
    return value


def _assert_not_server_error(response):
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:400])


MATRIX = sorted(TABLE)


@pytest.mark.parametrize("poison", sorted(POISONS))
@pytest.mark.parametrize("endpoint", MATRIX)
def test_editing_routes_take_control_characters_without_a_server_error(client, appctx, endpoint, poison):
    case = TABLE[endpoint]
    world = World(actor=make_user(Role.ADMIN), other=make_user(Role.AUTHOR), editor=make_user(Role.EDITOR))
    ownership = OWN if OWN in case.ownerships else case.ownerships[0]
    url, data, _ = case.setup(world, ownership)
    db.session.commit()
    login(client, world.actor)
    data = {_poison_text(k, POISONS[poison]) if k == "zz" else k: _poison(v, POISONS[poison])
            for k, v in data.items()}
    if case.json:
        response = client.post(url, json=data, headers={"Accept": "application/json"})
    else:
        response = client.post(url, data=data, content_type="multipart/form-data")
    _assert_not_server_error(response)


PUBLIC_FORMS = [
    ("/login", {"email": "someone@example.org", "password": "a password", "next": "/editor/"}),
    ("/reset-password", {"email": "someone@example.org"}),
    ("/invitation", {"display_name": "Ada", "password": "a long password", "confirm": "a long password"}),
    ("/newsletter/subscribe", {"email": "reader@example.org", "name": "Reader", "receives": "both",
                               "tags": "Workshops", "website": "", "source": "footer"}),
]
ADMIN_FORMS = [
    ("/newsletter/admin/note", {"editor_note": "A *note*"}),
    ("/newsletter/admin/schedule", {"frequency": "weekly", "weekday": "0", "send_time": "09:00",
                                    "reply_to": "editor@example.org"}),
    ("/newsletter/admin/test", {"address": "editor@example.org"}),
    ("/newsletter/admin/drafts/", {"kind": "digest", "note": "A note", "post_id": "", "event_id": ""}),
    ("/newsletter/admin/subscribers/import",
     {"csv_file": (io.BytesIO(b"email,consent\nreader@example.org,yes\n"), "list.csv")}),
]


@pytest.mark.parametrize("poison", sorted(POISONS))
@pytest.mark.parametrize("url, data", PUBLIC_FORMS + ADMIN_FORMS, ids=[u for u, _ in PUBLIC_FORMS + ADMIN_FORMS])
def test_public_and_newsletter_forms_take_control_characters(client, appctx, url, data, poison):
    admin = make_user(Role.ADMIN)
    if (url, data) in ADMIN_FORMS:
        login(client, admin)
    response = client.post(url, data={k: _poison(v, POISONS[poison]) for k, v in data.items()},
                           content_type="multipart/form-data")
    _assert_not_server_error(response)


def test_login_with_a_control_character_in_the_email_is_refused_not_an_error(client, appctx):
    user = make_user(Role.AUTHOR)
    response = client.post("/login", data={"email": _poison_text(user.email, NUL), "password": PASSWORD + NUL})
    _assert_not_server_error(response)
    assert client.get("/editor/").status_code in (302, 401)  # a password is never silently changed


def _query_pages(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/static", "/api/")):
            yield rule.rule


@pytest.mark.parametrize("poison", sorted(POISONS))
def test_query_strings_take_control_characters(app, client, appctx, poison):
    admin = make_user(Role.ADMIN)
    post = make_post(admin, title="Findable")
    login(client, admin)
    query = {name: POISONS[poison] + "x" for name in ("q", "page", "tag", "year", "status", "sort", "cursor",
                                                       "author", "kind", "next", "before", "after", "id")}
    failures = []
    pages = sorted(set(_query_pages(app))) + [f"/posts/{post.slug}", f"/editor/posts/{post.id}"]
    for url in pages:
        response = client.get(url, query_string=query)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert not failures


@pytest.mark.parametrize("poison", sorted(POISONS))
def test_paths_take_control_characters(client, appctx, poison):
    admin = make_user(Role.ADMIN)
    login(client, admin)
    encoded = "".join(f"%{ord(c):02X}" for c in POISONS[poison])
    failures = []
    for url in (f"/posts/a{encoded}b", f"/tags/a{encoded}", f"/authors/a{encoded}", f"/events/a{encoded}",
                f"/people/a{encoded}", f"/publications/a{encoded}.bib", f"/a{encoded}",
                f"/media/photos/a{encoded}", f"/feeds/tags/a{encoded}.rss", f"/invitation/a{encoded}",
                f"/newsletter/confirm/a{encoded}", f"/preview/a{encoded}"):
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert not failures


# --- the editor keeps what the author can see ----------------------------------------------------

BODY_PASTED = f"Results{NUL} from the\x0b workshop\x1b[0m are in.\r\n\n\tIndented\x07 line."
BODY_VISIBLE = "Results from the workshop[0m are in.\r\n\n\tIndented line."


def test_autosave_keeps_the_visible_text_of_a_pasted_body(client, appctx):
    author = make_user(Role.AUTHOR)
    post = make_post(author, body="Old")
    login(client, author)
    response = client.post(f"/editor/posts/{post.id}/autosave", json={"title": f"Ti{NUL}tle", "body": BODY_PASTED},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    page = client.get(f"/editor/posts/{post.id}").get_data(as_text=True)
    assert "Results from the workshop[0m are in." in page
    assert NUL not in page and "\x1b" not in page


def test_form_submit_keeps_the_visible_text_of_a_pasted_body(client, appctx):
    author = make_user(Role.AUTHOR)
    post = make_post(author, body="Old")
    login(client, author)
    response = client.post(f"/editor/posts/{post.id}", data={
        "title": f"Work{NUL}shop", "body": BODY_PASTED, "action": "save", "base_version": str(post.version)})
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:400]
    db.session.expire_all()
    saved = db.session.get(Post, post.id)
    assert saved.title == "Workshop"
    assert saved.body_markdown.replace("\r\n", "\n") == BODY_VISIBLE.replace("\r\n", "\n")


def test_the_user_rows_are_untouched_by_a_refused_login(client, appctx):
    user = make_user(Role.AUTHOR)
    client.post("/login", data={"email": user.email + NUL, "password": PASSWORD})
    assert db.session.get(User, user.id).email == user.email
