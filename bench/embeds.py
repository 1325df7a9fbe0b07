"""Quoted social posts: what cards cost on save, on edit, on read, and what parsing costs.

Measured on a throw-away app and SQLite database, against baselines in the same run:

- save: ``render_markdown`` of a post quoting N posts as cards (replies in conversations),
  against the same post with the same words as plain Markdown blockquotes;
- edit: ``update_snapshot`` of a question shown (as a reply's parent) in P posts, which
  re-renders all of them, against re-rendering the same P posts' Markdown directly;
- read: SQL queries and time for a post page with N cards, against a post without cards
  (cards are stored HTML, so reading should cost nothing extra);
- parse: ``parse_embed`` of X's embed code, against lxml merely parsing the same text.

    .venv/bin/python bench/embeds.py           # N=20 quotes, P=50 posts
    .venv/bin/python bench/embeds.py --full    # N=100 quotes, P=500 posts
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="N=100 quotes, P=500 posts")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    quotes, posts_count = (100, 500) if args.full else (20, 50)

    import lxml.html
    from sqlalchemy import event

    from blog import create_app
    from blog.accounts.models import Role
    from blog.core.markdown import render_markdown
    from blog.core.time import utcnow
    from blog.embeds import services
    from blog.embeds.parsing import parse_embed
    from blog.embeds.services import SnapshotInput
    from blog.extensions import db
    from blog.posts import services as posts
    from tests.conftest import config_for_tests
    from tests.embeds.samples import X_EMBED
    from tests.factories import make_user

    folder = Path(tempfile.mkdtemp(prefix="bench-embeds-"))
    app = create_app(config_for_tests(f"sqlite:///{folder / 'bench.sqlite3'}", folder))
    with app.app_context():
        import blog.embeds.views  # noqa: F401  (registers the directive)

        db.create_all()
        author = make_user(Role.EDITOR)
        text = "Do we need peer support circles for people assessed as low risk? #netGUARD @netguard_lab"
        directives, plain = [], []
        for group in range(quotes // 4):
            q = services.create_snapshot(SnapshotInput(display_name="netGUARD", handle="netguard_lab",
                                                       text=text, posted_label="19h", key=f"q{group}"),
                                         by=author)
            keys = [q.key]
            for n in range(3):
                r = services.create_snapshot(SnapshotInput(
                    display_name=f"Dr Person {n}", handle=f"person{n}", in_reply_to_key=q.key,
                    text=f"@netguard_lab Answer {n}: https://example.org/answer/{n} #zerosum",
                    posted_at=utcnow()), by=author)
                keys.append(r.key)
            directives.append(f"[[social:{','.join(keys)}]]")
            plain.extend([f"> **netGUARD** @netguard_lab\n>\n> {text}"] +
                         [f"> **Dr Person {n}** @person{n}\n>\n> @netguard_lab Answer {n}: "
                          f"https://example.org/answer/{n} #zerosum" for n in range(3)])
        db.session.commit()
        with_cards = "Intro paragraph.\n\n" + "\n\n".join(directives) + "\n\nClosing words.\n"
        as_plain = "Intro paragraph.\n\n" + "\n\n".join(plain) + "\n\nClosing words.\n"

        save_plain = best_of(args.runs, lambda: render_markdown(as_plain))
        save_cards = best_of(args.runs, lambda: render_markdown(with_cards))

        # P posts each showing the first question's replies; the question is edited.
        shown = [posts.create_post(posts.PostInput(title=f"Post {i}", body_markdown=f"{directives[0]}\n"),
                                   by=author) for i in range(posts_count)]
        db.session.commit()
        question = services.snapshot_by_key("q0")
        version = [0]

        def edit():
            version[0] += 1
            services.update_snapshot(question, SnapshotInput(display_name="netGUARD", handle="netguard_lab",
                                                             text=f"{text} (edit {version[0]})",
                                                             posted_label="19h"), by=author)
            db.session.flush()

        def rerender_directly():
            for post in shown:
                post.body_html = render_markdown(post.body_markdown)
            db.session.flush()

        edit_cards = best_of(args.runs, edit)
        edit_baseline = best_of(args.runs, rerender_directly)
        assert f"(edit {version[0]})" in shown[-1].body_html
        db.session.commit()

        card_post = posts.create_post(posts.PostInput(title="Cards", body_markdown=with_cards), by=author)
        plain_post = posts.create_post(posts.PostInput(title="Plain", body_markdown=as_plain), by=author)
        for post in (card_post, plain_post):
            posts.publish_post(post, by=author, at=utcnow() - timedelta(minutes=1))
        db.session.commit()
        card_slug, plain_slug = card_post.slug, plain_post.slug

    client = app.test_client()
    counted = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a, **k: counted.__setitem__(0, counted[0] + 1))

    def page_cost(slug):
        counted[0] = 0
        response = client.get(f"/posts/{slug}", headers={"Cache-Control": "no-cache"})
        assert response.status_code == 200
        return counted[0]

    queries_plain, queries_cards = page_cost(plain_slug), page_cost(card_slug)
    read_plain = best_of(args.runs, lambda: page_cost(plain_slug))
    read_cards = best_of(args.runs, lambda: page_cost(card_slug))

    parse_runs = 200
    parse_plain = best_of(args.runs, lambda: [lxml.html.fragment_fromstring(X_EMBED, create_parent="div")
                                              for _ in range(parse_runs)]) / parse_runs
    parse_ours = best_of(args.runs, lambda: [parse_embed(X_EMBED) for _ in range(parse_runs)]) / parse_runs

    def ms(seconds):
        return f"{seconds * 1000:8.2f} ms"

    print(f"quotes N={quotes} (in {quotes // 4} conversations), posts P={posts_count}, best of {args.runs}")
    print(f"save  plain blockquotes  {ms(save_plain)}")
    print(f"save  cards              {ms(save_cards)}   ratio {save_cards / save_plain:5.2f}x")
    print(f"edit  re-render P posts  {ms(edit_baseline)}")
    print(f"edit  update_snapshot    {ms(edit_cards)}   ratio {edit_cards / edit_baseline:5.2f}x "
          f"({edit_cards / posts_count * 1000:.2f} ms per post)")
    print(f"read  plain post page    {ms(read_plain)}   {queries_plain} SQL queries")
    print(f"read  post with cards    {ms(read_cards)}   {queries_cards} SQL queries   "
          f"ratio {read_cards / read_plain:5.2f}x")
    print(f"parse lxml parse only    {ms(parse_plain)}")
    print(f"parse parse_embed (X)    {ms(parse_ours)}   ratio {parse_ours / parse_plain:5.2f}x")


if __name__ == "__main__":
    main()
