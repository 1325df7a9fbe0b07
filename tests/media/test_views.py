"""Media and editor endpoints through the test client: upload, files, library, autosave, preview, paste."""
from __future__ import annotations

import io
from datetime import timedelta

from blog.accounts.models import Role, User
from blog.core.time import utcnow
from blog.editor import services as editing
from blog.editor.models import WorkingCopy
from blog.extensions import db
from blog.media.models import Photo
from blog.posts.models import Post, PostRevision
from tests.factories import login, make_post, make_user
from tests.media.images import photo

JSON = {"Accept": "application/json"}


def upload(client, data=None, name="a.jpg"):
    return client.post("/media/upload", data={"file": (io.BytesIO(data or photo()), name)}, headers=JSON)


def test_upload_answers_json_and_files_are_served_immutable(app, client):
    with app.app_context():
        login(client, make_user())
    response = upload(client)
    assert response.status_code == 201
    item = response.get_json()["photos"][0]
    assert item["directive"] == f"[[photo:{item['key']}]]"
    served = client.get(item["thumbnail"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/media/photos/../secret_key").status_code == 404
    assert client.get("/media/photos/" + "0" * 32 + ".jpg").status_code == 404


def test_hostile_upload_is_a_400_with_the_message(app, client):
    with app.app_context():
        login(client, make_user())
    response = upload(client, b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg")
    assert response.status_code == 400 and "SVG" in response.get_json()["error"]
    with app.app_context():
        assert db.session.execute(db.select(Photo)).first() is None


def test_upload_needs_sign_in_and_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert upload(client).status_code in (302, 400, 401)
    with app.app_context():
        email = make_user().email
    page = client.get("/login")
    token = page.data.decode().split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": email, "password": "correct horse battery", "csrf_token": token})
    assert upload(client).status_code == 400  # no token
    assert client.post("/media/upload", data={"file": (io.BytesIO(photo()), "a.jpg")},
                       headers={**JSON, "X-CSRFToken": token}).status_code == 201


def test_library_lists_searches_replaces_and_deletes(app, client):
    with app.app_context():
        editor = make_user(Role.EDITOR)
        editor_id = editor.id
    with app.app_context():
        login(client, db.session.get(User, editor_id))
    key = upload(client).get_json()["photos"][0]["key"]
    other = upload(client, photo(color=(0, 0, 0)), "b.jpg").get_json()["photos"][0]["key"]
    client.post(f"/media/photos/{key}/details", data={"alt_text": "Hall", "caption": "The big hall"})
    with app.app_context():
        make_post(db.session.get(User, editor_id), body=f"[[photo:{key}]]", title="Hall report")
    page = client.get("/media/?q=big+hall").data.decode()
    assert "The big hall" in page and "Hall report" in page and other not in page
    replaced = client.post(f"/media/photos/{key}/replace",
                           data={"file": (io.BytesIO(photo(900, 900)), "new.png")}, follow_redirects=True)
    assert "replaced everywhere" in replaced.data.decode()
    with app.app_context():
        post = db.session.execute(db.select(Post)).scalar_one()
        assert 'width="900"' in post.body_html
    refused = client.post(f"/media/photos/{key}/delete", follow_redirects=True).data.decode()
    assert "used in 1 post" in refused
    client.post(f"/media/photos/{other}/delete")
    with app.app_context():
        assert [p.key for p in db.session.execute(db.select(Photo)).scalars()] == [key]


def test_library_upload_without_javascript_redirects(app, client):
    with app.app_context():
        login(client, make_user())
    response = client.post("/media/upload", data={"file": (io.BytesIO(photo()), "a.jpg")})
    assert response.status_code == 302 and response.location.endswith("/media/")


def test_autosave_keeps_a_working_copy_not_a_revision_each_time(app, client):
    with app.app_context():
        author = make_user()
        author_id = author.id
        post = make_post(author, body="Published text.")
        post_id, version = post.id, post.version
        revisions_before = db.session.execute(db.select(db.func.count(PostRevision.id))).scalar()
    with app.app_context():
        login(client, db.session.get(User, author_id))
    for n in range(5):
        answer = client.post(f"/editor/posts/{post_id}/autosave",
                             json={"title": "A workshop report", "body": f"Draft {n}", "base_version": version})
        assert answer.status_code == 200 and answer.get_json()["conflict"] is False
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post.body_markdown == "Published text."  # readers still see the published text
        assert db.session.execute(db.select(db.func.count(PostRevision.id))).scalar() == revisions_before
        copy = db.session.get(WorkingCopy, (post_id, author_id))
        assert copy.body_markdown == "Draft 4"
    page = client.get(f"/editor/posts/{post_id}").data.decode()
    assert "Draft 4" in page and "autosaved changes" in page
    saved = client.post(f"/editor/posts/{post_id}", data={
        "title": "A workshop report", "body": "Draft 4", "base_version": version, "authors": [author_id]})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(WorkingCopy, (post_id, author_id)) is None
        assert db.session.get(Post, post_id).body_markdown == "Draft 4"


def test_autosave_keeps_a_revision_at_most_every_few_minutes(appctx):
    author = make_user()
    post = make_post(author, published=False, body="Start")
    start = utcnow()
    kept = [editing.autosave(post, by=author, title=post.title, body=f"Text {minute}", base_version=post.version,
                             now=start + timedelta(minutes=minute)).revision_kept for minute in range(0, 12)]
    assert kept.count(True) == 2  # at 5 and 10 minutes
    reasons = [r.reason for r in db.session.execute(db.select(PostRevision)).scalars()]
    assert reasons.count("autosave") == 2


def test_autosave_reports_a_conflict_when_someone_saved_since(app, client):
    with app.app_context():
        author = make_user()
        author_id = author.id
        post = make_post(author)
        post_id, old_version = post.id, post.version
        post.version += 1
        db.session.commit()
    with app.app_context():
        login(client, db.session.get(User, author_id))
    answer = client.post(f"/editor/posts/{post_id}/autosave", json={"title": "x", "body": "y", "base_version": old_version})
    assert answer.get_json()["conflict"] is True


def test_first_autosave_of_a_new_post_creates_the_draft(app, client):
    with app.app_context():
        author = make_user()
        author_id = author.id
    with app.app_context():
        login(client, db.session.get(User, author_id))
    answer = client.post("/editor/posts/new/autosave", json={"title": "Fresh", "body": "Words"})
    assert answer.status_code == 201
    data = answer.get_json()
    assert data["edit_url"] == f"/editor/posts/{data['post_id']}"
    assert client.post("/editor/posts/new/autosave", json={"title": "", "body": " "}).status_code == 400


def test_autosave_refused_for_someone_who_cannot_edit(app, client):
    with app.app_context():
        post = make_post(make_user())
        stranger = make_user(Role.CONTRIBUTOR)
        stranger_id = stranger.id
        post_id = post.id
    with app.app_context():
        login(client, db.session.get(User, stranger_id))
    assert client.post(f"/editor/posts/{post_id}/autosave", json={"title": "x", "body": "y"}).status_code == 403


def test_live_preview_uses_the_publishing_pipeline(app, client):
    with app.app_context():
        login(client, make_user())
    answer = client.post("/editor/preview", json={"body": "*hi* <script>alert(1)</script>\n\n> q\n>\n> — A"})
    html = answer.get_json()["html"]
    assert "<em>hi</em>" in html and "<script" not in html and 'class="pullquote"' in html


def test_paste_turns_rich_text_into_clean_markdown(app, client):
    with app.app_context():
        login(client, make_user())
    word = ('<html><head><style>p.MsoNormal{font-family:Calibri}</style></head><body><!--StartFragment-->'
            '<h1 style="color:red">Findings</h1><p class=MsoNormal style="font-family:Calibri">'
            '<b>Bold</b> and <i>italic</i> and <a href="https://example.org/">a link</a><o:p></o:p></p>'
            '<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol><blockquote>Quoted</blockquote>'
            '<!-- a comment --><font face="Arial">plain</font><!--EndFragment--></body></html>')
    markdown = client.post("/editor/paste", json={"html": word}).get_json()["markdown"]
    assert markdown.splitlines()[0] == "## Findings"
    for expected in ("**Bold**", "*italic*", "[a link](https://example.org/)", "- one", "1. first", "> Quoted", "plain"):
        assert expected in markdown
    for dropped in ("Calibri", "color", "comment", "font", "<"):
        assert dropped not in markdown
    gdocs = ('<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-x"><p dir="ltr">'
             '<span style="font-weight:700;">Strong</span> <span style="font-style:italic;">slanted</span> '
             'normal</p></b>')
    markdown = client.post("/editor/paste", json={"html": gdocs}).get_json()["markdown"]
    assert markdown == "**Strong** *slanted* normal"


def _word_list_paragraph(marker: str, text: str, list_id: str = "l0") -> str:
    """A list item as Word puts it on the clipboard: a paragraph with the bullet typed in a hidden span."""
    return (f"<p class=MsoListParagraphCxSpMiddle style='text-indent:-18.0pt;mso-list:{list_id} level1 lfo1'>"
            f"<![if !supportLists]><span style='font-family:Symbol'><span style='mso-list:Ignore'>{marker}"
            f"<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp; </span></span></span>"
            f"<![endif]>{text}<o:p></o:p></p>")


def test_word_list_paragraphs_become_markdown_lists(app, client):
    with app.app_context():
        login(client, make_user())
    word = ("<!--StartFragment--><p class=MsoNormal>The day:</p>"
            + _word_list_paragraph("·", "Research <b>briefings</b>") + _word_list_paragraph("·", "Case work")
            + "<p class=MsoNormal>Then:</p>"
            + _word_list_paragraph("1.", "Plan", "l1") + _word_list_paragraph("2.", "Act", "l1")
            + "<!--EndFragment-->")
    markdown = client.post("/editor/paste", json={"html": word}).get_json()["markdown"]
    assert markdown == "The day:\n\n- Research **briefings**\n- Case work\n\nThen:\n\n1. Plan\n2. Act"


def test_editor_page_lists_photos_with_their_fields_and_feature_choice(app, client):
    with app.app_context():
        author = make_user()
        author_id = author.id
    with app.app_context():
        login(client, db.session.get(User, author_id))
    key = upload(client).get_json()["photos"][0]["key"]
    with app.app_context():
        post = make_post(db.session.get(User, author_id), published=False, body=f"[[photo:{key}]]")
        post_id, version = post.id, post.version
    page = client.get(f"/editor/posts/{post_id}").data.decode()
    assert f'name="photo-{key}-alt"' in page and "Add alt text before publishing" in page
    assert f'<option value="{key}"' in page
    response = client.post(f"/editor/posts/{post_id}", data={
        "title": "A workshop report", "body": f"[[photo:{key}]]", "base_version": version, "authors": [author_id],
        f"photo-{key}-alt": "Hall", "feature_photo": key, "action": "save"})
    assert response.status_code == 302
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post.feature_photo.key == key and post.feature_photo.alt_text == "Hall"


def test_uploads_are_rate_limited_per_person_with_a_message_the_editor_shows(make_app):
    app = make_app(RATELIMIT_ENABLED=True, UPLOAD_LIMITS="2 per minute")
    client = app.test_client()
    with app.app_context():
        login(client, make_user())
    assert [upload(client).status_code for _ in range(3)] == [201, 201, 429]
    assert upload(client).get_json()["error"].startswith("Too many requests")
    other = app.test_client()
    with app.app_context():
        login(other, make_user())
    assert upload(other).status_code == 201  # counted per person, not for everyone
