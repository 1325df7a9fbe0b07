"""Formulas and footnotes in an emailed post: the TeX as a text fallback, links that lead to the post."""
import re

from bs4 import BeautifulSoup

from blog.newsletter import services
from tests.factories import make_post, make_user

BODY = ("Energy $E = mc^2$ is famous[^1], and it cost $5 and $10.\n\n"
        "$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$\n\n"
        "[^1]: Einstein, 1905.\n")


def test_an_announcement_shows_formulas_as_tex_and_footnotes_that_lead_to_the_post(app):
    with app.test_request_context(base_url=app.config["SITE_URL"]):
        post = make_post(make_user(), title="Formulas", body=BODY)
        email = services.compose_post(post)
        post_url = f"{app.config['SITE_URL']}/posts/{post.slug}"
    soup = BeautifulSoup(email.html, "html.parser")
    assert soup.find("math") is None  # most mail clients drop MathML and run its text together
    assert [c.get_text() for c in soup.select("code.math")] == [
        "$E = mc^2$", "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$"]
    footnote_links = [a["href"] for a in soup.find_all("a") if "#fn" in a.get("href", "")]
    assert footnote_links and all(h.startswith(post_url + "#fn") for h in footnote_links)
    assert not [a for a in soup.find_all("a") if a.get("href", "").startswith("#")]

    text = email.text
    flat = re.sub(r"\s+", " ", text)
    assert "Energy $E = mc^2$ is famous[1], and it cost $5 and $10." in flat
    assert "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$" in text
    assert "Notes\n-----\n\n1. Einstein, 1905." in text
    assert "↩" not in text and "fnref" not in text


def test_a_digest_note_shows_its_formulas_as_tex(app):
    with app.test_request_context(base_url=app.config["SITE_URL"]):
        make_post(make_user(), title="News", body="Some news.")
        digest = services.compose_digest(note="This week: $a^2 + b^2 = c^2$, for $5.")
    assert "<math" not in digest.html
    assert '<code class="math">$a^2 + b^2 = c^2$</code>' in digest.html
    assert "This week: $a^2 + b^2 = c^2$, for $5." in re.sub(r"\s+", " ", digest.text)
