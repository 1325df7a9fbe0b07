"""The sanitiser gives each input the same output when many threads clean at once (a threaded
server renders previews and saves concurrently)."""
from concurrent.futures import ThreadPoolExecutor

from blog.core.sanitize import clean_html, linkify_html, linkify_text


def _document(number: int) -> str:
    return (f"<h2>Part {number}</h2><p>Paragraph {number} with <em>emphasis</em>, a "
            f"<a href=\"/posts/p{number}\">link</a> and https://example.org/{number} "
            f"<script>alert({number})</script></p>" * (1 + number % 7))


def test_concurrent_cleaning_gives_each_input_its_own_output():
    documents = [_document(n) for n in range(300)]
    expected = [(clean_html(d), linkify_html(clean_html(d)), str(linkify_text(d))) for d in documents]

    def work(number: int):
        document = documents[number]
        return clean_html(document), linkify_html(clean_html(document)), str(linkify_text(document))

    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in range(3):
            assert list(pool.map(work, range(len(documents)))) == expected
