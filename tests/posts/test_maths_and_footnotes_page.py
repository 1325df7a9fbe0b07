"""A post with formulas and footnotes: valid HTML5, WCAG 2.1 AA, and note links that work."""
import pytest

from blog.accounts.models import Role
from blog.extensions import db
from blog.posts import services as posts
from tests.factories import make_post, make_user

BODY = ("Energy $E = mc^2$ is famous[^1], and it cost $5 and $10. A typo $\\frac{a$ shows as code.\n\n"
        "$$\n\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\n$$\n\n"
        "A matrix $\\begin{pmatrix}a & b\\\\ c & d\\end{pmatrix}$ and a second note[^2], then the first again[^1].\n\n"
        "[^1]: Einstein, 1905, with $x^2$ inside.\n"
        "[^2]: Another note.\n")


def test_footnote_ids_are_per_post_and_last_through_edits(appctx):
    author = make_user(Role.AUTHOR)
    one, two = make_post(author, title="One", body=BODY), make_post(author, title="Two", body=BODY)
    assert 'id="fn-' in one.body_html and one.body_html != two.body_html  # same text, other ids
    before = one.body_html
    posts.save_post(one, posts.PostInput(title="One", body_markdown=BODY.replace("famous", "well known")),
                    by=author, base_version=one.version)
    assert one.body_html.replace("well known", "famous") == before


def test_post_page_with_maths_and_footnotes_is_valid_html(client, appctx, html_errors):
    post = make_post(make_user(Role.AUTHOR), title="Formulas", body=BODY)
    response = client.get(f"/posts/{post.slug}")
    assert response.status_code == 200
    assert response.data.count(b"<math ") == 4 and b"<h2>Notes</h2>" in response.data
    assert html_errors({"post": response.data}) == []


@pytest.mark.browser
def test_post_page_with_maths_and_footnotes_passes_axe_and_links_work(live_server, page, axe_violations):
    with live_server.app.app_context():
        post = make_post(make_user(Role.AUTHOR), title="Formulas", body=BODY)
        db.session.commit()
        slug = post.slug
    page.goto(f"{live_server.url}/posts/{slug}")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Note 2").click()
    assert page.evaluate("location.hash").startswith("#fn-")
    assert page.locator(":target").inner_text().startswith("Another note.")
    page.get_by_role("link", name="Back to reference 2").click()
    assert page.locator(":target").inner_text() == "2"
    # The browser lays the MathML out: the fraction has a height of its own.
    assert page.locator("div.math.display math").bounding_box()["height"] > 20
