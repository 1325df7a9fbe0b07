"""Editor pages and JSON endpoints for quoted posts: status codes, redirects, roles."""
import pytest
from bs4 import BeautifulSoup

from blog.accounts.models import Role
from blog.embeds import services
from blog.embeds.models import SocialPost
from blog.extensions import db
from tests.embeds import samples
from tests.embeds.test_services import question, reply
from tests.factories import login, make_post, make_user

FORM = {
    "platform": "x", "display_name": "Dr Rosa Lind", "handle": "@rosalind_phd",
    "text": "Hello #netGUARD", "posted_at": "2025-03-12 14:05", "like_count": "3",
    "counts_read_on": "2025-03-13", "url": "", "in_reply_to": "", "attachments": "A slide\n", "key": "",
}


def signed_in(client, role):
    user = make_user(role)
    login(client, user)
    return user


def test_pages_need_sign_in_and_the_author_role(appctx, client):
    assert client.get("/embeds/").status_code == 302
    signed_in(client, Role.CONTRIBUTOR)
    assert client.get("/embeds/").status_code == 403
    assert client.post("/embeds/api/parse", data={"text": samples.X_EMBED}).status_code == 403


def test_author_creates_edits_and_sees_history(appctx, client):
    signed_in(client, Role.AUTHOR)
    assert client.get("/embeds/new").status_code == 200
    response = client.post("/embeds/new", data=FORM)
    assert response.status_code == 302
    post = db.session.execute(db.select(SocialPost)).scalar_one()
    post_id, key = post.id, post.key
    # 14:05 in the site's zone (Europe/London by default, GMT in March) is 14:05 UTC.
    assert post.posted_at.isoformat() == "2025-03-12T14:05:00+00:00" and post.like_count == 3
    assert [a.alt_text for a in post.attachments] == ["A slide"]
    page = client.get(f"/embeds/{post_id}")
    assert page.status_code == 200 and f"[[social:{key}]]".encode() in page.data
    soup = BeautifulSoup(page.data, "html.parser")
    assert soup.select_one(".social-preview figure.social-post") is not None
    assert soup.select_one("#posted_at")["value"] == "2025-03-12 14:05"
    edited = dict(FORM, text="Edited #netGUARD", base_version="1")
    assert client.post(f"/embeds/{post_id}", data=edited).status_code == 302
    history = client.get(f"/embeds/{post_id}/history")
    assert history.status_code == 200 and b"Edited #netGUARD" in history.data and b"first version" in history.data
    stale = client.post(f"/embeds/{post_id}", data=dict(edited, base_version="1"))
    assert stale.status_code == 409
    assert client.get("/embeds/?q=Edited").data.count(key.encode()) >= 1


def test_bad_form_input_comes_back_as_a_field_error(appctx, client):
    signed_in(client, Role.AUTHOR)
    response = client.post("/embeds/new", data=dict(FORM, posted_at="yesterday-ish"))
    assert response.status_code == 400
    soup = BeautifulSoup(response.data, "html.parser")
    assert "not a date" in soup.select_one("#posted_at-error").get_text()


def test_restore_and_delete(appctx, client):
    author = make_user(Role.AUTHOR)
    post = services.create_snapshot(question(), by=author)
    services.update_snapshot(post, question(text="Second"), by=author)
    db.session.commit()
    post_id = post.id
    first = [r for r in services.revisions_of(post) if r.number == 1][0].id
    editor = signed_in(client, Role.EDITOR)
    assert editor is not None
    assert client.post(f"/embeds/{post_id}/history/{first}/restore").status_code == 302
    db.session.expire_all()
    assert db.session.get(SocialPost, post_id).text.startswith("Do we need")
    make_post(author, body="[[social:netguard-question]]")
    assert client.post(f"/embeds/{post_id}/delete").status_code == 302
    assert db.session.get(SocialPost, post_id) is not None  # still shown by a post: refused


def test_parse_endpoint_answers_with_form_values(appctx, client):
    signed_in(client, Role.AUTHOR)
    embed = client.post("/embeds/api/parse", data={"text": samples.X_EMBED}).get_json()
    assert embed["source"] == "embed"
    assert embed["fields"]["handle"] == "@rosalind_phd" and embed["fields"]["posted_at"] == "2025-03-12"
    assert embed["fields"]["text"].startswith("Fascinating thread")
    url = client.post("/embeds/api/parse", data={"text": "https://bsky.app/profile/a.example/post/3abc"})
    assert url.get_json()["fields"]["platform"] == "bluesky" and url.get_json()["source"] == "url"
    junk = client.post("/embeds/api/parse", data={"text": "hello"})
    assert junk.status_code == 400 and "recognise" in junk.get_json()["error"]


