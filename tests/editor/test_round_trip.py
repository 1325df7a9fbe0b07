"""Markdown → rich-text editor → Markdown changes nothing a reader would see.

The real bundle runs in Chromium: each document is loaded into the editor and read back as
Markdown, and the server renders both through the publishing pipeline. Over the demo's posts, the
seed post in the demo's style, and documents generated from a fixed random seed that mix every
construct authors use (so a failure names a reproducible document)."""
from __future__ import annotations

import random
import re

import pytest

from blog.accounts.models import Role
from blog.core.markdown import render_markdown
from blog.demo import create_demo_content
from blog.extensions import db
from blog.posts.models import Post
from tests.editor import seed_post as seed
from tests.editor.rich import open_editor, settle
from tests.factories import make_user

pytestmark = pytest.mark.browser

GENERATED_DOCUMENTS = 150

ROUND_TRIP = """(documents) => documents.map((markdown) => {
    const editor = window.BlogRichEditor;
    editor.commands.setContent(markdown, { contentType: 'markdown', emitUpdate: false });
    return editor.getMarkdown();
})"""


def normalised(html: str) -> str:
    """Rendered HTML with layout whitespace folded (it never shows)."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", html).strip()


def seed_in_markdown(photo_keys: list[str], social_keys: list[str]) -> str:
    return "\n\n".join([
        *seed.INTRO,
        f"[[social:{social_keys[0]}]]",
        f"[[social:{','.join(social_keys[1:])}]]",
        seed.AFTER_QUOTES,
        f"> {seed.PULL_QUOTE}\n>\n> — {seed.PULL_QUOTE_BY}",
        seed.CLOSING,
        f"[[photo:{photo_keys[0]}]]",
        f"[[gallery:{','.join(photo_keys)}]]",
    ]) + "\n"


WORDS = ["research", "children", "online", "Safety", "workshop", "risk", "offender", "hope", "CSEM",
         "2014", "Hamilton House", "London", "data", "case", "model", "l'équipe", "naïve", "über"]
AWKWARD = ["2 * 3", "snake_case", "[brackets]", "a # b", "50%", "R&D", "x < y", "“quoted”", "–", "…",
           "C:\\path", "1. not a list", "#hashtag", "@handle", "~tilde~", "back`tick"]


# (cumulative chance, how a word is written): the rest are plain words.
INLINE_FORMS = [
    (0.12, lambda w, rng: f"*{w}*"), (0.2, lambda w, rng: f"**{w}**"), (0.25, lambda w, rng: f"`{w}`"),
    (0.3, lambda w, rng: f"[{w}](https://example.org/{rng.randint(1, 99)})"),
    (0.34, lambda w, rng: f"[{w}](/posts/some-post)"), (0.37, lambda w, rng: f"~~{w}~~"),
    (0.45, lambda w, rng: rng.choice(AWKWARD)),
]


def inline(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(3, 12)):
        word, chance = rng.choice(WORDS), rng.random()
        form = next((write for limit, write in INLINE_FORMS if chance < limit), None)
        parts.append(form(word, rng) if form else word)
    return " ".join(parts)


def block(rng: random.Random, photo_keys: list[str], social_keys: list[str]) -> str:
    kind = rng.choice(["p", "p", "p", "h2", "h3", "ul", "ol", "nested", "quote", "pull", "code", "hr",
                       "photo", "gallery", "social", "table", "footnote"])
    if kind == "h2":
        return "## " + inline(rng)
    if kind == "h3":
        return "### " + inline(rng)
    if kind == "ul":
        return "\n".join("- " + inline(rng) for _ in range(rng.randint(1, 4)))
    if kind == "ol":
        return "\n".join(f"{n}. " + inline(rng) for n in range(1, rng.randint(2, 5)))
    if kind == "nested":
        return f"- {inline(rng)}\n  - {inline(rng)}\n  - {inline(rng)}\n- {inline(rng)}"
    if kind == "quote":
        return "> " + inline(rng)
    if kind == "pull":
        return f"> {inline(rng)}\n>\n> — {rng.choice(WORDS)}"
    if kind == "code":
        return "```python\nprint('*not emphasis*')\nx = [1, 2]\n```"
    if kind == "hr":
        return "---"
    if kind == "photo":
        return f"[[photo:{rng.choice(photo_keys)}]]"
    if kind == "gallery":
        return f"[[gallery:{','.join(photo_keys)}]]"
    if kind == "social":
        return f"[[social:{rng.choice(social_keys)}]]"
    if kind == "table":
        return f"| {rng.choice(WORDS)} | b |\n|---|:-:|\n| {inline(rng)} | 2 |"
    if kind == "footnote":
        return f"{inline(rng)}[^n{rng.randint(1, 9)}]\n\n[^n{rng.randint(1, 9)}]: {inline(rng)}"
    return inline(rng)


def document(rng: random.Random, photo_keys: list[str], social_keys: list[str]) -> str:
    blocks: list[str] = []
    for _ in range(rng.randint(2, 9)):
        new = block(rng, photo_keys, social_keys)
        if blocks and LIST_ITEM.match(blocks[-1].rsplit("\n", 1)[-1].lstrip()) and LIST_ITEM.match(new):
            # Two lists with only a blank line between are one "loose" list in Markdown; the editor
            # writes lists tight. An author separates lists with text, as here.
            blocks.append(inline(rng))
        blocks.append(new)
    return "\n\n".join(blocks) + "\n"


LIST_ITEM = re.compile(r"^([-*+]|\d+[.)]) ")


# Formulas and footnotes as authors write them, beside prices that must stay prose.
MATHS_AND_FOOTNOTES = [
    "Euler: $e^{i\\pi} + 1 = 0$, and *emphasis* after.\n",
    "It cost $5 and $10, then $a_1 + b_1 = c_{*}$ and $x*y*z$.\n",
    "Inline display $$\\sum_{i=1}^{n} i$$ in a sentence, and an escaped \\$ sign.\n",
    "Before.\n\n$$\n\\frac{a}{b} = \\begin{pmatrix}a & b\\\\ c & d\\end{pmatrix}\\,dx\n$$\n\nAfter.\n",
    "$$E = mc^2$$\n\nA bad one: $\\frac{a$ stays code.\n",
    "- a list with $x_1$ and $y_2$\n- and a price of $3\n",
    "A claim[^1] with a formula note[^long-note] and again[^1].\n\n"
    "[^1]: The source, 1905.\n[^long-note]: A note with $x^2$ and *emphasis*.\n",
    "| a | $b_1$ |\n|---|---|\n| $x*y$ | 2 |\n\nText[^t].\n\n[^t]: Table note.\n",
]


def generated(count: int, photo_keys: list[str], social_keys: list[str]) -> list[str]:
    rng = random.Random(20141120)
    return [document(rng, photo_keys, social_keys) for _ in range(count)]


def test_markdown_survives_the_editor_unchanged_in_what_readers_see(live_server, page):
    with live_server.app.app_context():
        created = create_demo_content()
        db.session.commit()
        make_user(Role.AUTHOR, email="rt@example.org")
        bodies = [p.body_markdown for p in db.session.execute(db.select(Post)).scalars()]
        photo_keys = re.findall(r"\[\[photo:([a-z0-9]+)\]\]", "".join(bodies)) or ["nophoto"]
        from blog.embeds.models import SocialPost
        social_keys = [s.key for s in db.session.execute(db.select(SocialPost)).scalars()]
        assert created["writeup"].body_markdown in bodies and len(social_keys) >= 3
    documents = {f"demo post {n}": body for n, body in enumerate(bodies)}
    documents["seed post"] = seed_in_markdown(photo_keys[:2] * 2 if len(photo_keys) < 2 else photo_keys[:2],
                                              social_keys[:4])
    documents.update({f"maths and footnotes {n}": text for n, text in enumerate(MATHS_AND_FOOTNOTES)})
    documents.update({f"generated document {n}": text
                      for n, text in enumerate(generated(GENERATED_DOCUMENTS, photo_keys, social_keys))})

    open_editor(page, live_server.url, "rt@example.org")
    # The cards' previews are not needed here: the server renders only for this test's comparison
    # (the sanitiser's shared bleach Cleaner is not safe to use from two threads at once).
    page.route("**/editor/preview", lambda route: route.abort())
    outputs = page.evaluate(ROUND_TRIP, list(documents.values()))

    different = []
    with live_server.app.app_context():
        for (name, before), after in zip(documents.items(), outputs):
            # One page key for both: footnote ids follow the post, not the exact text.
            html_before, html_after = (normalised(render_markdown(text, page_key="post"))
                                       for text in (before, after))
            if html_before != html_after:
                at = next(i for i, (x, y) in enumerate(zip(html_before + "$", html_after + "#")) if x != y)
                different.append(f"{name}: renders {html_after[max(0, at - 80):at + 80]!r}\n"
                                 f"instead of {html_before[max(0, at - 80):at + 80]!r}\n"
                                 f"--- in\n{before}\n--- out\n{after}")
    settle(page)
    assert different == [], "\n\n".join(different[:3])
