"""Ports for the servers tests start (SMTP, Dovecot, ``make run``, gunicorn, nginx).

A port found by binding to port 0 lies in the kernel's ephemeral range: between the probe closing it
and the server binding it (seconds, for ``make run``), the kernel may hand it to another process's
``bind(0)`` or outgoing connection. CI once saw ``make run``'s test talk to another test's Dovecot.
Ports below the ephemeral range are never handed out that way, and each pytest-xdist worker draws
from a block of its own, starting at a random place in it (other test runs may share the machine).
"""
from __future__ import annotations

import os
import random
import socket

FIRST_PORT = 20_000  # the ephemeral range starts at 32768 (net.ipv4.ip_local_port_range)
BLOCK = 1_000


def _worker_block() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    start = FIRST_PORT + (index % 12) * BLOCK
    return range(start, start + BLOCK)


_block = _worker_block()
_next = random.randrange(len(_block))


def free_port() -> int:
    """A loopback port nothing listens on, from this worker's block; never the same twice in a row."""
    global _next
    for _ in range(len(_block)):
        port = _block[_next % len(_block)]
        _next += 1
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {_block.start}-{_block.stop - 1}")
