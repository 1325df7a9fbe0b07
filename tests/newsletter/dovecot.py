"""A real Dovecot (IMAP and POP3 over TLS) on loopback, run by the test, with one Maildir user."""
from __future__ import annotations

import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.ports import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "bounces", "s3cret pass"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain
{users}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = {pop3s_port}
    ssl = yes
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
"""


class Dovecot:
    def __init__(self, root: Path):
        self.root = root
        self.imap_port, self.imaps_port, self.pop3s_port = free_port(), free_port(), free_port()
        self.cert = root / "cert.pem"
        if os.geteuid() == 0:  # Dovecot refuses to hand mail to root: the mailbox belongs to nobody
            account = pwd.getpwnam("nobody")
            users = ""
        else:  # unprivileged: every Dovecot process runs as the person running the tests
            account = pwd.getpwuid(os.geteuid())
            users = f"default_internal_user = {account.pw_name}\ndefault_login_user = {account.pw_name}"
        self.uid, self.gid = account.pw_uid, account.pw_gid
        self.maildir = root / "home" / USER / "Maildir"
        (root / "run").mkdir()
        (root / "state").mkdir()
        self.maildir.parent.mkdir(parents=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-keyout", str(root / "key.pem"), "-out", str(self.cert), "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (root / "dovecot.conf").write_text(CONFIG.format(
            root=root, users=users, imap_port=self.imap_port, imaps_port=self.imaps_port,
            pop3s_port=self.pop3s_port, uid=self.uid, gid=self.gid))
        self.mailbox = mailbox.Maildir(self.maildir, create=True)
        self._own()
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._wait_until_listening()

    def _own(self) -> None:
        for path in [self.maildir.parent, *self.maildir.parent.rglob("*")]:
            os.chown(path, self.uid, self.gid)

    def _wait_until_listening(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stdout.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.imaps_port), timeout=1).close()
                socket.create_connection(("127.0.0.1", self.pop3s_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start listening")

    def url(self, scheme: str = "imaps") -> str:
        port = {"imaps": self.imaps_port, "imap": self.imap_port, "pop3s": self.pop3s_port}[scheme]
        return f"{scheme}://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}/INBOX"

    def deliver(self, raw: bytes) -> None:
        """Put a message in the Maildir as a local delivery agent would."""
        self.mailbox.add(raw)
        self._own()

    def messages(self) -> list[mailbox.MaildirMessage]:
        return [self.mailbox.get_message(key) for key in self.mailbox.keys()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def dovecot():
    require_tool(os.path.exists(DOVECOT) and bool(shutil.which("openssl")),
                 "Dovecot and openssl (apt-get install dovecot-imapd dovecot-pop3d openssl)")
    # Short path: Dovecot's sockets live under base_dir, and a socket path must stay under 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="dovecot-", dir="/tmp"))
    os.chmod(root, 0o755)
    server = Dovecot(root)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)