def test_create_endpoint_answers_with_the_directive(appctx, client):
    services.create_snapshot(question(), by=make_user(Role.AUTHOR))
    db.session.commit()
    signed_in(client, Role.AUTHOR)
    data = {f"social-{k}": v for k, v in FORM.items()}
    data["social-in_reply_to"] = "netguard-question"
    response = client.post("/embeds/api/snapshots", data=data)
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["directive"] == f"[[social:{answer['key']}]]"
    assert answer["in_reply_to_key"] == "netguard-question"
    bad = client.post("/embeds/api/snapshots", data=dict(data, **{"social-text": ""}))
    assert bad.status_code == 400 and bad.get_json()["field"] == "text"


@pytest.mark.parametrize("role,shown", [(Role.CONTRIBUTOR, False), (Role.AUTHOR, True)])
def test_post_editor_offers_the_dialog_to_authors(appctx, client, role, shown):
    signed_in(client, role)
    page = client.get("/editor/posts/new")
    soup = BeautifulSoup(page.data, "html.parser")
    assert (soup.select_one("#social-side") is not None) is shown
    assert (soup.select_one("#social-dialog-template") is not None) is shown
    assert soup.select_one('script[src$="/static/js/social.js"]') is not None
    assert (soup.select_one('.editor-nav a[href="/embeds/"]') is not None) is shown


def test_public_page_shows_the_conversation_with_the_card_stylesheet(appctx, client):
    author = make_user(Role.AUTHOR)
    services.create_snapshot(question(), by=author)
    services.create_snapshot(reply("lind-1", "@netguard_lab One."), by=author)
    services.create_snapshot(reply("lind-2", "@netguard_lab Two."), by=author)
    post = make_post(author, title="Workshop", body="Intro\n\n[[social:lind-1,lind-2]]\n")
    slug = post.slug
    page = client.get(f"/posts/{slug}")
    soup = BeautifulSoup(page.data, "html.parser")
    assert len(soup.select(".post-body .social-thread figure.social-post")) == 3
    assert soup.select_one(".post-body").get_text().count("Do we need peer support") == 1
    assert soup.select_one('link[rel="stylesheet"][href$="/static/css/cards.css"]') is not None


def test_avatar_and_attached_photo_go_through_the_photo_pipeline(appctx, client):
    import io

    from tests.media.images import has_gps, phone_photo, photo

    signed_in(client, Role.AUTHOR)
    data = dict(FORM, attachments="The workshop room, chairs in a circle\n",
                avatar=(io.BytesIO(phone_photo(400, 400)), "me.jpg"),
                attachment_files=[(io.BytesIO(photo(800, 600)), "room.jpg")])
    response = client.post("/embeds/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.data
    post = db.session.execute(db.select(SocialPost)).scalar_one()
    assert post.avatar_photo is not None and post.attachments[0].photo is not None
    assert post.attachments[0].photo.alt_text == "The workshop room, chairs in a circle"
    soup = BeautifulSoup(client.get(f"/embeds/{post.id}").data, "html.parser")
    card = soup.select_one(".social-preview figure.social-post")
    avatar = card.select_one("img.social-avatar")
    assert avatar["src"].startswith("/media/photos/") and avatar["alt"] == ""
    attached = card.select_one(".social-attachments img")
    assert attached["alt"] == "The workshop room, chairs in a circle"
    served = client.get(avatar["src"])
    assert served.status_code == 200 and not has_gps(served.data)  # camera metadata stripped
    # Saving again without new files keeps the photos; ticking "remove" drops the avatar.
    keep = dict(FORM, attachments="The workshop room, chairs in a circle\n", base_version="1")
    assert client.post(f"/embeds/{post.id}", data=keep).status_code == 302
    db.session.expire_all()
    post = db.session.get(SocialPost, post.id)
    assert post.avatar_photo is not None and post.attachments[0].photo is not None
    drop = dict(keep, base_version="2", remove_avatar="y")
    assert client.post(f"/embeds/{post.id}", data=drop).status_code == 302
    db.session.expire_all()
    assert db.session.get(SocialPost, post.id).avatar_photo is None


def test_parse_endpoint_asks_the_platform_only_when_allowed(appctx, client, monkeypatch):
    from blog.embeds import views
    from blog.embeds.oembed import parse_oembed_response

    asked = []

    def fake_fetch(url):
        asked.append(url)
        return parse_oembed_response(url, samples.OEMBED_X)

    monkeypatch.setattr(views, "fetch_oembed", fake_fetch)
    signed_in(client, Role.AUTHOR)
    url = "https://x.com/rosalind_phd/status/1900112233445566778"
    off = client.post("/embeds/api/parse", data={"text": url}).get_json()
    assert asked == [] and off["source"] == "url" and off["fields"]["text"] == ""
    appctx.config["ALLOW_OEMBED_FETCH"] = True
    on = client.post("/embeds/api/parse", data={"text": url}).get_json()
    assert asked == [url] and on["source"] == "oembed"
    assert on["fields"]["text"].startswith("Do we need peer support circles")
