"""Issue 11: every kind of email is DKIM-signed (verified with dkimpy after travelling through a real SMTP
server) and scores 0.0 with SpamAssassin's stock rules (offline, local tests only)."""
from __future__ import annotations

import re
import shutil
import stat
import subprocess

import dkim
import pytest

from blog.config import ConfigError, from_environment
from tests.conftest import require_tool
from tests.newsletter.every_email import DOMAIN, KINDS, SELECTOR, dkim_dns, dkim_settings, send_every_kind


@pytest.fixture
def every_email(make_app, smtp_server) -> dict[str, bytes]:
    app = make_app(MAIL_URL=smtp_server.url, **dkim_settings())
    received = send_every_kind(app, smtp_server)
    assert sorted(received) == sorted(KINDS)
    return received


def _signed_headers(raw: bytes) -> list[str]:
    signature = dkim.DKIM(raw)
    signature.verify(dnsfunc=dkim_dns)
    return [name.decode() for name in signature.include_headers]


def test_every_kind_of_email_carries_a_valid_dkim_signature(every_email):
    for kind, raw in every_email.items():
        assert raw.startswith(b"DKIM-Signature:"), kind
        assert dkim.verify(raw, dnsfunc=dkim_dns), kind
        signed = _signed_headers(raw)
        for header in ("from", "subject", "list-unsubscribe", "list-unsubscribe-post", "to", "date"):
            assert signed.count(header) == 2, (kind, header)  # oversigned: none can be added
        assert f"d={DOMAIN};".encode() in raw and f"s={SELECTOR};".encode() in raw
    digest = every_email["digest"]
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in digest
    forged = re.sub(rb"List-Unsubscribe: <[^>]+>", b"List-Unsubscribe: <https://evil.example/u>", digest)
    assert forged != digest and not dkim.verify(forged, dnsfunc=dkim_dns)
    added = digest.replace(b"\r\n\r\n", b"\r\nList-Unsubscribe: <https://evil.example/u>\r\n\r\n", 1)
    assert not dkim.verify(added, dnsfunc=dkim_dns)


def test_every_kind_of_email_scores_zero_with_spamassassin(every_email):
    require_tool(shutil.which("spamassassin") is not None, "spamassassin (Debian package spamassassin)")
    scores = {}
    for kind, raw in every_email.items():
        report = subprocess.run(["spamassassin", "-L", "-t"], input=raw, capture_output=True, timeout=120,
                                check=True).stdout.decode("utf-8", "replace")
        status = re.search(r"^X-Spam-Status: .*?score=(-?[\d.]+) required=[\d.]+ tests=([^\n]*(?:\n\s[^\n]*)*)",
                           report, re.M)
        scores[kind] = (float(status.group(1)), " ".join(status.group(2).split()))
    assert {kind: score for kind, (score, _) in scores.items()} == {kind: 0.0 for kind in KINDS}, scores


def test_dkim_key_command_writes_a_private_key_and_prints_the_dns_record(runner, tmp_path):
    key_file = tmp_path / "keys" / "dkim.pem"
    result = runner.invoke(args=["newsletter", "dkim-key", "--selector", "s2026", "--domain", "lab.example.org",
                                 "--output", str(key_file)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert 's2026._domainkey.lab.example.org. IN TXT ( "v=DKIM1; k=rsa; p=' in result.output
    again = runner.invoke(args=["newsletter", "dkim-key", "--output", str(key_file)])
    assert again.exit_code != 0 and "exists" in again.output  # a key in use is never overwritten
    config = from_environment({"DKIM_SELECTOR": "s2026", "DKIM_DOMAIN": "lab.example.org",
                               "DKIM_PRIVATE_KEY_FILE": str(key_file), "INSTANCE_PATH": str(tmp_path)})
    assert config["DKIM_PRIVATE_KEY"].startswith("-----BEGIN PRIVATE KEY-----")
    with pytest.raises(ConfigError):
        from_environment({"DKIM_SELECTOR": "s2026", "INSTANCE_PATH": str(tmp_path)})
