"""Steps that browser tests share."""
from __future__ import annotations

import re

from tests.factories import PASSWORD


def sign_in(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form and wait until the site has taken the visitor on."""
    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def record_requests(page) -> list[str]:
    """Every URL the page requests from now on (to prove nothing comes from another origin)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen
