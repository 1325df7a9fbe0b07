"""Redirect fuzz (issue 14 item 7): ``next=`` leads to a path on this site or is ignored."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user

REFUSED = [
    "//evil.example", "//evil.example/path", "///evil.example", "////evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example",
    "/.//evil.example", "/./evil.example/..//evil.example", "/a/..//evil.example", "/../..//evil.example",
    "/%2F%2Fevil.example", "/%2f/evil.example", "/%5Cevil.example", "/%5C%5Cevil.example",
    "/.%2F%2Fevil.example", "/%2e//evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", " //evil.example",
    "/\x00/evil.example", "/%0d%0aSet-Cookie:x=1", "/\u2028/evil.example",
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<script>",
    "https://evil.example", "http://evil.example/", "https:evil.example", "http:/evil.example",
    "http://localhost/editor/", "https://blog.test/editor/",  # absolute, even to this host
    "evil.example", "editor/", "", "#/editor", "?next=//evil", "/editor#//evil.example",
]

ACCEPTED = {
    "/editor/": "/editor/",
    "/editor/posts/new": "/editor/posts/new",
    "/editor/posts/new?draft=1&x=%2F%2F": "/editor/posts/new?draft=1&x=%2F%2F",
    "/editor/./posts/../posts/new": "/editor/posts/new",
    "/editor//posts": "/editor//posts",
    "/editor/posts/..": "/editor/",
    "/posts/caf%C3%A9": "/posts/caf%C3%A9",
    "/tags/ünïcode": "/tags/ünïcode",
}


@pytest.mark.parametrize("target", REFUSED)
def test_anything_but_a_single_slash_path_is_refused(target):
    from blog.core.redirects import safe_next

    assert safe_next(target) is None


@pytest.mark.parametrize("target, expected", ACCEPTED.items())
def test_site_paths_are_kept_normalised(target, expected):
    from blog.core.redirects import safe_next

    assert safe_next(target) == expected


@pytest.mark.parametrize("target", REFUSED[:24] + ["https://evil.example", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(client, appctx, target):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    location = response.headers["Location"]
    assert location == "/editor/"


def test_sign_in_follows_a_site_path(client, appctx):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": "/editor/./posts/new"})
    assert response.headers["Location"] == "/editor/posts/new"
