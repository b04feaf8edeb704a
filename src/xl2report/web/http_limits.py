"""Time limits on the board's HTTP connections, below the application.

uvicorn closes an idle keep-alive connection after ``timeout_keep_alive`` seconds, but it waits
for a request's head (request line and headers) for ever: a client that opens a connection
and sends its headers a byte at a time ("slowloris") holds it open indefinitely, and 1,500 of
them hold 1,500 sockets.  :class:`HeaderTimeoutH11Protocol` closes a connection whose request
head has not arrived within ``header_timeout`` seconds of the connection being made (or of the
previous response being sent).  The body of a request is timed by the application
(:mod:`xl2report.web.upload_form`).  Only imported when the board is served.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0  # a browser sends its whole request head at once
MAX_HEAD_BYTES = 64 * 1024  # a request head larger than this is refused (400), h11's limit


def header_protocol(seconds: float) -> type[H11Protocol]:
    """The h11 protocol class with a request-head deadline of ``seconds``."""
    return type(
        "HeaderTimeoutH11Protocol", (HeaderTimeoutH11Protocol,), {"header_seconds": seconds}
    )


class HeaderTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections that do not send a request head in time."""

    header_seconds = HEADER_SECONDS
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm()  # a request head arrived: the application times its body

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request's head must come in time too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _too_slow(self) -> None:
        self._head_timer = None
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()
