"""Loopback ports for the tests' own servers (keystone, emulated BMCs).

Why one helper: the keystone server, the Redfish emulator and the IPMI BMCs
all need a port nobody listens on, and the answer differs only by protocol
(IPMI is UDP, the rest TCP). The protocol is a required argument because a
wrong default would hand out a port that was only free on the other one.
"""
from __future__ import annotations

import socket


def free_port(kind: int) -> int:
    """A 127.0.0.1 port of socket type ``kind`` (SOCK_STREAM or SOCK_DGRAM) free right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
