"""The server-side fetcher (oEmbed): no way into loopback or the private network, no redirects,
bounded answers, no credentials. Real servers on loopback; nothing leaves the machine."""
from __future__ import annotations

import http.server
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from blog.core import fetch
from blog.embeds.oembed import fetch_oembed
from blog.errors import ValidationFailed
from tests.conftest import require_tool

# Every class of address that is not public unicast, with an example of each.
NOT_PUBLIC = {
    "IPv4 loopback": ["127.0.0.1", "127.255.255.254"],
    "this network": ["0.0.0.0", "0.1.2.3"],
    "private 10/8": ["10.0.0.1"],
    "private 172.16/12": ["172.16.0.1", "172.31.255.254"],
    "private 192.168/16": ["192.168.1.1"],
    "shared CGNAT 100.64/10": ["100.64.0.1"],
    "link-local and cloud metadata": ["169.254.169.254", "169.254.0.1"],
    "IETF protocol assignments": ["192.0.0.1", "192.0.0.170"],
    "documentation": ["192.0.2.1", "198.51.100.1", "203.0.113.1"],
    "benchmarking": ["198.18.0.1", "198.19.255.254"],
    "reserved 240/4": ["240.0.0.1"],
    "broadcast": ["255.255.255.255"],
    "IPv4 multicast": ["224.0.0.1", "239.255.255.250"],
    "IPv6 loopback": ["::1"],
    "IPv6 unspecified": ["::"],
    "IPv4-mapped": ["::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:8.8.8.8"],
    "6to4 of a private address": ["2002:7f00:1::", "2002:a00:1::"],
    "Teredo of a private client": ["2001:0:4136:e378:8000:63bf:f5ff:fffe"],  # client 10.0.0.1
    "NAT64 of loopback": ["64:ff9b::7f00:1"],
    "IPv6 unique local": ["fc00::1", "fd12:3456::1"],
    "IPv6 link-local": ["fe80::1"],
    "IPv6 site-local": ["fec0::1"],
    "IPv6 multicast": ["ff02::1", "ff05::2"],
    "IPv6 documentation": ["2001:db8::1"],
    "IPv6 discard": ["100::1"],
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "9.9.9.9", "151.101.1.69", "2606:4700:4700::1111", "2a00:1450:4009:81e::200e"]


@pytest.mark.parametrize("kind", sorted(NOT_PUBLIC))
def test_addresses_that_are_not_public_unicast_are_refused(kind):
    for text in NOT_PUBLIC[kind]:
        assert not fetch.is_public_address(ipaddress.ip_address(text)), text


def test_public_unicast_addresses_are_allowed():
    for text in PUBLIC:
        assert fetch.is_public_address(ipaddress.ip_address(text)), text


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers from ``server.routes``; records every request and connection."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.requests.append((self.path, dict(self.headers)))
        status, headers, body, stall = self.server.routes.get(self.path, (404, {}, b"", 0))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        time.sleep(stall)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None):
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.requests, self.connections, self.routes, self.tls = [], 0, {}, tls

    def handle_error(self, request, client_address):
        pass  # the client hanging up on a refused answer is expected, not worth a traceback

    def get_request(self):
        sock, address = super().get_request()
        self.connections += 1
        return (self.tls.wrap_socket(sock, server_side=True) if self.tls else sock), address


def _serve(tls=None):
    server = _Server(tls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def loopback_server():
    server = _serve()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("spelling", [
    "https://127.0.0.1:{port}/api/oembed", "https://localhost:{port}/", "https://LOCALHOST.:{port}/",
    "https://[::1]:{port}/", "https://[::ffff:127.0.0.1]:{port}/", "https://2130706433:{port}/",
    "https://0x7f.0.0.1:{port}/", "https://127.1:{port}/", "https://0:{port}/", "https://017700000001:{port}/",
])
def test_loopback_in_any_spelling_is_refused_before_connecting(loopback_server, spelling):
    url = spelling.format(port=loopback_server.server_address[1])
    with pytest.raises(ValidationFailed, match="not on the public internet|could not be found"):
        fetch.fetch_public(url, max_bytes=1000, timeout=2)
    assert loopback_server.connections == 0


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:{port}/", "Only https"),
    ("http://example.org/", "Only https"),
    ("ftp://example.org/", "Only https"),
    ("https://user:secret@example.org/", "user name or password"),
    ("https://:secret@example.org/", "user name or password"),
    ("https://example.org:99999/", "invalid port"),
])
def test_plain_http_credentials_and_bad_ports_are_refused(loopback_server, url, message):
    with pytest.raises(ValidationFailed, match=message):
        fetch.fetch_public(url.format(port=loopback_server.server_address[1]), max_bytes=1000, timeout=2)
    assert loopback_server.connections == 0


