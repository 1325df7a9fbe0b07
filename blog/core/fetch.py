"""Fetching a URL on an author's behalf without becoming a proxy into the server's own network.

An author chooses the address (a Mastodon server is any host), so the fetch
must never reach loopback, the private network, link-local metadata services or
anything else that is not on the public internet. The rules:

- HTTPS only, default or explicit port, no user name or password in the URL;
- the host is resolved once and every address it resolves to must be public
  unicast; the connection goes to that checked address (the certificate is
  still checked against the host name), so a second, different DNS answer
  cannot redirect it (no time-of-check/time-of-use gap);
- redirects are not followed (an answer of 3xx is refused);
- the answer is capped in bytes and the whole exchange in seconds;
- nothing identifying is sent: no cookies, no credentials, no proxy settings
  from the environment, a fixed User-Agent.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urlsplit

from blog.errors import ValidationFailed

USER_AGENT = "research-blog-fetch/1"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """True only for a globally routable unicast address (and for IPv6, any IPv4 inside it too)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public_address(inner):
            return False
        if address.is_site_local:
            return False
    return (address.is_global and not address.is_multicast and not address.is_loopback
            and not address.is_link_local and not address.is_unspecified and not address.is_reserved
            and not address.is_private)


def public_addresses(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to, all of them public.

    :raise ValidationFailed: when it does not resolve, or when any address is not public
        (a name that also points inward is refused as a whole).
    """
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise ValidationFailed(f"The address {host} could not be found.") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in answers))
    if not addresses or not all(is_public_address(a) for a in addresses):
        raise ValidationFailed(f"{host} is not on the public internet; nothing was fetched from it.")
    return addresses


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given address, with SNI and certificate checks for the host name."""

    def __init__(self, host: str, address: IPAddress, port: int, *, timeout: float,
                 context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((str(self._address), self.port), self.timeout)
        try:
            self.sock = self._context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def fetch_public(url: str, *, max_bytes: int, timeout: float, accept: str = "application/json",
                 context: ssl.SSLContext | None = None) -> bytes:
    """The body of a ``200`` answer to ``GET url``, under the rules in this module's docstring.

    ``context`` is the TLS context (default: the system's trusted certificates).

    :raise ValidationFailed: with a message an author can act on, for every refusal or failure.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationFailed("Only https:// addresses are fetched.")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed("Addresses with a user name or password are not fetched.")
    try:
        port = parts.port or 443
    except ValueError:
        raise ValidationFailed("That address has an invalid port.") from None
    host = parts.hostname
    address = public_addresses(host, port)[0]
    deadline = time.monotonic() + timeout
    connection = _PinnedHTTPSConnection(host, address, port, timeout=timeout,
                                        context=context or ssl.create_default_context())
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", path, headers={"Accept": accept, "User-Agent": USER_AGENT,
                                                 "Accept-Encoding": "identity"})
        sock = connection.sock  # the connection lets go of it once the answer says "close"
        response = connection.getresponse()
        if 300 <= response.status < 400:
            raise ValidationFailed(f"{host} answered with a redirect, which is not followed.")
        if response.status != 200:
            raise ValidationFailed(f"{host} answered {response.status}.")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise ValidationFailed(f"The answer from {host} was too large.")
        body = bytearray()
        while len(body) <= max_bytes:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ValidationFailed(f"{host} took too long to answer.")
            sock.settimeout(remaining)
            chunk = response.read1(65_536)
            if not chunk:
                break
            body += chunk
        if len(body) > max_bytes:
            raise ValidationFailed(f"The answer from {host} was too large.")
        return bytes(body)
    except (OSError, http.client.HTTPException) as error:
        raise ValidationFailed(f"{host} could not be reached ({error.__class__.__name__}).") from None
    finally:
        connection.close()
