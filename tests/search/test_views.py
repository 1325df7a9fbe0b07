"""Search over HTTP: the /search page, the header's box, the editor's JSON search, the CLI."""
from __future__ import annotations

from datetime import timedelta

from blog.accounts.models import Role, User
from blog.core.time import utcnow
from blog.extensions import db
from blog.search.models import SearchDocument
from tests.factories import login, make_post, make_user


def test_search_page_results_empty_query_no_results_and_valid_html(app, client, html_errors):
    with app.app_context():
        author = make_user(Role.AUTHOR)
        make_post(author, title="Glacier <b>melt</b> & us", body="Measured at the glacier snout.")
        make_post(author, title="Draft glacier", published=False)
        for n in range(21):
            make_post(author, title=f"Moraine note {n}", published_at=utcnow() - timedelta(hours=n + 1))
    found = client.get("/search?q=glacier")
    assert found.status_code == 200
    html = found.get_data(as_text=True)
    assert '<a href="/posts/glacier-b-melt-b-us"><mark>Glacier</mark> &lt;b&gt;melt&lt;/b&gt; &amp; us</a>' in html
    assert "Draft glacier" not in html and "Post" in html
    assert '<label for="search-page-q">' in html and 'value="glacier"' in html
    empty = client.get("/search?q=")
    assert empty.status_code == 200 and "Type one or more words" in empty.get_data(as_text=True)
    nothing = client.get("/search?q=zzzyzzx").get_data(as_text=True)
    assert "Nothing found for “zzzyzzx”" in nothing
    first = client.get("/search?q=moraine").get_data(as_text=True)
    assert first.count('class="search-result ') == 20 and 'rel="next"' in first
    cursor = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(cursor).get_data(as_text=True)
    assert second.count('class="search-result ') == 1 and "</mark> note 20</a>" in second and 'rel="next"' not in second
    assert client.get("/search?q=moraine&cursor=nonsense").status_code == 404
    assert html_errors({"results": html, "empty": empty.get_data(as_text=True), "nothing": nothing,
                        "second": second}) == []


def test_every_page_has_the_search_box_in_its_header(app, client):
    home = client.get("/").get_data(as_text=True)
    header = home.split('<header class="site-header">')[1].split("</header>")[0]
    assert '<form class="site-search" method="get" action="/search" role="search">' in header
    assert '<label class="visually-hidden" for="site-search-q">Search this site</label>' in header
    assert 'name="q" type="search"' in header


def test_editor_search_needs_a_signed_in_contributor_and_answers_json(app, client):
    with app.app_context():
        author = make_user(Role.AUTHOR, name="Petra Glacier")
        make_post(author, title="Glacier walk")
        make_post(author, title="Hidden glacier", published=False)
    anonymous = client.get("/search/editor.json?q=glac")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with app.app_context():
        login(client, db.session.execute(db.select(User).where(User.display_name == "Petra Glacier")).scalar_one())
    answer = client.get("/search/editor.json?q=glac&kinds=post,person").get_json()  # the last word is a prefix
    assert [(r["kind"], r["label"], r["url"]) for r in answer["results"]] == [  # both title hits, newest first
        ("person", "Petra Glacier", "/people/petra-glacier"), ("post", "Glacier walk", "/posts/glacier-walk")]
    assert answer["results"][1]["title_html"] == "<mark>Glacier</mark> walk" and answer["next_cursor"] is None
    assert client.get("/search/editor.json?q=glac&cursor=bad").status_code == 400


def test_editor_search_finds_photos_for_the_library(app, client):
    from tests.media.test_views import upload

    with app.app_context():
        editor = make_user(Role.EDITOR)
        login(client, editor)
    key = upload(client).get_json()["photos"][0]["key"]
    client.post(f"/media/photos/{key}/details", data={"alt_text": "Crevasse rescue drill", "caption": "Training"})
    answer = client.get("/search/editor.json?q=crevasse&kinds=photo").get_json()
    assert [(r["kind"], r["key"], r["directive"]) for r in answer["results"]] == [
        ("photo", key, f"[[photo:{key}]]")]
    assert answer["results"][0]["thumbnail"].startswith("/media/")
    assert client.get("/search?q=crevasse").get_data(as_text=True).count('class="search-result ') == 0  # not public
    library = client.get("/media/?q=crev").get_data(as_text=True)
    assert f'id="photo-{key}"' in library


def test_cli_reindex_rebuilds_the_index_with_a_progress_bar(app, runner):
    with app.app_context():
        author = make_user(Role.AUTHOR)
        make_post(author, title="Nunatak survey")
        db.session.execute(db.delete(SearchDocument))
        db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexing" in result.output and "Indexed 2 documents." in result.output  # the post and its author
    with app.app_context():
        kinds = sorted(db.session.execute(db.select(SearchDocument.kind)).scalars())
    assert kinds == ["person", "post"]


def test_cli_reindex_if_empty_fills_an_upgraded_sites_index_once(app, runner):
    with app.app_context():
        author = make_user(Role.AUTHOR)
        make_post(author, title="Nunatak survey")
        db.session.execute(db.delete(SearchDocument))  # as the search migration leaves a site with content
        db.session.commit()
    first = runner.invoke(args=["search", "reindex", "--if-empty"])
    assert first.exit_code == 0 and "Indexed 2 documents." in first.output
    again = runner.invoke(args=["search", "reindex", "--if-empty"])
    assert again.exit_code == 0 and again.output == ""  # an index with documents is left alone
