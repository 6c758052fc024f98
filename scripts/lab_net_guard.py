"""Run JupyterLab and record every attempt of the server to reach a host other than this machine.

    COURSE_NET_LOG=/tmp/net.log python scripts/lab_net_guard.py --no-browser --port=8888 ...

The arguments are JupyterLab's own (`python -m jupyterlab ...`). Before the server starts, this
wraps `socket.getaddrinfo` and `socket.socket.connect` / `connect_ex` in the server's process:
each look-up of a host name that is not loopback, and each connection to an address that is not
loopback, appends one line to the file named by COURSE_NET_LOG (and goes ahead, so the server
behaves as it would). A name look-up is recorded even when the machine is offline, so an update
check or a news fetch shows up here whether or not it could have succeeded.

Used by scripts/browser_check.py (the browser sees only its own requests, not the server's) and
tests/test_jupyter_offline.py. Kernels are separate processes and are not watched.
"""
from __future__ import annotations

import ipaddress
import os
import runpy
import socket
import sys
import threading

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_lock = threading.Lock()


def is_loopback(host: object) -> bool:
    """True for a loopback name or address (127.0.0.0/8, ::1), a Unix socket path, or no host."""
    if host is None or host == "":
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.startswith("/") or host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def record(kind: str, host: object, port: object) -> None:
    path = os.environ.get("COURSE_NET_LOG")
    if not path:
        return
    with _lock, open(path, "a", encoding="utf-8") as log:
        log.write(f"{kind} {host} {port}\n")


def install() -> None:
    """Wrap the socket functions of this process (idempotent)."""
    if getattr(socket, "_course_net_guard", False):
        return
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, port, *args, **kwargs):
        if not is_loopback(host):
            record("lookup", host, port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    def address_host(address):
        return address[0] if isinstance(address, tuple) and address else address

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address_host(address)):
            record("connect", address_host(address), address[1] if isinstance(address, tuple) else "")
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address_host(address)):
            record("connect", address_host(address), address[1] if isinstance(address, tuple) else "")
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket._course_net_guard = True


def main(argv: list[str]) -> None:
    install()
    sys.argv = ["jupyter-lab", *argv]
    runpy.run_module("jupyterlab", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
