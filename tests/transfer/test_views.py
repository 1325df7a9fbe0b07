"""Site settings → Export: an admin downloads the ZIP; nobody else can."""
from __future__ import annotations

import io
import json
import zipfile

from blog.accounts.models import Role
from tests.factories import login, make_user
from tests.transfer.helpers import schema_errors


def test_an_admin_confirms_then_downloads_the_export(client, appctx):
    admin = make_user(Role.ADMIN)
    login(client, admin)
    assert 'href="/admin/settings/export"' in client.get("/admin/settings").get_data(as_text=True)
    confirmation = client.get("/admin/settings/export")
    assert confirmation.status_code == 200 and 'method="post"' in confirmation.get_data(as_text=True)
    response = client.post("/admin/settings/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=site-export-")
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    document = json.loads(archive.read("export.json"))
    assert schema_errors(document) == [] and document["people"][0]["email"] == admin.email
    assert "wordpress.xml" in archive.namelist()


def test_an_editor_can_neither_see_nor_download_the_export(client, appctx):
    login(client, make_user(Role.EDITOR))
    assert client.get("/admin/settings/export").status_code == 403
    assert client.post("/admin/settings/export").status_code == 403
