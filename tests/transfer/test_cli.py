"""``flask export``: into a folder, or to a named file."""
from __future__ import annotations

import json
import zipfile

from tests.transfer.helpers import schema_errors
from tests.transfer.site import rich_site


def test_export_into_a_folder_or_to_a_file(runner, appctx, tmp_path):
    rich_site()
    result = runner.invoke(args=["export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [written] = tmp_path.glob("site-export-*.zip")
    assert f"Exported to {written}: " in result.output and "photo files" in result.output
    assert schema_errors(json.loads(zipfile.ZipFile(written).read("export.json"))) == []

    named = tmp_path / "backup.zip"
    assert runner.invoke(args=["export", str(named)]).exit_code == 0
    assert zipfile.ZipFile(named).namelist()[:2] == ["export.json", "wordpress.xml"]
    assert not list(tmp_path.glob(".export-*"))  # no temporary file left behind


def test_export_to_a_missing_folder_is_refused(runner, appctx, tmp_path):
    result = runner.invoke(args=["export", str(tmp_path / "nowhere" / "site.zip")])
    assert result.exit_code == 1 and "There is no folder" in result.output
