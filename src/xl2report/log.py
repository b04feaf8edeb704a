"""The package's logger (loguru, loaded on first use): silent when xl2report is used as a library.

Modules log with ``from xl2report.log import logger``.  The package's messages are disabled until
an application (the CLI) calls :func:`configure`.  Importing loguru costs ~70 ms that most commands
never need, so ``logger`` is a thin proxy that loads it when a module first logs; a level chosen
by :func:`configure` before then is applied at that moment.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from loguru import Logger

_loguru: Logger | None = None
_wanted: tuple[str, TextIO, str | None] | None = None  # what configure() asked for
_configured = False


def _real() -> Logger:
    """Loguru's logger, loaded and set up (silent unless configured) on first use."""
    global _loguru
    if _loguru is None:
        from loguru import logger as loaded

        loaded.disable("xl2report")
        _loguru = loaded
        if _wanted is not None:
            _apply(*_wanted)
    return _loguru


class _LazyLogger:
    """Forwards every attribute to loguru's logger, importing loguru on the first call."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_real(), name)


logger: Logger = _LazyLogger()  # type: ignore[assignment]


def configure(level: str = "WARNING", sink: TextIO = sys.stderr, fmt: str | None = None) -> None:
    """Send xl2report's messages from ``level`` up to ``sink`` (the CLI's stderr by default)."""
    global _wanted, _configured
    _wanted = (level, sink, fmt)
    _configured = True
    if _loguru is not None:
        _apply(level, sink, fmt)


def _apply(level: str, sink: TextIO, fmt: str | None) -> None:
    assert _loguru is not None
    _loguru.remove()
    _loguru.add(sink, level=level, **({"format": fmt} if fmt else {}))
    _loguru.enable("xl2report")


@contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Also write every xl2report message (DEBUG up) to ``path`` while the block runs.

    Used for the batch run's own log file, which exists whether or not anyone configured
    logging; afterwards the package is silent again unless :func:`configure` was called.
    """
    real = _real()
    sink = real.add(path, level="DEBUG", encoding="utf-8", filter="xl2report")
    real.enable("xl2report")
    try:
        yield
    finally:
        real.remove(sink)
        if not _configured:
            real.disable("xl2report")


__all__ = ["configure", "log_to_file", "logger"]