def test_the_oembed_fetch_refuses_a_mastodon_server_on_loopback(make_app):
    app = make_app(ALLOW_OEMBED_FETCH=True)
    with app.app_context():
        for url in ("https://localhost/@ada/113354496495487036", "https://127.0.0.1/@ada/113354496495487036",
                    "https://169.254.169.254/@ada/113354496495487036"):
            with pytest.raises(ValidationFailed, match="not on the public internet"):
                fetch_oembed(url)


# --- a TLS server standing in for a public host ----------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    require_tool(shutil.which("openssl") is not None, "openssl")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def public_stand_in(certificate, monkeypatch):
    """An HTTPS server on loopback that the address check is told to treat as public.

    Only the address policy is relaxed: the connection, TLS, redirect, size and
    time rules run as in production. Every name resolution is recorded.
    """
    cert, key = certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    server = _serve(server_tls)
    client_tls = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(fetch, "is_public_address", lambda address: address.is_loopback)
    lookups = []
    real_getaddrinfo = socket.getaddrinfo

    def recording_getaddrinfo(host, *args, **kwargs):
        lookups.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)

    def get(path, **options):
        url = f"https://localhost:{server.server_address[1]}{path}"
        return fetch.fetch_public(url, context=client_tls, **({"max_bytes": 10_000, "timeout": 5} | options))

    server.get, server.lookups = get, lookups
    yield server
    server.shutdown()
    server.server_close()


def test_a_plain_answer_is_fetched_without_credentials_and_without_a_second_lookup(public_stand_in):
    public_stand_in.routes["/api/oembed?url=x"] = (200, {"Content-Type": "application/json"}, b'{"html": ""}', 0)
    assert public_stand_in.get("/api/oembed?url=x") == b'{"html": ""}'
    (_path, headers), = public_stand_in.requests
    assert {"Cookie", "Authorization", "Proxy-Authorization"}.isdisjoint(headers)
    assert headers["User-Agent"] == fetch.USER_AGENT
    assert headers["Host"] == f"localhost:{public_stand_in.server_address[1]}"
    # The name is resolved once; the connection goes to the checked address, not to the name again.
    assert [host for host in public_stand_in.lookups if not _is_ip(host)] == ["localhost"]


def _is_ip(host) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def test_redirects_are_refused_and_not_followed(public_stand_in):
    port = public_stand_in.server_address[1]
    public_stand_in.routes["/start"] = (302, {"Location": f"https://localhost:{port}/inside", "Content-Length": "0"},
                                        b"", 0)
    with pytest.raises(ValidationFailed, match="redirect"):
        public_stand_in.get("/start")
    assert [path for path, _ in public_stand_in.requests] == ["/start"]


@pytest.mark.parametrize("declared", [True, False])
def test_answers_over_the_size_limit_are_refused(public_stand_in, declared):
    body = b"x" * 50_000
    headers = {"Content-Length": str(len(body))} if declared else {"Connection": "close"}
    public_stand_in.routes["/big"] = (200, headers, body, 0)
    with pytest.raises(ValidationFailed, match="too large"):
        public_stand_in.get("/big", max_bytes=10_000)


def test_an_answer_that_never_ends_is_given_up(public_stand_in):
    public_stand_in.routes["/slow"] = (200, {"Content-Length": "1000"}, b"x" * 10, 30)
    with pytest.raises(ValidationFailed, match="too long|could not be reached"):
        public_stand_in.get("/slow", timeout=0.5)
