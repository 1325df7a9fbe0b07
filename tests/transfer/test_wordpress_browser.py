"""Admin → Import from WordPress in a browser: valid HTML and WCAG 2.1 AA, before and after an import."""
from __future__ import annotations

from blog.accounts.models import Role
from tests.browsing import sign_in
from tests.factories import make_user
from tests.transfer.test_wordpress_import import SITE_XML


def _form_then_report(live_server, page, check) -> None:
    """Call ``check(name)`` on the upload form, then on the report of an import made through it."""
    with live_server.app.app_context():
        admin_email = make_user(Role.ADMIN).email
    sign_in(page, live_server.url, admin_email)
    page.goto(f"{live_server.url}/admin/import/wordpress")
    check("import form")
    page.get_by_label("WordPress export file (.xml)").set_input_files(str(SITE_XML))
    page.get_by_role("button", name="Import").click()
    page.get_by_role("heading", name="Imported").wait_for()
    assert page.locator("dd").first.inner_text() == "4"
    check("import report")


def test_import_page_and_report_are_valid_html(live_server, page, html_errors):
    def check(name):
        assert html_errors({name: page.content()}) == []
    _form_then_report(live_server, page, check)


def test_import_page_and_report_meet_wcag_21_aa(live_server, page, axe_violations):
    def check(name):
        assert axe_violations(page) == [], name
    _form_then_report(live_server, page, check)
