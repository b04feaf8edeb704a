"""Helpers for the web board tests: a configured app, a client that sends the board's own
Origin and CSRF token, and a real server on a random loopback port."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>&{{7*7}}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_config(tmp: Path, port: int = 8765, **kw: object):  # type: ignore[no-untyped-def]
    from xl2report.web.app import WebConfig

    inbox, outbox = tmp / "inbox", tmp / "outbox"
    inbox.mkdir(parents=True, exist_ok=True)
    outbox.mkdir(parents=True, exist_ok=True)
    return WebConfig(inbox=inbox, outbox=outbox, port=port, **kw)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


class ServerThread:
    """uvicorn serving ``app`` in a thread on ``host``:``port`` until :meth:`stop`, configured
    as ``xl2report serve`` configures it (:func:`xl2report.web.server.server_config`)."""

    def __init__(self, app, port: int, host: str = "127.0.0.1") -> None:  # type: ignore[no-untyped-def]
        import uvicorn

        from xl2report.web.server import server_config

        self.port, self.host = port, host
        self.server = uvicorn.Server(server_config(app, app.state.web.config))  # as serve does
        self.server.config.host, self.server.config.port = host, port
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
